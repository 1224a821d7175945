"""The approvals inbox of each user, decisions, and delegation while away."""
import datetime

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import get_or_404, requires, tenant_blueprint
from ..accounts.models import User
from ..complaints.models import Complaint
from ..complaints.views import done, render_detail
from ..forms import options
from ..htmx import is_htmx, render
from ..i18n import tenant_zone
from ..tenancy.models import active_members
from ..tenancy.rules import Permission as P
from . import actions, queries
from .forms import DecisionForm, DelegationForm
from .messages import problem_text
from .models import Approval, Delegation

bp = tenant_blueprint("approvals", __name__, "/approvals")


@bp.app_context_processor
def _labels():
    from . import messages
    return {"approval_labels": messages}


REFUSED = {"own_request": 403, "not_your_approval": 403, "already_decided": 409}


def _version(form):
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _inbox(status=200, forms=None, **extra):
    return render("approvals/inbox.html", "approvals/_inbox.html", status=status,
                  pending=queries.inbox(g.user, g.tenant.id), asked=queries.asked_by(g.user),
                  role_names=queries.role_names(), forms=forms or {}, **extra)


@bp.get("/")
@requires(P.COMPLAINT_VIEW)
def inbox():
    return _inbox()


@bp.post("/<int:aid>/decide")
@requires(P.COMPLAINT_VIEW)
def decide(aid):
    """Approve or reject; refused (403) for anyone but the routed approver or their delegate."""
    approval = get_or_404(Approval, aid)
    form = DecisionForm()
    status = None
    if not form.validate_on_submit():
        status = 422
    else:
        try:
            actions.decide(approval, g.user, form.decision.data == "approve", form.comment.data, _version(form))
        except actions.ApprovalError as err:
            codes = [c for cs in err.problems.values() for c in cs]
            status = next((REFUSED[c] for c in codes if c in REFUSED), 422)
            target = form.comment if "comment" in err.problems else form.decision
            target.errors = list(target.errors) + [str(problem_text(c)) for c in codes]
    if form.back.data == "complaint":
        complaint = get_or_404(Complaint, approval.complaint_id)
        return render_detail(complaint, status=status, approval_forms={aid: form}) if status else done(complaint)
    if status:
        return _inbox(status=status, forms={aid: form})
    if is_htmx():
        return _inbox()
    flash(_("Decision recorded."), "success")
    return redirect(url_for("approvals.inbox"), code=303)


def _local_bounds(first: datetime.date, last: datetime.date):
    """From the start of the first local day to the end of the last one, as naive UTC."""
    zone = tenant_zone()
    start = datetime.datetime.combine(first, datetime.time(), zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), zone)
    return tuple(t.astimezone(datetime.UTC).replace(tzinfo=None) for t in (start, end))


def _colleagues():
    users = active_members(User.id, User.name).where(User.id != g.user.id).order_by(User.name)
    return options((u.id, u.name) for u in users)


@bp.route("/away", methods=["GET", "POST"])
@requires(P.COMPLAINT_VIEW)
def away():
    """While I am away, a colleague decides the approvals routed to me."""
    form = DelegationForm()
    form.delegate.choices = _colleagues()
    if form.validate_on_submit():
        starts, ends = _local_bounds(form.starts.data, form.ends.data)
        try:
            actions.delegate(g.tenant, g.user, User.get_by_id(form.delegate.data), starts, ends, form.note.data or "")
        except actions.ApprovalError as err:
            for name, codes in err.problems.items():
                field = form.delegate if name == "delegate" else form.ends
                field.errors = list(field.errors) + [str(problem_text(c)) for c in codes]
        else:
            flash(_("Your colleague decides your approvals while you are away."), "success")
            return redirect(url_for("approvals.away"), code=303)
    return render("approvals/away.html", form=form, rows=queries.delegations_of(g.user),
                  status=422 if form.errors else 200)


@bp.post("/away/<int:did>/end")
@requires(P.COMPLAINT_VIEW)
def end_away(did):
    row = get_or_404(Delegation, did)
    if row.user_id != g.user.id:
        abort(403)  # only the person away says they are back
    actions.end_delegation(row, g.user)
    flash(_("You are back: your approvals come to you again."), "success")
    return redirect(url_for("approvals.away"), code=303)


@bp.post("/complaints/<int:cid>/downgrade")
@requires(P.COMPLAINT_INVESTIGATE)
def ask_downgrade(cid):
    """Ask the approver of the current grade to lower it (a reason is required)."""
    complaint = get_or_404(Complaint, cid)
    reason = request.form.get("reason", "").strip()[:500]
    try:
        actions.request_downgrade(complaint, g.user, request.form.get("grade", ""), reason)
    except actions.ApprovalError as err:
        messages = [str(problem_text(c)) for codes in err.problems.values() for c in codes]
        return render_detail(complaint, status=422, downgrade_errors=messages, downgrade_reason=reason)
    return done(complaint)
