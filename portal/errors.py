"""Error pages: 400 (and CSRF), 403, 404, 405, 413, 429, 500, in the user's language."""
import logging

from flask import render_template
from flask_wtf.csrf import CSRFError

log = logging.getLogger(__name__)

# When even the error page cannot be drawn (the database is down, say), this still can.
BARE_500 = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>500</title></head><body>"
            "<h1>500</h1><p>出错了，请稍后再试。 Something went wrong; please try again later.</p>"
            "</body></html>")


def register(app) -> None:
    def page(status, message=None):
        try:
            return render_template("errors/error.html", status=status, message=message), status
        except Exception:  # noqa: BLE001 - the page itself needs the session, user and database
            if status != 500:
                raise
            log.exception("the error page could not be rendered")
            return BARE_500, 500, {"Content-Type": "text/html; charset=utf-8"}

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, lambda e, status=status: page(status))
    app.register_error_handler(CSRFError, lambda e: page(400, "csrf"))
