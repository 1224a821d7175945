"""Shared form plumbing: rendering invalid forms with 422 so HTMX swaps the errors in."""
from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class Form(FlaskForm):
    """Base form; invalid submissions re-render with status 422 and the user's input intact."""


def options(pairs) -> list[SelectChoice]:
    """The options of a select, radio or checkbox list from (value, label) pairs or a {value: label} mapping;
    WTForms 3.4 takes SelectChoice only, while the pairs also feed hand-written filter selects."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return [SelectChoice(value, label) for value, label in items]


def invalid_status(form) -> int:
    return 422 if form.errors else 200


def put_problems(form, problems: dict, text, whole_form=("__all__",)) -> None:
    """Put a verb's refusal reasons ({field: [codes]}) on the form's fields, translated by `text(code)`;
    reasons about no field of the form (or about a name in `whole_form`) go on the form as a whole."""
    for name, codes in problems.items():
        field = getattr(form, name, None) if name not in whole_form else None
        messages = [str(text(code)) for code in codes]
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + messages
        else:
            form.form_errors = list(getattr(form, "form_errors", [])) + messages
