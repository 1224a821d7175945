"""Routes outside any workspace: the front door, language switch, health check."""
from flask import Blueprint, jsonify, redirect, request, session, url_for
from flask_login import current_user

from .db import database
from .i18n import LANGUAGES

bp = Blueprint("core", __name__)


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
    target = request.form.get("next") or request.referrer or url_for("core.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("core.index")
    return redirect(target, code=303)


@bp.get("/healthz")
def healthz():
    try:
        database.execute_sql("SELECT 1")
        return jsonify(status="ok", db="ok")
    except Exception:
        return jsonify(status="error", db="unreachable"), 503
