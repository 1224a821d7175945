"""Headquarters reacts to complaint steps (work orders follow their complaint) and names its events."""
from flask_babel import lazy_gettext as _l

from ..complaints import hooks
from ..complaints.messages import EVENT_LABELS
from .actions import on_complaint_moved

if on_complaint_moved not in hooks.AFTER_MOVE:
    hooks.AFTER_MOVE.append(on_complaint_moved)

# The complaint timeline names events through this table; HQ's kinds join it once at start-up.
EVENT_LABELS.update({
    "work_order.dispatched": _l("Work order dispatched by headquarters"),
    "work_order.accepted": _l("Work order accepted: response to headquarters"),
    "work_order.returned": _l("Work order returned to headquarters"),
    "work_order.redirected": _l("Work order redirected by headquarters"),
    "work_order.completed": _l("Work order completed"),
    "hq.took_over": _l("Headquarters took over the handling"),
    "hq.report_reviewed": _l("Headquarters acknowledged the written report"),
})
