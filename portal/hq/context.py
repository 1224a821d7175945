"""HQ's part of a complaint's file, shown on the tenant's detail page and on HQ's (a couple of indexed queries)."""
from ..accounts.models import User
from ..complaints.rules import PASSED_ON, Channel, Grade
from ..events import Event, EventKind
from .models import ReportReview, Takeover, WorkOrder


def complaint_context(complaint) -> dict:
    """The complaint's work order and its history (as far as this scope may see it), HQ's take-over, the
    review of its written report. Most complaints need no query: only a dispatched one has a work order,
    only a major one can be taken over, only one flagged for a written report has a review."""
    wo, history = None, []
    if complaint.channel == Channel.HQ_DISPATCH:
        wo = WorkOrder.select().where(WorkOrder.complaint == complaint.id).first()
        wo_id = wo.id if wo is not None else _departed(complaint)
        if wo_id is not None:
            history = list(Event.select().where((Event.subject_type == "work_order") & (Event.subject_id == wo_id))
                           .order_by(Event.id))
    takeover = (Takeover.select(Takeover, User).join(User, on=(Takeover.user == User.id))
                .where(Takeover.complaint == complaint.id).first() if complaint.grade == Grade.MAJOR else None)
    review = (ReportReview.select().where(ReportReview.complaint == complaint.id).first()
              if complaint.report_required else None)
    return {"work_order": wo, "work_order_history": history, "takeover": takeover, "report_review": review}


def _departed(complaint):
    """The work order that left this register entry (returned or redirected): its event names the entry."""
    if complaint.status not in PASSED_ON:
        return None
    event = (Event.select(Event.subject_id)
             .where((Event.subject_type == "work_order")
                    & Event.kind.in_([EventKind.WORK_ORDER_RETURNED, EventKind.WORK_ORDER_REDIRECTED])
                    & Event.data.contains(f'"complaint": {complaint.id},')).first())
    return event.subject_id if event is not None else None
