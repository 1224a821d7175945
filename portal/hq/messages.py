"""Translated names and refusal messages of the headquarters workspace."""
from flask_babel import lazy_gettext as _l

from ..accounts.messages import PASSWORD_MESSAGES

WORK_ORDER_STATUS = {
    "dispatched": _l("Waiting for the tenant's response"), "accepted": _l("Accepted, being handled"),
    "returned": _l("Returned to headquarters"), "completed": _l("Completed"),
}
PROBLEMS = {
    "wrong_state": _l("The work order is not in a state that allows this (someone may have acted on it meanwhile)."),
    "not_major": _l("Headquarters takes over major complaints only."),
    "already_taken_over": _l("Headquarters already handles this complaint."),
    "no_report": _l("This complaint has no written report to acknowledge."),
    "order_open": _l("A supervision order is already open on this complaint."),
    "taken": _l("This web address is taken."),
    **PASSWORD_MESSAGES,
}
COLUMN_LABELS = {
    "name": _l("Tenant"), "open_total": _l("Open"), "open_major": _l("Major"), "open_hot": _l("Hot"),
    "open_important": _l("Important"), "open_general": _l("General"), "crises": _l("Crises"),
    "overdue_reply": _l("Replies overdue"), "overdue_completion": _l("Completions overdue"),
    "work_orders_waiting": _l("Work orders waiting"), "work_orders_overdue": _l("Responses to HQ overdue"),
    "reports_pending": _l("Reports to review"), "supervision_open": _l("Supervision orders"),
    "warnings": _l("Orders with a missed milestone"), "response_rate": _l("Timely response"), "completion_rate": _l("Timely completion"),
    "satisfaction_rate": _l("Satisfaction"),
}


def problem(code: str):
    from ..complaints.messages import problem_text
    return PROBLEMS.get(code) or problem_text(code)
