"""What the complaint page shows of supervision, approvals, crisis handling and support requests.

`panel_context(complaint)` is added to the complaint's detail context. It reads only what the
complaint can have: approvals only for a graded or crisis complaint, the crisis file only for a
crisis, the HQ report only when one is required, so an ordinary complaint costs two queries.
"""
from flask import g


def panel_context(complaint) -> dict:
    """The supervision/crisis panel's data for one complaint: only what it has is read."""
    from ..approvals import queries as approval_queries
    from ..approvals.actions import authority
    from ..crisis import actions as crisis_actions
    from ..crisis.report import report_for
    from ..support import queries as support_queries
    from . import queries
    approvals = (approval_queries.for_complaint(complaint.id)
                 if complaint.crisis or complaint.grade != "general" else [])
    pending = [a for a in approvals if a.status == "pending"]
    user = getattr(g, "user", None) if getattr(g, "tenant", None) else None  # HQ and print pages decide nothing
    held = set(authority(user, complaint.tenant_id).routes) if pending and user else set()
    decidable = {a.id for a in pending if a.route in held and a.requested_by_id != user.id}
    return {
        "supervision_orders": queries.for_complaint(complaint.id),
        "approval_role_names": approval_queries.role_names() if decidable else {},
        "complaint_approvals": approvals,
        "decidable": decidable,
        "crisis_file": crisis_actions.file_for(complaint) if complaint.crisis else None,
        "hq_report": report_for(complaint) if complaint.report_required else None,
        "support_requests": support_queries.for_complaint(complaint.id),
    }
