"""The tenant's side of a work order from headquarters: accept it (the first response) or return it."""
from flask import g

from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.models import Complaint
from ..complaints.views import done, render_detail
from ..tenancy.rules import Permission as P
from . import actions
from .forms import AcceptForm, ReturnForm
from .models import WorkOrder
from .rules import WorkOrderError
from .views import apply_problems

bp = tenant_blueprint("work_orders", __name__, "/work-orders")


def _load(wid):
    wo = get_or_404(WorkOrder, wid)
    return wo, get_or_404(Complaint, wo.complaint_id)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.post("/<int:wid>/accept")
@requires(P.COMPLAINT_ASSIGN)
def accept(wid):
    """Take the work order, with a first response to headquarters (meets HQ's response deadline)."""
    wo, complaint = _load(wid)
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            actions.accept(wo, g.user, form.note.data, _int(form.version.data))
            return done(complaint)
        except WorkOrderError as err:
            apply_problems(form, err.problems)
        except actions.StaleWorkOrder:
            return render_detail(get_or_404(Complaint, complaint.id), status=409, accept_form=form,
                                 work_order_stale=True)
    return render_detail(complaint, status=422, accept_form=form)


@bp.post("/<int:wid>/return")
@requires(P.COMPLAINT_ASSIGN)
def return_(wid):
    """Send a misrouted work order back to headquarters, with the reason; it leaves the register."""
    wo, complaint = _load(wid)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            actions.return_to_hq(wo, g.user, form.reason.data, _int(form.version.data))
            return done(complaint)
        except WorkOrderError as err:
            apply_problems(form, err.problems)
        except actions.StaleWorkOrder:
            return render_detail(get_or_404(Complaint, complaint.id), status=409, return_form=form,
                                 work_order_stale=True)
    return render_detail(complaint, status=422, return_form=form)
