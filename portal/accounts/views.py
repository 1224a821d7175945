"""Signing in and out, and choosing a workspace."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import throttle
from ..access import workspaces as list_workspaces
from ..core_views import local_target
from ..db import atomic
from .actions import check_password, end_sessions
from .forms import LoginForm
from .models import User

bp = Blueprint("accounts", __name__)


def _throttle_keys(email: str) -> list[str]:
    return [f"login:email:{email}", f"login:ip:{request.remote_addr}"]


def _fresh_session() -> None:
    """Nothing from the session before sign-in or sign-out survives but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 422 if form.errors else 200
    email = form.email.data.strip().lower()
    cfg = current_app.config
    window, limit = cfg["LOGIN_WINDOW_SECONDS"], cfg["LOGIN_MAX_FAILURES"]
    if any(throttle.count(k, window) >= limit * (4 if "ip" in k else 1) for k in _throttle_keys(email)):
        form.email.errors.append(_("Too many failed attempts. Wait a few minutes and try again."))
        return render_template("accounts/login.html", form=form), 429
    user = User.get_or_none(User.email == email)
    if not check_password(user, form.password.data) or not user.is_active:
        for key in _throttle_keys(email):
            throttle.hit(key, window)
        form.password.errors.append(_("E-mail or password is wrong, or the account is disabled."))
        return render_template("accounts/login.html", form=form), 422
    throttle.clear(f"login:email:{email}")
    _fresh_session()
    login_user(user)
    return redirect(local_target(request.args.get("next")) or url_for("accounts.workspaces"), code=303)


@bp.post("/logout")
@login_required
def logout():
    with atomic():
        end_sessions(current_user._get_current_object())
    logout_user()
    _fresh_session()
    return redirect(url_for("accounts.login"), code=303)


@bp.get("/workspaces")
@login_required
def workspaces():
    """Pick a workspace; with only one, go straight there."""
    spaces = list_workspaces(current_user)
    if len(spaces) == 1 and not request.args.get("all"):
        return redirect(_workspace_url(spaces[0]))
    return render_template("accounts/workspaces.html", spaces=spaces)


@bp.post("/workspaces")
@login_required
def choose_workspace():
    key = request.form.get("key", "")
    space = next((s for s in list_workspaces(current_user) if s["key"] == key), None)
    if space is None:
        abort(404)
    session["workspace"] = key
    return redirect(_workspace_url(space), code=303)


def _workspace_url(space: dict) -> str:
    if space["hq"]:
        return url_for("hq.home")
    return url_for("workspace.home", tenant=space["tenant"].slug)
