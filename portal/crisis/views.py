"""The crisis file page and its verbs; declaring a crisis and the written report from the complaint page."""
from flask import abort, g, redirect, request, url_for

from ..access import get_or_404, requires, tenant_blueprint
from ..accounts.models import User
from ..complaints.models import Complaint
from ..complaints.views import done, member_choices, render_detail
from ..forms import options, put_problems
from ..htmx import is_htmx, render
from ..tenancy.rules import Permission as P
from . import actions, queries, report
from .forms import CaseForm, DeclareForm, NoteForm, PlanForm, ReportForm, SpokespersonForm, StatementForm, TeamForm
from .messages import problem_text
from .models import CrisisFile

bp = tenant_blueprint("crisis", __name__, "/crisis")


@bp.app_context_processor
def _labels():
    from . import messages
    return {"crisis_labels": messages}


def _put(form, problems: dict) -> None:
    put_problems(form, problems, problem_text)


def _status(problems: dict) -> int:
    refused = {"only_leader_speaks", "only_team_managers_contact", "only_leader_names"}
    codes = {c for cs in problems.values() for c in cs}
    return 403 if codes & refused else 409 if "crisis_changed" in codes else 422


def team_form(file, formdata=None) -> TeamForm:
    members = options(member_choices("—"))
    form = TeamForm(formdata=formdata, leader=file.leader_id or 0, executive=file.executive_id or 0,
                    hq_participant=file.hq_participant_id or 0, version=file.version,
                    members=[m.user_id for m in file.members])
    form.leader.choices = members
    form.executive.choices = members
    form.members.choices = members[1:]
    form.hq_participant.choices = options([(0, "—")] + [(u.id, u.name)
                                                        for u in actions.hq_admins(file.tenant_id).values()])
    return form


def file_page(fid, status=200, **forms):
    ctx = queries.file_context(fid)
    file = ctx["file"]
    forms.setdefault("team_form", team_form(file))
    sp = forms.setdefault("spokesperson_form", SpokespersonForm(formdata=None, spokesperson=file.spokesperson_id or 0))
    sp.spokesperson.choices = options(member_choices("—"))
    for name, cls in (("plan_form", PlanForm), ("statement_form", StatementForm), ("unsatisfied_form", NoteForm),
                      ("legal_form", NoteForm), ("case_form", CaseForm)):
        forms.setdefault(name, cls(formdata=None))
    from ..approvals import queries as approval_queries
    return render("crisis/file.html", "crisis/_file.html", status=status, **ctx, **forms,
                  role_names=approval_queries.role_names())


def _after(file):
    if is_htmx():
        return file_page(file.id)
    return redirect(url_for("crisis.file", fid=file.id), code=303)


@bp.post("/complaints/<int:cid>/declare")
@requires(P.CRISIS)
def declare(cid):
    """Declare a crisis on a complaint: the crisis file opens with a 24-hour plan deadline."""
    complaint = get_or_404(Complaint, cid)
    form = DeclareForm()
    if not form.validate_on_submit():
        return render_detail(complaint, status=422, declare_form=form)
    try:
        file = actions.declare(complaint, g.user, form.summary.data)
    except actions.CrisisError as err:
        _put(form, err.problems)
        return render_detail(complaint, status=422, declare_form=form)
    if is_htmx():
        return done(complaint)
    return redirect(url_for("crisis.file", fid=file.id), code=303)


@bp.get("/<int:fid>")
@requires(P.COMPLAINT_VIEW)
def file(fid):
    get_or_404(CrisisFile, fid)
    return file_page(fid)


def _run(fid, form_name, form, verb):
    """Validate, run one verb, then the refreshed file (or the form with its problems)."""
    file = get_or_404(CrisisFile, fid)
    if not form.validate_on_submit():
        return file_page(fid, status=422, **{form_name: form})
    try:
        verb(file)
    except actions.CrisisError as err:
        _put(form, err.problems)
        return file_page(fid, status=_status(err.problems), **{form_name: form})
    return _after(file)


def _member(user_id):
    choices = {value for value, _label in member_choices("")}
    return User.get_by_id(user_id) if user_id and user_id in choices else None


@bp.post("/<int:fid>/team")
@requires(P.CRISIS)
def team(fid):
    file = get_or_404(CrisisFile, fid)
    form = team_form(file, formdata=request.form)
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    hq = next((u for u in actions.hq_admins(file.tenant_id).values() if u.id == form.hq_participant.data), None)
    return _run(fid, "team_form", form, lambda f: actions.set_team(
        f, g.user, leader=_member(form.leader.data), executive=_member(form.executive.data), hq_participant=hq,
        members=[u for u in map(_member, form.members.data or []) if u], expected_version=version))


@bp.post("/<int:fid>/spokesperson")
@requires(P.COMPLAINT_VIEW)
def spokesperson(fid):
    form = SpokespersonForm()
    form.spokesperson.choices = options(member_choices("—"))
    return _run(fid, "spokesperson_form", form,
                lambda f: actions.name_spokesperson(f, g.user, _member(form.spokesperson.data)))


@bp.post("/<int:fid>/plans")
@requires(P.CRISIS)
def plan(fid):
    form = PlanForm()
    return _run(fid, "plan_form", form, lambda f: actions.submit_plan(f, g.user, form.body.data))


@bp.post("/<int:fid>/statements")
@requires(P.COMPLAINT_VIEW)
def statement(fid):
    form = StatementForm()
    return _run(fid, "statement_form", form, lambda f: actions.record_statement(
        f, g.user, form.kind.data, form.audience.data, form.body.data))


@bp.post("/<int:fid>/unsatisfied")
@requires(P.CRISIS)
def unsatisfied(fid):
    form = NoteForm()
    return _run(fid, "unsatisfied_form", form, lambda f: actions.customer_unsatisfied(f, g.user, form.note.data))


@bp.post("/<int:fid>/legal")
@requires(P.CRISIS)
def legal(fid):
    form = NoteForm()
    return _run(fid, "legal_form", form, lambda f: actions.suspect_defamation(f, g.user, form.note.data))


@bp.post("/<int:fid>/case")
@requires(P.CRISIS)
def case(fid):
    form = CaseForm()
    return _run(fid, "case_form", form, lambda f: actions.write_case(f, g.user, form.case_writeup.data))


@bp.post("/complaints/<int:cid>/report")
@requires(P.REPORTS_SUBMIT)
def submit_report(cid):
    """The mandatory written report to HQ, from the complaint page."""
    complaint = get_or_404(Complaint, cid)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            report.submit(complaint, g.user, form.matters.data, form.facts.data, form.measures.data)
            return done(complaint)
        except actions.CrisisError as err:
            _put(form, err.problems)
    elif not form.errors:
        abort(400)
    return render_detail(complaint, status=422, report_form=form)


@bp.app_template_global()
def new_declare_form():
    return DeclareForm(formdata=None)


@bp.app_template_global()
def new_report_form():
    return ReportForm(formdata=None)
