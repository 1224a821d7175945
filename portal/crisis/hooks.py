"""Crisis handling subscribes to grade changes (the rules declare crises) and to implementation."""
from ..complaints import hooks as complaint_hooks
from ..complaints.rules import Move
from ..sla import escalation
from . import actions, report  # noqa: F401  (report registers the closing guard)


def on_grade(complaint, before: dict, actor) -> None:
    """The escalation rules raised the crisis flag: open the crisis file as if staff had declared it."""
    if complaint.crisis and before.get("crisis") is False:
        actions.declare(complaint, actor, source="rules")


def on_move(complaint, step, actor, data, before_status) -> None:
    if step == Move.IMPLEMENT and complaint.crisis:
        actions.start_case_clock(complaint)


escalation.GRADE_HOOKS.append(on_grade)
complaint_hooks.AFTER_MOVE.append(on_move)
