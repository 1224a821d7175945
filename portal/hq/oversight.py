"""Headquarters' oversight of any complaint of its network: supervision, take-over, written-report review.

Each verb takes an explicit actor (an HQ user), runs in one transaction and writes events.
"""
from .. import events
from ..complaints import actions as complaint_actions
from ..complaints import notices
from ..complaints.models import Complaint
from ..complaints.rules import CLOSED_STATES, Grade
from ..db import atomic, now
from ..events import EventKind
from ..scope import for_tenant, scoped
from ..tenancy.models import Tenant
from .actions import _members_with
from .models import ReportReview, Takeover
from .rules import WorkOrderError


def request_supervision(complaint: Complaint, actor, reason: str):
    """HQ puts a complaint under supervision (督办): a supervision order with the tenant's default milestones
    goes to the responsible department, and the tenant's customer service is told to follow it."""
    from ..supervision import actions as supervision
    reason = (reason or "").strip()
    if not reason:
        raise WorkOrderError({"reason": ["required"]})
    if complaint.status in CLOSED_STATES:
        raise WorkOrderError({"__all__": ["wrong_step"]})
    tenant = Tenant.get_by_id(complaint.tenant_id)
    with atomic(), scoped(for_tenant(tenant)):
        if supervision.open_order_for(complaint) is not None:
            raise WorkOrderError({"__all__": ["order_open"]})
        order = supervision.issue(complaint, actor, milestones=supervision.auto_milestones(tenant, now()),
                                  reason=reason)
        for user in _members_with(tenant, "supervision.manage"):
            notices.send(user.email, "hq_supervision_requested", tenant.id, user.locale, user=user,
                         complaint=complaint, reason=reason, actor=actor, number=order.number(tenant.code))
    return order


def take_over(complaint: Complaint, actor, reason: str) -> Takeover:
    """HQ handles a major complaint itself: its handler becomes the HQ user, who acts from the HQ workspace."""
    reason = (reason or "").strip()
    problems = {} if complaint.grade == Grade.MAJOR else {"__all__": ["not_major"]}
    if complaint.status in CLOSED_STATES:
        problems = {"__all__": ["wrong_step"]}
    if not reason:
        problems.setdefault("reason", ["required"])
    if problems:
        raise WorkOrderError(problems)
    with atomic():
        if Takeover.select().where(Takeover.complaint == complaint.id).exists():
            raise WorkOrderError({"__all__": ["already_taken_over"]})
        takeover = Takeover.create(tenant=complaint.tenant_id, complaint=complaint, user=actor, reason=reason)
        complaint_actions.assign(complaint, actor, department=complaint.department_id, assignee=actor)
        events.record(EventKind.HQ_TOOK_OVER, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"reason": reason})
    return takeover


def review_report(complaint: Complaint, actor, note: str = "") -> ReportReview:
    """HQ acknowledges a complaint's mandatory written report."""
    if not complaint.report_required:
        raise WorkOrderError({"__all__": ["no_report"]})
    with atomic():
        review = ReportReview.select().where(ReportReview.complaint == complaint.id).first()
        if review is not None:
            return review
        review = ReportReview.create(tenant=complaint.tenant_id, complaint=complaint, reviewed_by=actor,
                                     note=(note or "").strip())
        events.record(EventKind.REPORT_REVIEWED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"note": review.note})
    return review
