"""Deadline controls on a complaint (pause, resume) and the tenant's SLA settings pages."""
from flask import abort, g, request
from flask_babel import gettext as _

from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.models import Complaint
from ..complaints.views import done, render_detail
from ..tenancy.rules import Permission as P
from . import clocks
from .messages import PAUSE_REASONS

bp = tenant_blueprint("sla", __name__, "/complaints")
PAUSE_PROBLEMS = {"pause_not_allowed": _("This workspace does not allow pausing deadlines."),
                  "already_paused": _("The deadlines are already paused."),
                  "not_paused": _("The deadlines are not paused.")}


def _may_pause():
    if not (P.COMPLAINT_CUSTOMER in g.permissions or P.COMPLAINT_PLAN in g.permissions):
        abort(403)


@bp.post("/<int:cid>/pause")
@requires(P.COMPLAINT_VIEW)
def pause(cid):
    """Stop the clocks while waiting for the customer, a part or an outside party."""
    _may_pause()
    complaint = get_or_404(Complaint, cid)
    reason, note = request.form.get("reason", ""), request.form.get("note", "").strip()[:500]
    if reason not in PAUSE_REASONS:
        return render_detail(complaint, status=422, pause_error=_("Choose why the deadlines pause."), pause_note=note)
    try:
        clocks.pause(complaint, reason, note, g.user)
    except clocks.PauseError as err:
        return render_detail(complaint, status=422, pause_error=PAUSE_PROBLEMS[str(err)], pause_note=note)
    return done(complaint)


@bp.post("/<int:cid>/resume")
@requires(P.COMPLAINT_VIEW)
def resume(cid):
    _may_pause()
    complaint = get_or_404(Complaint, cid)
    try:
        clocks.resume(complaint, g.user)
    except clocks.PauseError as err:
        return render_detail(complaint, status=422, pause_error=PAUSE_PROBLEMS[str(err)])
    return done(complaint)


@bp.post("/<int:cid>/risk")
@requires(P.COMPLAINT_INVESTIGATE)
def risk(cid):
    """Staff mark risk flags; the grading rules run at once."""
    from .escalation import set_risk
    complaint = get_or_404(Complaint, cid)
    set_risk(complaint, request.form.getlist("flags"), request.form.get("outside_support") == "y", g.user)
    return done(complaint)


@bp.post("/<int:cid>/grade")
@requires(P.COMPLAINT_INVESTIGATE)
def grade(cid):
    """Raise the grade with a reason, or lower it as the approver of the current grade."""
    from .escalation import GradeError, change_grade
    from .messages import GRADE_PROBLEMS
    complaint = get_or_404(Complaint, cid)
    reason = request.form.get("reason", "")
    try:
        change_grade(complaint, request.form.get("grade", ""), reason, g.user, g.permissions)
    except GradeError as err:
        messages = [str(GRADE_PROBLEMS.get(code, code)) for codes in err.problems.values() for code in codes]
        return render_detail(complaint, status=422, grade_errors=messages, grade_reason=reason)
    return done(complaint)
