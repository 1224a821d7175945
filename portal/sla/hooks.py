"""Which clocks start and stop at which step of the process (DOMAIN.md §3)."""
from ..complaints import hooks
from ..complaints.models import Complaint
from ..complaints.rules import CLOSED_STATES, Kind, Move, Status
from . import clocks
from .models import DeadlineKind as K

_STARTED_BY = {  # move -> clocks that start when it is taken
    Move.TRANSFER: [K.PLAN],
    Move.IMPLEMENT: [K.REVISIT],
    Move.REOPEN: [K.REPLY],
}
_MET_BY = {  # move -> clocks it satisfies
    Move.START_INVESTIGATION: [K.HANDOVER],
    Move.TRANSFER: [K.HANDOVER],
    Move.PROPOSE_PLAN: [K.PLAN, K.REPLY],
    Move.REVISIT: [K.REVISIT],
    Move.ANSWER: [K.HANDOVER, K.REPLY],
    Move.CLOSE_INVALID: [K.REPLY],
}


def on_intake(complaint: Complaint, actor) -> None:
    kinds = [K.HANDOVER, K.REPLY] + ([K.COMPLETION] if complaint.kind == Kind.COMPLAINT else [])
    clocks.start_first(complaint, kinds, complaint.received_at)


def on_move(complaint: Complaint, step, actor, data, before_status) -> None:
    if complaint.status in CLOSED_STATES:
        clocks.meet(complaint, list(K))  # closing stops every clock
        return
    clocks.meet(complaint, _MET_BY.get(step, []))
    starts = list(_STARTED_BY.get(step, []))
    if complaint.status == Status.TRANSFERRED and step != Move.TRANSFER:
        starts.append(K.PLAN)  # back to the department: a new plan is due
    if step == Move.CONVERT:
        starts.append(K.COMPLETION)
    for kind in starts:
        clocks.start(complaint, kind)


hooks.AFTER_INTAKE.append(on_intake)
hooks.AFTER_MOVE.append(on_move)
