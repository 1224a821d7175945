"""Shared form plumbing: rendering invalid forms with 422 so HTMX swaps the errors in."""
from flask_wtf import FlaskForm


class Form(FlaskForm):
    """Base form; invalid submissions re-render with status 422 and the user's input intact."""


def invalid_status(form) -> int:
    return 422 if form.errors else 200
