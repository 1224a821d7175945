"""Translated words of the supervision area; registers its timeline labels and refusal reasons."""
import datetime

from flask_babel import lazy_gettext as _l

from ..complaints import messages as complaint_messages

PROBLEMS = {
    "required": _l("This field is required."),
    "due_in_the_past": _l("The due moment must be in the future."),
    "at_least_one_milestone": _l("Agree at least one milestone: what, by when, who."),
    "too_many_milestones": _l("At most 10 milestones on one order."),
    "waive_needs_reason": _l("Say why this milestone is waived."),
    "milestone_settled": _l("This milestone is already done or waived."),
    "milestones_open": _l("Every milestone must be done or waived (with a reason) before the order closes."),
    "order_closed": _l("This order is closed."),
    "order_changed": _l("Someone else changed this order meanwhile. The page shows its current state."),
    "not_permitted": _l("Your role does not allow this action."),
}
MILESTONE_KEYS = {
    "plan": _l("Cause analysis and plan from the department"),
    "implementation": _l("Solution carried out"),
    "crisis_plan": _l("Crisis plan made and submitted (24 hours)"),
    "crisis_contact": _l("Customer or media contacted after approval (12 hours)"),
    "crisis_adjust": _l("Plan adjusted after the customer's dissatisfaction (1 hour)"),
    "case_writeup": _l("Crisis case written up (1 week)"),
}
STATE_LABELS = {"warned": _l("Warned: milestone missed"), "due_soon": _l("Due soon"), "on_track": _l("On track")}
MILESTONE_STATUS = {"open": _l("Open"), "done": _l("Done"), "waived": _l("Waived")}
TRIGGER_LABELS = {"manual": _l("Issued by customer service"), "crisis": _l("Issued automatically: crisis event"),
                  "grade:important": _l("Issued automatically: the complaint became important"),
                  "grade:hot": _l("Issued automatically: the complaint became hot"),
                  "grade:major": _l("Issued automatically: the complaint became major")}

complaint_messages.EVENT_LABELS.update({
    "supervision.issued": _l("Supervision order issued"), "supervision.progress": _l("Supervision: progress"),
    "supervision.milestone_done": _l("Milestone met"), "supervision.milestone_waived": _l("Milestone waived"),
    "supervision.warning": _l("Warning: milestone missed"), "supervision.closed": _l("Supervision order closed"),
    "supervision.department": _l("Supervision order sent to a department"),
    "supervision.copied": _l("People copied on a supervision order"),
    "supervision.milestone_added": _l("Milestone added"), "supervision.milestone_moved": _l("Milestone due moment moved"),
    "supervision.follow_up_reminded": _l("Follow-up reminder sent"),
})


def problem_text(code: str):
    return PROBLEMS.get(code, complaint_messages.problem_text(code))


def milestone_title(m) -> str:
    """A built-in milestone in the reader's language, or the title customer service gave it."""
    return m.title or str(MILESTONE_KEYS.get(m.key, m.key))


def event_milestone_title(data: dict) -> str:
    """The milestone an event is about, as `milestone_title` names it."""
    return data.get("title") or str(MILESTONE_KEYS.get(data.get("key"), data.get("key") or ""))


def moment(value) -> datetime.datetime | None:
    """A moment as an event's JSON keeps it (text), back as the naive UTC datetime `localtime` shows."""
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value

CHAIN_FLAGS = {
    "upset_at_reception": _l("Upset customer at the reception (guard, front desk)"),
    "cannot_calm": _l("The advisor cannot calm the customer"),
    "missing_part": _l("Missing part"),
    "technical": _l("Hard technical problem"),
    "refund_demand": _l("Refund or replacement demanded"),
    "hq_report": _l("Airbag, corrosion, casualty; consumer association or media (report to HQ)"),
}
TARGETS = {"hq": _l("Headquarters"), "dept_leader": _l("Leader of the responsible department")}
complaint_messages.EVENT_LABELS["early_warning.raised"] = _l("Early warning")
