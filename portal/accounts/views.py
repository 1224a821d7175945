"""Signing in and out, and choosing a workspace."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..access import workspaces as list_workspaces
from ..core_views import local_target
from ..db import atomic
from .actions import Limits, SignInRefused, end_sessions, sign_in
from .forms import LoginForm
from .messages import LOCKED, SLOW_DOWN, WRONG_PASSWORD

bp = Blueprint("accounts", __name__)


def _fresh_session() -> None:
    """Nothing from the session before sign-in or sign-out survives but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _limits() -> Limits:
    cfg, default = current_app.config, Limits()
    slow_down = cfg.get("LOGIN_MAX_FAILURES", default.slow_down)
    return Limits(slow_down=slow_down, lock_after=cfg.get("LOGIN_LOCK_FAILURES", default.lock_after),
                  per_address=cfg.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 4 * slow_down),
                  window=cfg.get("LOGIN_WINDOW_SECONDS", default.window))


REFUSALS = {"wrong": (WRONG_PASSWORD, "password", 422), "slow_down": (SLOW_DOWN, "email", 429),
            "locked": (LOCKED, "email", 429), "locked_out": (LOCKED, "email", 422)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 422 if form.errors else 200
    try:
        user = sign_in(form.email.data, form.password.data, request.remote_addr, _limits())
    except SignInRefused as refused:
        message, field, status = REFUSALS[refused.reason]
        form[field].errors.append(str(message))
        return render_template("accounts/login.html", form=form), status
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
