"""The customer's pages: the status page /s/<token> and the lookup page /s/lookup.

No account and no tenant in the URL: `customer_view` opens the complaint only through
`links.resolve`, then sets the tenant's scope and the customer's language for the request.
Unknown, revoked and expired tokens all get the same 404 page; an address that sends too many
of them gets 429 for every token for a while.
"""
import functools

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from .. import scope, throttle
from ..complaints.actions import StaleError
from ..complaints.files import check_uploads
from ..complaints.rules import MoveError
from . import actions, links, page, rules
from .forms import AnswerForm, InfoForm, LanguageForm, LookupForm, SurveyForm, UrgeForm

bp = Blueprint("status", __name__, url_prefix="/s")


@bp.after_request
def _private(response):
    response.headers["Referrer-Policy"] = "no-referrer"  # the token must not travel to other sites
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _plain(template: str, status: int, **ctx):
    """A page that depends on nothing but the request's language (no session, no complaint)."""
    return render_template(template, status=status, **ctx), status


@bp.errorhandler(CSRFError)
def _expired_form(e):
    return _plain("status/error.html", 400, problem="form_expired")


@bp.errorhandler(413)
def _too_large(e):
    return _plain("status/error.html", 413, problem="too_large")


def _limit(name: str, default: tuple) -> tuple:
    return tuple(current_app.config.get(f"STATUS_{name}", default))


def customer_view(view):
    """Open the complaint of a valid token inside its tenant's scope, in the customer's language."""
    @functools.wraps(view)
    def wrapped(token):
        limit, window = _limit("GUESSES_PER_IP", rules.GUESSES_PER_IP)
        key = f"status:guess:{rules.client_key(request.remote_addr)}"
        if throttle.count(key, window) >= limit:
            return _plain("status/error.html", 429, problem="busy")
        opened = links.resolve(token, whole=request.method == "POST")  # a view reads only what it shows
        if opened is None:
            throttle.hit(key, window)
            return _plain("status/gone.html", 404)
        scope.set_scope(scope.for_tenant(opened.tenant))
        g.tenant = opened.tenant
        with force_locale(opened.customer.locale):
            if request.method == "POST":
                limit, window = _limit("POSTS_PER_LINK", rules.POSTS_PER_LINK)
                if throttle.hit(f"status:post:{opened.complaint.id}", window) > limit:
                    return _plain("status/error.html", 429, problem="busy")
            try:
                return view(token, opened)
            except actions.LinkGone:  # erased or reissued since the token was checked: as any dead link
                return _plain("status/gone.html", 404)
    return wrapped


def _show(token, opened, status=200, **forms):
    """The status page with fresh forms for the steps it offers, except the one being corrected."""
    view = page.build(opened)
    # Blank forms only for what the page offers (the language and urge buttons carry nothing but the CSRF token).
    offered = {"info_form": (InfoForm, view.is_open), "answer_form": (AnswerForm, view.answering),
               "survey_form": (SurveyForm, view.surveying)}
    ctx = {name: form(formdata=None) for name, (form, shown) in offered.items() if shown}
    ctx.update(view=view, token=token, **forms)
    return render_template("status/page.html", **ctx), status


def _done(token, message: str):
    flash(message, "status")
    return redirect(url_for("status.page", token=token), code=303)


def _conflict(token, opened, message: str, **forms):
    """Someone (or an earlier tap) changed the complaint first: show where it stands now."""
    fresh = links.resolve(token) or opened
    return _show(token, fresh, status=409, conflict=message, **forms)


@bp.get("/<token>", endpoint="page")
@customer_view
def page_view(token, opened):
    return _show(token, opened)


@bp.post("/<token>/answer")
@customer_view
def answer(token, opened):
    form = AnswerForm()
    if not form.validate_on_submit():
        return _show(token, opened, status=422, answer_form=form)
    agreed = form.answer.data == "accept"
    opinion = (form.opinion.data or "").strip() or _("I accept the proposed solution.")
    try:
        actions.respond(opened.complaint, form.nonce.data, form.plan_id(), agreed, opinion)
    except actions.Replayed:
        return _done(token, "already")
    except (MoveError, StaleError):
        return _conflict(token, opened, "step_over", answer_form=form)
    return _done(token, "accepted" if agreed else "rejected")


@bp.post("/<token>/survey")
@customer_view
def survey(token, opened):
    form = SurveyForm()
    if not form.validate_on_submit():
        return _show(token, opened, status=422, survey_form=form)
    try:
        actions.survey(opened.complaint, form.nonce.data, form.satisfaction.data, (form.comment.data or "").strip())
    except actions.Replayed:
        return _done(token, "already")
    except (MoveError, StaleError):
        return _conflict(token, opened, "step_over", survey_form=form)
    return _done(token, "surveyed")


@bp.post("/<token>/info")
@customer_view
def add_info(token, opened):
    form = InfoForm()
    valid = form.validate_on_submit()
    files = request.files.getlist("photos")
    if form.is_submitted():
        form.photos.errors = list(form.photos.errors) + check_uploads(files)
    if not valid or form.photos.errors:
        return _show(token, opened, status=422, info_form=form)
    limit, window = _limit("INFO_PER_LINK", rules.INFO_PER_LINK)
    if throttle.hit(f"status:info:{opened.complaint.id}", window) > limit:
        return _plain("status/error.html", 429, problem="busy")
    try:
        actions.add_info(opened.complaint, form.nonce.data, form.text.data or "", files)
    except actions.Replayed:
        return _done(token, "already")
    return _done(token, "info_added")


@bp.post("/<token>/urge")
@customer_view
def urge(token, opened):
    form = UrgeForm()
    if not form.validate_on_submit():
        return _show(token, opened, status=422)
    try:
        actions.urge(opened.complaint)
    except actions.AlreadyUrged:
        return _done(token, "urged_already")
    except MoveError:
        return _conflict(token, opened, "step_over")
    return _done(token, "urged")


@bp.post("/<token>/language")
@customer_view
def language(token, opened):
    form = LanguageForm()
    if form.validate_on_submit():
        actions.set_language(opened.customer, form.lang.data)
    return redirect(url_for("status.page", token=token), code=303)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup():
    """A customer who lost the link asks for it again; the answer never says whether anything matched."""
    form = LookupForm()
    if not form.validate_on_submit():
        return render_template("status/lookup.html", form=form), 422 if form.errors else 200
    limit, window = _limit("LOOKUPS_PER_IP", rules.LOOKUPS_PER_IP)
    if throttle.hit(f"status:lookup:{rules.client_key(request.remote_addr)}", window) > limit:
        return _plain("status/error.html", 429, problem="busy")
    actions.request_link(form.number.data, form.phone.data)
    return render_template("status/lookup.html", form=LookupForm(formdata=None), sent=True)


@bp.get("/")
def index():
    return redirect(url_for("status.lookup"))
