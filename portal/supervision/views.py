"""The supervision board, order files, and the verbs on them (issue, progress, milestones, close)."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import get_or_404, requires, tenant_blueprint
from ..accounts.models import User
from ..complaints.models import Complaint
from ..complaints.views import department_choices, done, member_choices, render_detail
from ..forms import options, put_problems
from ..htmx import is_htmx, render
from ..tenancy.models import Department
from ..tenancy.rules import Permission as P
from . import actions, queries
from .forms import CloseForm, FollowUpForm, ProgressForm, WaiveForm
from .messages import problem_text
from .models import Milestone, SupervisionOrder
from .panel import issue_milestones
from .panel import new_issue_form as _issue_form

bp = tenant_blueprint("supervision", __name__, "/supervision")


@bp.app_context_processor
def _labels():
    from . import messages
    return {"supervision_labels": messages}


def _errors(form, problems: dict) -> None:
    """Put the domain's refusal reasons on the form's fields, or on the form as a whole."""
    put_problems(form, problems, problem_text, whole_form=("__all__", "milestones"))


def _leader_choices():
    # A scoped subquery: a join from User (not a tenant table) would list every tenant's leaders.
    led = Department.select(Department.leader).where(Department.active)
    leaders = User.select(User.id, User.name).where(User.id.in_(led)).order_by(User.name)
    return [(u.id, u.name) for u in leaders]


@bp.get("/")
@requires(P.SUPERVISION)
def board():
    """Open orders by state: warned, due soon, on track; filtered by department and leader."""
    f = queries.BoardFilter.from_args(request.args)
    return render("supervision/board.html", "supervision/_board.html", columns=queries.board(g.tenant, f), f=f,
                  departments=department_choices(), leaders=_leader_choices())


@bp.route("/complaints/<int:cid>/orders", methods=["GET", "POST"])
@requires(P.SUPERVISION)
def issue(cid):
    """Issue a supervision order: department, why, who is copied, the agreed milestones."""
    complaint = get_or_404(Complaint, cid)
    form = _issue_form(complaint, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        department = get_or_404(Department, form.department.data) if form.department.data else None
        rows = issue_milestones(form)
        try:
            _check_people(form.cc.data, [m for _, m in rows])
            order = actions.issue(complaint, g.user, department=department, milestones=[m for _, m in rows],
                                  reason=form.reason.data, cc=_members(form.cc.data),
                                  follow_up_days=form.follow_up_days.data)
            flash(_("Supervision order %(number)s issued.", number=order.number(g.tenant.code)), "success")
            return redirect(url_for("complaints.detail", cid=complaint.id), code=303)
        except actions.SupervisionError as err:
            _issue_errors(form, err.problems, [index for index, _ in rows])
    return render("supervision/issue.html", complaint=complaint, form=form,
                  status=422 if request.method == "POST" else 200)


def _members(ids):
    choices = {value for value, _label in member_choices("")}
    return [i for i in ids or [] if i in choices]


def _check_people(cc, milestones) -> None:
    """Refuse people copied or owning a milestone who are not active members here (a tampered form)."""
    members = {value for value, _label in member_choices("")}
    problems = {f"milestones-{i}-owner": "unknown_choice" for i, m in enumerate(milestones)
                if m["owner"] and m["owner"] not in members}
    if set(cc or []) - members:
        problems["cc"] = "unknown_choice"
    if problems:
        raise actions.SupervisionError(problems)


def _issue_errors(form, problems, row_of):
    for name, codes in problems.items():
        if name.startswith("milestones-"):
            _, index, field = name.split("-")
            row = form.milestones.entries[row_of[int(index)]].form
            target = row.due_date if field == "due" else getattr(row, field, row.title)
            target.errors = list(target.errors) + [str(problem_text(c)) for c in codes]
        else:
            _errors(form, {name: codes})


def _may_report(order) -> bool:
    return bool({P.COMPLAINT_PLAN, P.SUPERVISION} & g.permissions) or g.user.id == order.leader_id


def _may_settle(order, milestone) -> bool:
    return P.SUPERVISION in g.permissions or g.user.id in (order.leader_id, milestone.owner_id)


def order_page(oid, status=200, **forms):
    ctx = queries.order_file(oid)
    order = ctx["order"]
    forms.setdefault("progress_form", ProgressForm(formdata=None))
    forms["progress_form"].milestone.choices = options([(0, _("The order as a whole"))] + [
        (m.id, m.title or m.key) for m in ctx["milestones"] if m.status == "open"])
    forms.setdefault("follow_up_form", FollowUpForm(formdata=None))
    forms.setdefault("close_form", CloseForm(formdata=None, version=order.version))
    return render("supervision/order.html", "supervision/_order.html", status=status, may_report=_may_report(order),
                  may_settle=lambda m: _may_settle(order, m), **ctx, **forms)


def _after(order):
    if is_htmx():
        return order_page(order.id)
    return redirect(url_for("supervision.order", oid=order.id), code=303)


@bp.get("/orders/<int:oid>")
@requires(P.COMPLAINT_VIEW)
def order(oid):
    get_or_404(SupervisionOrder, oid)
    return order_page(oid)


@bp.get("/orders/<int:oid>/print")
@requires(P.COMPLAINT_VIEW)
def printable(oid):
    """The order on one A4 sheet, for the department's and customer service's signatures."""
    get_or_404(SupervisionOrder, oid)
    return render_template("supervision/print.html", **queries.order_file(oid))


@bp.post("/orders/<int:oid>/progress")
@requires(P.COMPLAINT_VIEW)
def progress(oid):
    order = get_or_404(SupervisionOrder, oid)
    if not _may_report(order):
        abort(403)
    form = ProgressForm()
    form.milestone.choices = options({0: ""})
    from ..complaints.files import check_uploads
    files = request.files.getlist("attachments")
    valid = form.validate_on_submit()
    form.attachments.errors = list(form.attachments.errors) + check_uploads(files)
    if not valid or form.attachments.errors:
        return order_page(oid, status=422, progress_form=form)
    milestone = (Milestone.select().where((Milestone.id == form.milestone.data) & (Milestone.order == order.id))
                 .first() if form.milestone.data else None)
    if form.milestone.data and milestone is None:  # not a milestone of this order (a tampered form)
        form.milestone.errors = [str(problem_text("unknown_choice"))]
        return order_page(oid, status=422, progress_form=form)
    try:
        actions.report_progress(order, g.user, form.body.data, milestone=milestone, files=files)
    except actions.SupervisionError as err:
        _errors(form, err.problems)
        return order_page(oid, status=422, progress_form=form)
    return _after(order)


@bp.post("/orders/<int:oid>/follow-up")
@requires(P.SUPERVISION)
def follow_up(oid):
    order = get_or_404(SupervisionOrder, oid)
    form = FollowUpForm()
    try:
        if not form.validate_on_submit():
            raise actions.SupervisionError({})
        actions.report_progress(order, g.user, form.body.data, kind="follow_up")
    except actions.SupervisionError as err:
        _errors(form, err.problems)
        return order_page(oid, status=422, follow_up_form=form)
    return _after(order)


@bp.post("/milestones/<int:mid>/done")
@requires(P.COMPLAINT_VIEW)
def milestone_done(mid):
    milestone = get_or_404(Milestone, mid)
    order = SupervisionOrder.get_by_id(milestone.order_id)
    if not _may_settle(order, milestone):
        abort(403)
    try:
        actions.complete(milestone, g.user)
    except actions.SupervisionError as err:
        return order_page(order.id, status=409, order_errors=[str(problem_text(c)) for c in err.problems["__all__"]])
    return _after(order)


@bp.post("/milestones/<int:mid>/waive")
@requires(P.SUPERVISION)
def waive(mid):
    milestone = get_or_404(Milestone, mid)
    order = SupervisionOrder.get_by_id(milestone.order_id)
    form = WaiveForm()
    try:
        if not form.validate_on_submit():
            raise actions.SupervisionError({"reason": "waive_needs_reason"})
        actions.waive(milestone, g.user, form.reason.data)
    except actions.SupervisionError as err:
        messages = [str(problem_text(c)) for codes in err.problems.values() for c in codes]
        return order_page(order.id, status=422, waive_errors={milestone.id: messages})
    return _after(order)


@bp.post("/orders/<int:oid>/close")
@requires(P.SUPERVISION)
def close(oid):
    order = get_or_404(SupervisionOrder, oid)
    form = CloseForm()
    try:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        if not form.validate_on_submit():
            raise actions.SupervisionError({"__all__": "order_changed"})
        actions.close(order, g.user, version)
    except actions.SupervisionError as err:
        _errors(form, err.problems)
        return order_page(oid, status=409 if "order_changed" in err.problems.get("__all__", []) else 422,
                          close_form=form)
    if not is_htmx():
        flash(_("The supervision order is closed."), "success")
    return _after(order)


from . import settings_views  # noqa: E402,F401  (routes on this blueprint)


@bp.post("/complaints/<int:cid>/early-warning")
@requires(P.COMPLAINT_VIEW)
def early_warning(cid):
    """Anyone on staff raises a flag; the chain tells the next people up (front desk → advisor → manager…)."""
    from . import chain
    complaint = get_or_404(Complaint, cid)
    flag, note = request.form.get("flag", ""), request.form.get("note", "").strip()[:2000]
    try:
        chain.raise_warning(complaint, flag, g.user, note)
    except chain.ChainError:
        return render_detail(complaint, status=422, chain_error=_("Choose what the warning is about."),
                             chain_note=note)
    return done(complaint)

