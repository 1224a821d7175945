"""The tenant's case library: search, write up a case from a complaint, edit and share it."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.models import Complaint
from ..forms import options
from ..htmx import render
from ..tenancy.models import Category
from ..tenancy.rules import Permission as P
from . import actions, queries, rules
from .forms import SECTION_LABELS, CaseForm
from .models import Case

bp = tenant_blueprint("cases", __name__, "/cases")
PROBLEMS = {"not_closed": _l("Only a closed complaint (or a crisis whose case is due) can be written up."),
            "already_written": _l("This complaint has been written up already."),
            "not_shared": _l("Only a shared case can be featured.")}


@bp.app_context_processor
def _case_words():
    return {"section_labels": SECTION_LABELS, "case_sections": rules.SECTIONS, "highlight": rules.highlight,
            "case_snippet": rules.snippet}


def _categories():
    return options([(0, "—")] + [(c.id, c.name) for c in Category.select().where(Category.active)
                                 .order_by(Category.position, Category.id)])


def _form_data(form) -> dict:
    data = {k: getattr(form, k).data for k in actions.FIELDS}
    data["category"] = Category.get_or_none(Category.id == form.category.data) if form.category.data else None
    return data


@bp.get("/")
@requires(P.CASES)
def index():
    q = request.args.get("q", "")[:200]
    cases, words = queries.search(q, tenant=g.tenant)
    return render("cases/index.html", "cases/_results.html", cases=cases, words=words, q=q,
                  waiting=queries.waiting())


@bp.route("/new/<int:cid>", methods=["GET", "POST"])
@requires(P.CASES)
def new(cid):
    complaint = get_or_404(Complaint, cid)
    existing = queries.case_of(complaint)
    if existing is not None:
        return redirect(url_for("cases.detail", case_id=existing.id), code=303)
    if not queries.can_write_up(complaint):
        abort(404)
    form = CaseForm(data=queries.draft_from(complaint) if request.method == "GET" else None)
    form.category.choices = _categories()
    if not form.validate_on_submit():
        return render("cases/form.html", form=form, complaint=complaint, status=422 if form.errors else 200)
    try:
        case = actions.create(g.tenant, g.user, complaint, _form_data(form))
    except actions.CaseError as e:
        form.form_errors = [str(PROBLEMS[code]) for code in e.problems.values()]
        return render("cases/form.html", form=form, complaint=complaint, status=409)
    flash(_("The case is in the library. The customer's personal data was masked."), "success")
    return redirect(url_for("cases.detail", case_id=case.id), code=303)


@bp.get("/<int:case_id>")
@requires(P.CASES)
def detail(case_id):
    case = queries.get_readable(case_id, g.tenant)
    if case is None:
        abort(404)
    return render("cases/detail.html", case=case, own=case.tenant_id == g.tenant.id, words=rules.terms(
        request.args.get("q", "")))


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@requires(P.CASES)
def edit(case_id):
    case = get_or_404(Case, case_id)
    form = CaseForm(obj=case if request.method == "GET" else None)
    if request.method == "GET":
        form.category.data, form.version.data = case.category_id or 0, str(case.version)
    form.category.choices = _categories()
    if not form.validate_on_submit():
        return render("cases/form.html", form=form, case=case, status=422 if form.errors else 200)
    try:
        actions.update(case, g.user, _form_data(form), int(form.version.data or 0))
    except actions.StaleCase as stale:
        form.form_errors = [_("Someone else saved this case meanwhile. Nothing was saved; their version is "
                              "shown next to yours.")]
        form.version.data = str(stale.current.version)
        return render("cases/form.html", form=form, case=case, current=stale.current, status=409)
    flash(_("Case saved."), "success")
    return redirect(url_for("cases.detail", case_id=case.id), code=303)


@bp.post("/<int:case_id>/share")
@requires(P.CASES)
def share(case_id):
    case = get_or_404(Case, case_id)
    shared = request.form.get("shared") == "1"
    actions.share(case, g.user, shared)
    flash(_("Shared with the network.") if shared else _("No longer shared."), "success")
    return redirect(url_for("cases.detail", case_id=case.id), code=303)
