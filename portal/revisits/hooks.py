"""Revisits follow the complaint: implemented → a revisit is due; answered anywhere → it is done.

Subscribed after the deadline hooks (see `create_app`), so the REVISIT clock this reads is running.
"""
from ..complaints import hooks
from ..complaints.rules import CLOSED_STATES, Move
from . import actions, messages  # noqa: F401  (messages: the refusal text for the complaint page)


def on_move(complaint, step, actor, data, before_status) -> None:
    if step == Move.IMPLEMENT:
        actions.schedule(complaint, 1, actor)
    elif step == Move.REVISIT:
        actions.settle(complaint, actor, data, before_status)
    elif complaint.status in CLOSED_STATES:
        actions.cancel_open(complaint, actor)


hooks.AFTER_MOVE.append(on_move)
