"""Error pages: 400 (and CSRF), 403, 404, 405, 413, 429, 500, 503, in the user's language.

A database that is locked past its busy timeout, restarting or unreachable answers 503 with
Retry-After: the request's transaction was rolled back, and the next request takes a fresh
connection (the pool drops dead ones), so the app recovers without a restart of its own.
"""
import logging

from flask import render_template
from flask_wtf.csrf import CSRFError
from peewee import InterfaceError, OperationalError
from playhouse.pool import MaxConnectionsExceeded

log = logging.getLogger(__name__)

# When even the error page cannot be drawn (the database is down, say), this still can.
BARE_500 = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>500</title></head><body>"
            "<h1>500</h1><p>出错了，请稍后再试。 Something went wrong; please try again later.</p>"
            "</body></html>")
BARE_503 = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>503</title></head><body>"
            "<h1>503</h1><p>系统繁忙或数据库暂时无法连接，请稍后再试。 The service is busy or its database cannot "
            "be reached just now; please try again in a moment.</p></body></html>")
BARE = {500: BARE_500, 503: BARE_503}
RETRY_AFTER = "5"  # seconds: a restart or a long write is usually over by then


def register(app) -> None:
    def page(status, message=None):
        try:
            return render_template("errors/error.html", status=status, message=message), status
        except Exception:  # noqa: BLE001 - the page itself needs the session, user and database
            if status not in BARE:
                raise
            log.exception("the error page could not be rendered")
            return BARE[status], status, {"Content-Type": "text/html; charset=utf-8"}

    def unavailable(e):
        if _is_sqlite_bug(e):
            raise e  # "no such table" and the like are bugs: the 500 path logs them with their traceback
        log.warning("database unavailable: %s: %s", type(e).__name__, e)
        body, status, *headers = page(503)
        response = app.make_response((body, status, *headers))
        response.headers["Retry-After"] = RETRY_AFTER
        return response

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, lambda e, status=status: page(status))
    app.register_error_handler(CSRFError, lambda e: page(400, "csrf"))
    for error in (OperationalError, InterfaceError, MaxConnectionsExceeded):
        app.register_error_handler(error, unavailable)


def _is_sqlite_bug(e) -> bool:
    """SQLite reports both a busy database and a wrong query as OperationalError; only the first is an outage."""
    from .db import is_sqlite
    transient = ("locked", "busy", "unable to open", "disk i/o")
    return isinstance(e, OperationalError) and is_sqlite() and not any(w in str(e).lower() for w in transient)
