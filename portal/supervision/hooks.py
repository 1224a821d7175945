"""Supervision reacts to grade changes (auto-issue) and transfers (an order finds its department)."""
from ..complaints import hooks as complaint_hooks
from ..complaints.rules import Kind, Move
from ..sla import escalation
from ..tenancy.models import Department
from . import actions, rules


def on_grade(complaint, before: dict, actor) -> None:
    """Issue an order exactly when a complaint is raised into a supervised grade, once."""
    if "grade" not in before or complaint.kind != Kind.COMPLAINT or not complaint.is_open:
        return
    cfg = actions.config(complaint.tenant)
    has_open = actions.open_order_for(complaint) is not None
    if rules.should_auto_issue(before["grade"], complaint.grade, cfg["auto_grades"], has_open):
        actions.issue(complaint, None, milestones=actions.auto_milestones(complaint.tenant, actions.now()),
                      reason="", trigger=f"grade:{complaint.grade}")


def on_move(complaint, step, actor, data, before_status) -> None:
    """A transfer gives an order issued before it its department and leader."""
    if step != Move.TRANSFER or not complaint.department_id:
        return
    order = actions.open_order_for(complaint)
    if order is not None and order.department_id is None:
        actions.assign_department(order, Department.get_by_id(complaint.department_id), actor)


escalation.GRADE_HOOKS.append(on_grade)
complaint_hooks.AFTER_MOVE.append(on_move)
from . import chain  # noqa: E402

escalation.GRADE_HOOKS.append(chain.on_grade)
