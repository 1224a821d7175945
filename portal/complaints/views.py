"""The complaint register for tenant staff: intake, detail, steps, notes, assignment, links."""
import uuid

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import get_or_404, requires, tenant_blueprint
from ..accounts.models import User
from ..db import atomic
from ..forms import options, put_problems
from ..htmx import render
from ..tenancy.models import Category, Department, active_members
from ..tenancy.rules import Permission as P
from . import actions, queries
from .forms import STEP_FORMS, AssignForm, IntakeForm, LinkForm, NoteForm
from .messages import problem_text
from .models import Complaint
from .rules import Move, MoveError

bp = tenant_blueprint("complaints", __name__, "/complaints")


@bp.app_context_processor
def _labels():
    from ..privacy import mask_phone
    from . import messages
    from .forms import CHANNEL_LABELS, KIND_LABELS
    return {"labels": messages, "labels_kind": lambda k: KIND_LABELS.get(k, k),
            "labels_channel": lambda c: CHANNEL_LABELS.get(c, c), "mask_phone": mask_phone}


def category_choices():
    return [(c.id, c.name) for c in Category.select().where(Category.active).order_by(Category.position, Category.id)]


def batch_choices():
    from ..sla.models import Batch
    return [("", "—")] + [(b.key, f"{b.key} · {b.name}") for b in Batch.select().where(Batch.active).order_by(Batch.key)]


def department_choices(blank=None):
    rows = [(d.id, d.name) for d in Department.select().where(Department.active).order_by(Department.name)]
    return ([(0, blank)] if blank else []) + rows


def member_choices(blank):
    return [(0, blank)] + [(u.id, u.name) for u in active_members(User.id, User.name).order_by(User.name)]


def member_or_none(user_id):
    """A user of this tenant by id (0/None: nobody); another tenant's user is refused."""
    if not user_id:
        return None
    user = active_members().where(User.id == user_id).first()
    if user is None:
        raise MoveError({"assignee": ["unknown_choice"]})
    return user


def department_or_none(dept_id):
    if not dept_id:
        return None
    dept = Department.select().where((Department.id == dept_id) & Department.active).first()
    if dept is None:
        raise MoveError({"department": ["unknown_choice"]})
    return dept


def apply_problems(form, problems: dict) -> None:
    """Put refusal reasons from the domain on the form's fields (or on the form as a whole)."""
    put_problems(form, problems, problem_text)


@bp.route("/new", methods=["GET", "POST"])
@requires(P.COMPLAINT_CREATE)
def intake():
    form = IntakeForm()
    form.category.choices = options(category_choices())
    form.batch_key.choices = options(batch_choices())
    if not form.is_submitted():
        form.intake_key.data = uuid.uuid4().hex
    valid = form.validate_on_submit()
    if form.is_submitted():
        from .files import check_uploads
        form.attachments.errors = list(form.attachments.errors) + check_uploads(form.attachments.data or [])
    if not valid or form.attachments.errors:
        return render("complaints/intake.html", form=form, status=422 if form.is_submitted() else 200)
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "attachments")}
    data["category"] = get_or_404(Category, form.category.data)
    data["customer_name"] = data["customer_name"].strip()
    data["batch_key"] = data.get("batch_key") or None
    data["customer_request"] = data.get("customer_request") or ""  # a form that leaves the field out
    from .files import save_uploads
    with atomic():  # the complaint and its evidence are saved together, or neither is
        complaint, created = actions.intake(g.tenant, g.user, data)
        if created:
            save_uploads(complaint, request.files.getlist("attachments"), g.user)
    if created:
        flash(_("%(number)s is in the register. The promised reply date is on the receipt.",
                number=complaint.number), "success")
    return redirect(url_for("complaints.detail", cid=complaint.id), code=303)


@bp.get("/<int:cid>")
@requires(P.COMPLAINT_VIEW)
def detail(cid):
    complaint = queries.in_full(cid) or abort(404)
    if P.CUSTOMER_FULL in g.permissions:  # the page shows the customer unmasked: log who looked (PIPL)
        from ..customers.actions import viewed
        viewed(g.user, complaint.customer_id, complaint.tenant_id, complaint)
    return render_detail(complaint)


def render_detail(complaint, status=200, **overrides):
    """The detail page, or its #complaint region for HTMX, with any forms passed in."""
    ctx = queries.detail_context(complaint, g.permissions)
    typed = overrides.pop("forms", {})
    ctx["forms"] = {**step_forms(complaint, ctx["moves"]), **typed}
    available = {str(m) for m in ctx["moves"]}
    ctx["unsaved"] = [(move, form) for move, form in typed.items() if move not in available]
    ctx.setdefault("note_form", NoteForm())
    ctx.setdefault("assign_form", assign_form(complaint))
    ctx.setdefault("link_form", LinkForm(version=complaint.version))
    ctx.update(overrides)
    return render("complaints/detail.html", "complaints/_detail.html", status=status, **ctx)


def step_forms(complaint, moves):
    return {str(move): step_form(move, formdata=None, version=complaint.version) for move in moves}


def step_form(move, **kwargs):
    """A step's form with its choices; its fields get ids of their own (`transfer-findings`), because
    the panel shows several steps with the same field names and each label must point at its own field."""
    form = STEP_FORMS[move](**kwargs)
    fill_step_choices(form)
    for f in form:
        f.id = f.label.field_id = f"{move}-{f.name}"
    return form


def fill_step_choices(form):
    if hasattr(form, "department"):
        form.department.choices = options(department_choices())
    if hasattr(form, "assignee"):
        form.assignee.choices = options(member_choices(_("Nobody yet")))


def assign_form(complaint, formdata=None):
    form = AssignForm(formdata=formdata, version=complaint.version, department=complaint.department_id or 0,
                      assignee=complaint.assignee_id or 0)
    form.department.choices = options(department_choices(_("None")))
    form.assignee.choices = options(member_choices(_("Nobody yet")))
    return form


def step_data(move, form) -> dict:
    """The domain's view of a valid step form: rows instead of ids, booleans instead of yes/no."""
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "version")}
    if "department" in data:
        data["department"] = department_or_none(data["department"])
    if "assignee" in data:
        data["assignee"] = member_or_none(data["assignee"])
    if "agreed" in data:
        data["agreed"] = {"yes": True, "no": False}.get(data["agreed"])
    return data


@bp.post("/<int:cid>/step/<move>")
@requires(P.COMPLAINT_VIEW)
def step(cid, move):
    complaint = get_or_404(Complaint, cid)
    try:
        move = Move(move)
    except ValueError:
        abort(404)
    if move not in STEP_FORMS:  # a work-order move: only the work-order verbs take it
        abort(404)
    form = step_form(move)
    if form.is_submitted() and _version(form) not in (None, complaint.version):
        return stale(complaint, {str(move): form}, str(move))
    if not form.validate_on_submit():
        return render_detail(complaint, status=422, forms={str(move): form}, open_move=str(move))
    try:
        actions.move(complaint, move, g.user, g.permissions, step_data(move, form), _version(form))
    except MoveError as err:
        apply_problems(form, err.problems)
        status = 403 if err.problems.get("__all__") == ["not_permitted"] else 422
        return render_detail(complaint, status=status, forms={str(move): form}, open_move=str(move))
    except actions.StaleError as err:
        return stale(err.current, {str(move): form}, str(move))
    return done(complaint)


def _version(form):
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def stale(current, forms, open_move=None):
    """Someone saved first: show the current state, keep what this user typed, save nothing."""
    return render_detail(current, status=409, forms=forms, open_move=open_move,
                         stale_message=_("Someone else changed this complaint while you were working on it. "
                                         "Nothing of yours was saved: check the current state below, then "
                                         "submit again if it still applies."))


def done(complaint):
    """After a successful change: the refreshed region for HTMX, a redirect otherwise."""
    if request.headers.get("HX-Request") == "true":
        return render_detail(get_or_404(Complaint, complaint.id))
    return redirect(url_for("complaints.detail", cid=complaint.id), code=303)


@bp.post("/<int:cid>/assign")
@requires(P.COMPLAINT_ASSIGN)
def assign(cid):
    complaint = get_or_404(Complaint, cid)
    form = assign_form(complaint, request.form)
    if not form.validate_on_submit():
        return render_detail(complaint, status=422, assign_form=form)
    try:
        actions.assign(complaint, g.user, department=department_or_none(form.department.data),
                       assignee=member_or_none(form.assignee.data), expected_version=_version(form))
    except MoveError as err:
        apply_problems(form, err.problems)
        return render_detail(complaint, status=422, assign_form=form)
    except actions.StaleError as err:
        return stale(err.current, {}, None)
    return done(complaint)


@bp.post("/<int:cid>/notes")
@requires(P.COMPLAINT_NOTE)
def add_note(cid):
    complaint = get_or_404(Complaint, cid)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_detail(complaint, status=422, note_form=form)
    publish = form.public.data and P.COMPLAINT_CUSTOMER in g.permissions
    actions.add_note(complaint, g.user, form.body.data, public=bool(publish))
    return done(complaint)


@bp.post("/<int:cid>/links")
@requires(P.COMPLAINT_MERGE)
def add_link(cid):
    complaint = get_or_404(Complaint, cid)
    form = LinkForm()
    if not form.validate_on_submit():
        return render_detail(complaint, status=422, link_form=form)
    other = Complaint.select().where(Complaint.number == form.other.data.strip()).first()
    try:
        if other is None:
            raise MoveError({"other": ["unknown_complaint"]})
        if form.kind.data == "merge":
            actions.merge(complaint, other, g.user, _version(form))
        else:
            actions.link(complaint, other, g.user, form.kind.data)
    except MoveError as err:
        apply_problems(form, err.problems)
        return render_detail(complaint, status=422, link_form=form)
    except actions.StaleError as err:
        return stale(err.current, {}, None)
    return done(complaint)


from . import files, printing, queue  # noqa: E402,F401  (routes on this blueprint)
