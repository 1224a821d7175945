"""The stored monthly figures (store.py) follow every change, in the change's own transaction.

Every event about a complaint bumps the months it may touch, except the kinds below, which change
none of the report's figures (they happen often: deadline warnings, notes, the customer urging).
Moves are subscribed to as well: HQ taking a work order away closes its complaint under the work
order's event. The minute's sweep recomputes what changed.
"""
from .. import events, jobs
from ..complaints import hooks
from ..events import EventKind as K
from . import store

NO_FIGURES = frozenset(str(k) for k in (
    K.NOTE_ADDED, K.ATTACHMENT_ADDED, K.DEADLINE_DUE_SOON, K.DEADLINE_OVERDUE, K.COMPLAINT_URGED,
    K.LINK_SENT, K.LINK_REISSUED, K.ORDER_ISSUED, K.ORDER_PROGRESS, K.ORDER_WARNING, K.ORDER_CLOSED,
    K.EARLY_WARNING, K.APPROVAL_REQUESTED, K.HQ_REPORT_SUBMITTED, K.REPORT_REVIEWED,
    K.ORDER_DEPARTMENT, K.ORDER_COPIED, K.MILESTONE_ADDED, K.MILESTONE_MOVED, K.FOLLOW_UP_REMINDED))


def on_event(event) -> None:
    if event.tenant_id is None:
        return
    if event.subject_type == "complaint" and event.subject_id and event.kind not in NO_FIGURES:
        store.complaint_changed(event.tenant_id, event.subject_id)
    elif event.subject_type in ("category", "department"):
        store.changed(event.tenant_id)  # a name changed: the tally counts by name


def on_move(complaint, step, actor, data, before_status) -> None:
    store.complaint_changed(complaint.tenant_id, complaint.id)


events.RECORDED.append(on_event)
hooks.AFTER_MOVE.append(on_move)
jobs.PERIODIC["reports"] = store.sweep
