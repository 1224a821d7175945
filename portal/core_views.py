"""Routes outside any workspace: the front door, language switch, health check."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user

from .db import database
from .i18n import LANGUAGES

bp = Blueprint("core", __name__)


def local_target(target: str | None) -> str | None:
    """`target` when it is a path on this site, None for anything a browser could read as another host."""
    if not target or not target.startswith("/") or any(c == "\\" or ord(c) < 32 for c in target):
        return None  # browsers read "/\\evil" and "/<tab>/evil" as "//evil"
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _referrer_path() -> str | None:
    """The path of the page the user came from, when it is on this site."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return None
    return local_target(parts.path + (f"?{parts.query}" if parts.query else ""))


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.workspaces"))


@bp.post("/lang")
def set_language():
    """Switch the interface language; stays on the same page."""
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    target = local_target(request.form.get("next")) or _referrer_path() or url_for("core.index")
    return redirect(target, code=303)


@bp.get("/healthz")
def healthz():
    """200 when the database (and Redis, when KESU_REDIS_URL is set) answers, else 503."""
    report = {"status": "ok", "db": "ok"}
    try:  # connects here, not before the request: an unreachable database is the answer
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1")
    except Exception:
        report.update(status="error", db="unreachable")
    if current_app.config.get("REDIS_URL"):  # rate limits and the queue live there
        try:
            current_app.extensions["kesu.throttle"].redis.ping()
            report["redis"] = "ok"
        except Exception:
            report.update(status="error", redis="unreachable")
    return jsonify(report), 200 if report["status"] == "ok" else 503
