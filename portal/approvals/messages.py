"""Translated words of the approvals area; registers its timeline labels with the register."""
from flask_babel import lazy_gettext as _l

from ..complaints import messages as complaint_messages

PROBLEMS = {
    "already_decided": _l("This request was decided or withdrawn meanwhile. The page shows its current state."),
    "own_request": _l("You asked for this decision yourself: someone else must decide it."),
    "not_your_approval": _l("This decision is routed to someone else. Only the routed approver, or the person "
                            "they named while away, may decide it."),
    "reason_for_rejection": _l("Say why you reject it: the requester needs to know what to change."),
    "delegate_someone_else": _l("Choose a colleague to decide for you."),
    "ends_before_start": _l("The last day must not be before the first day."),
    "invalid_route": _l("Choose who approves."),
    "grade_changed": _l("The complaint's grade changed since this was asked: ask again for the current grade."),
    "approver_not_allowed_for_grade": _l("Only someone who approves plans of the current grade may lower it "
                                         "(major: headquarters)."),
}
KIND_LABELS = {"crisis_plan": _l("Crisis plan"), "downgrade": _l("Grade downgrade")}
STATUS_LABELS = {"pending": _l("Waiting for a decision"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                 "withdrawn": _l("Withdrawn")}
ROUTE_LABELS = {"hq": _l("Headquarters (decision committee)"),
                "permission:approval.decide": _l("The leader in charge (anyone who approves plans)")}

complaint_messages.EVENT_LABELS.update({
    "approval.requested": _l("Approval requested"), "approval.decided": _l("Approval decided"),
})


def problem_text(code: str):
    from ..sla.messages import GRADE_PROBLEMS
    return PROBLEMS.get(code) or GRADE_PROBLEMS.get(code) or complaint_messages.problem_text(code)


def route_label(route: str, role_names: dict) -> str:
    """`hq`, `role:<key>` or `permission:<name>` in words (role names as the tenant calls them)."""
    if route in ROUTE_LABELS:
        return str(ROUTE_LABELS[route])
    what, _, name = route.partition(":")
    if what == "role":
        return role_names.get(name, name)
    return str(_l("Anyone allowed to %(permission)s", permission=name))
