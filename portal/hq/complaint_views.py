"""Complaints across the network's tenants: the list, the read-only file, and what HQ may do on it."""
import contextlib

from flask import abort, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import can, get_or_404, requires
from ..complaints import actions as complaint_actions
from ..complaints import queries as register
from ..complaints.forms import STEP_FORMS
from ..complaints.models import Complaint
from ..complaints.rules import Channel, Grade, Kind, Move, MoveError, Status
from ..complaints.views import apply_problems as apply_step_problems
from ..complaints.views import fill_step_choices, step_data, step_forms
from ..crisis.report import report_for
from ..forms import options
from ..htmx import render
from ..scope import for_tenant, scoped
from ..sla.escalation import GradeError, change_grade
from ..supervision.actions import SupervisionError
from ..supervision.messages import problem_text as supervision_problem
from ..supervision.queries import for_complaint as supervision_orders
from ..sla.messages import GRADE_PROBLEMS
from ..tenancy.models import Tenant
from . import oversight, queries
from .forms import CommentForm, GradeForm, ReasonForm, ReviewForm
from .models import Takeover
from .rules import HQ_HANDLER_PERMISSIONS, WorkOrderError
from .views import apply_problems, bp, tenant_choices


@bp.get("/complaints")
@requires("hq.view")
def complaints():
    """Every complaint of the network's tenants, with the tenant queue's filters and HQ's own."""
    f = queries.HqFilter.from_args(request.args)
    rows, cursor = queries.complaint_page(f)
    count, capped = queries.complaint_count(f) if not f.queue.after else (None, False)
    options = {"statuses": list(Status), "kinds": list(Kind), "grades": list(Grade), "channels": list(Channel),
               "tenants": tenant_choices(active_only=False)}
    return render("hq/complaints.html", "hq/_complaints.html", rows=rows, cursor=cursor, f=f, count=count,
                  capped=capped, args=request.args, options=options)


def _handling(complaint) -> bool:
    """Whether HQ handles this complaint itself (it took it over) and this user may act for HQ."""
    return can("hq.approve") and Takeover.select().where(Takeover.complaint == complaint.id).exists()


@bp.get("/complaints/<int:cid>")
@requires("hq.view")
def complaint(cid):
    return render_file(get_or_404(Complaint, cid), log_view=True)


def render_file(complaint, status=200, log_view=False, **overrides):
    """The complaint's file as HQ sees it: read-only, unless HQ took it over (then with its steps)."""
    handling = _handling(complaint)
    if log_view and handling:  # an HQ handler sees the customer unmasked: log who looked (PIPL)
        from ..customers.actions import viewed
        viewed(g.user, complaint.customer_id, complaint.tenant_id, complaint, page="hq")
    permissions = HQ_HANDLER_PERMISSIONS if handling else frozenset()
    tenant = Tenant.get_by_id(complaint.tenant_id)
    with scoped(for_tenant(tenant)), _tenant_context(tenant):  # the file's own data and the tenant's forms
        ctx = register.detail_context(complaint, permissions)
        ctx["supervision_orders"] = supervision_orders(complaint.id)
        ctx["hq_report"] = report_for(complaint) if complaint.report_required else None
        typed = overrides.pop("forms", {})
        ctx["forms"] = {**(step_forms(complaint, ctx["moves"]) if handling else {}), **typed}
    ctx.update(tenant_of_file=tenant, handling=handling, comment_form=CommentForm(),
               grade_form=_grade_form(complaint), reason_form=ReasonForm(), review_form=ReviewForm(),
               takeover_form=ReasonForm(prefix="takeover"))
    ctx.update(overrides)
    return render("hq/complaint.html", "hq/_complaint.html", status=status, **ctx)


@contextlib.contextmanager
def _tenant_context(tenant):
    """Other areas' parts of the file read `g.tenant` (their settings): give it to them while they load,
    then take it back, so the page stays in the HQ workspace."""
    g.tenant = tenant
    try:
        yield
    finally:
        g.pop("tenant", None)


def _grade_form(complaint, formdata=None):
    from ..complaints.messages import GRADE_LABELS
    form = GradeForm(formdata=formdata, grade=complaint.grade)
    form.grade.choices = options((k, str(v)) for k, v in GRADE_LABELS.items())
    return form


def _done(complaint):
    if request.headers.get("HX-Request") == "true":
        return render_file(get_or_404(Complaint, complaint.id))
    return redirect(url_for("hq.complaint", cid=complaint.id), code=303)


@bp.post("/complaints/<int:cid>/comment")
@requires("hq.approve")  # viewers and auditors read; they do not write into a tenant
def comment(cid):
    """An HQ comment: an internal note the tenant sees in the timeline (never the customer)."""
    complaint = get_or_404(Complaint, cid)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_file(complaint, status=422, comment_form=form)
    complaint_actions.add_note(complaint, g.user, form.body.data, public=False)
    return _done(complaint)


@bp.post("/complaints/<int:cid>/grade")
@requires("hq.approve")
def grade(cid):
    """Raise the grade; HQ approves major complaints, so it may also lower one (with a reason)."""
    complaint = get_or_404(Complaint, cid)
    form = _grade_form(complaint, request.form)
    if not form.validate_on_submit():
        return render_file(complaint, status=422, grade_form=form)
    try:
        change_grade(complaint, form.grade.data, form.reason.data, g.user, g.permissions)
    except GradeError as err:
        form.form_errors = [str(GRADE_PROBLEMS.get(c, c)) for codes in err.problems.values() for c in codes]
        return render_file(complaint, status=422, grade_form=form)
    return _done(complaint)


@bp.post("/complaints/<int:cid>/supervision")
@requires("hq.approve")
def request_supervision(cid):
    """Ask the tenant for a supervision order on this complaint."""
    complaint = get_or_404(Complaint, cid)
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_file(complaint, status=422, reason_form=form)
    try:
        oversight.request_supervision(complaint, g.user, form.reason.data)
    except WorkOrderError as err:
        apply_problems(form, err.problems)
        return render_file(complaint, status=422, reason_form=form)
    except SupervisionError as err:
        form.form_errors = [str(supervision_problem(c)) for c in err.problems.values()]
        return render_file(complaint, status=422, reason_form=form)
    return _done(complaint)


@bp.post("/complaints/<int:cid>/take-over")
@requires("hq.approve")
def take_over(cid):
    """HQ takes over the handling of a major complaint."""
    complaint = get_or_404(Complaint, cid)
    form = ReasonForm(prefix="takeover")
    return _act(complaint, form, "takeover_form", lambda: oversight.take_over(complaint, g.user, form.reason.data))


@bp.post("/complaints/<int:cid>/report-review")
@requires("hq.approve")
def review_report(cid):
    """Acknowledge the complaint's mandatory written report."""
    complaint = get_or_404(Complaint, cid)
    form = ReviewForm()
    return _act(complaint, form, "review_form", lambda: oversight.review_report(complaint, g.user, form.note.data))


def _act(complaint, form, name: str, action):
    """Validate `form`, run one oversight verb, and show its refusals on that form (422)."""
    if not form.validate_on_submit():
        return render_file(complaint, status=422, **{name: form})
    try:
        action()
    except WorkOrderError as err:
        apply_problems(form, err.problems)
        return render_file(complaint, status=422, **{name: form})
    return _done(complaint)


@bp.post("/complaints/<int:cid>/step/<move>")
@requires("hq.approve")
def step(cid, move):
    """A step on a complaint HQ took over, taken by the HQ handler inside the complaint's tenant."""
    complaint = get_or_404(Complaint, cid)
    try:
        move = Move(move)
    except ValueError:
        abort(404)
    if move not in STEP_FORMS:  # a work-order move: only the work-order verbs take it
        abort(404)
    if not _handling(complaint):
        abort(403)
    with scoped(for_tenant(Tenant.get_by_id(complaint.tenant_id))):  # the tenant's departments and people
        form = STEP_FORMS[move]()
        fill_step_choices(form)
        forms = {"forms": {str(move): form}, "open_move": str(move)}
        if not form.validate_on_submit():
            return render_file(complaint, status=422, **forms)
        try:
            complaint_actions.move(complaint, move, g.user, HQ_HANDLER_PERMISSIONS, step_data(move, form),
                                   _version(form))
        except MoveError as err:
            apply_step_problems(form, err.problems)
            return render_file(complaint, status=422, **forms)
        except complaint_actions.StaleError as err:
            form.form_errors = [_("Someone else changed this complaint meanwhile. Nothing was saved: check the "
                                  "current state, then submit again if it still applies.")]
            return render_file(err.current, status=409, **forms)
    return _done(complaint)


def _version(form):
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None

