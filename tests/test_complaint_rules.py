"""The seven-step transition table, checked exhaustively (pure; no database)."""
import itertools

import pytest

from portal.complaints.rules import (CLOSED_STATES, ELSEWHERE, OPEN_STATES, SATISFACTION, TRANSITIONS, Kind,
                                     Move, Status, available_moves, check, target)
from portal.tenancy.rules import Permission

ALL = frozenset(str(p) for p in Permission) | {"hq.dispatch"}  # HQ redirects a work order

COMPLETE = {
    Move.START_INVESTIGATION: {},
    Move.CLOSE_INVALID: {"findings": "不成立", "opinion_told_via": "phone", "customer_told": True},
    Move.TRANSFER: {"findings": "成立", "department": object(), "instructions": "请给方案"},
    Move.PROPOSE_PLAN: {"cause": "原因", "solution": "方案"},
    Move.CUSTOMER_RESPONSE: {"agreed": True, "opinion": "同意"},
    Move.IMPLEMENT: {"summary": "已完成"},
    Move.REVISIT: {"satisfaction": "satisfied"},
    Move.ANSWER: {"answer": "已解答"},
    Move.CONVERT: {"reason": "客户坚持投诉"},
    Move.REOPEN: {"reason": "误关闭"},
    Move.RETURN_TO_HQ: {"reason": "不是本店的车"},
    Move.REDIRECT: {"reason": "应由浦东店处理", "to_tenant": "浦东店", "to_number": "PD-202611-0007"},
}


@pytest.mark.parametrize("move,status,kind", list(itertools.product(Move, Status, Kind)))
def test_a_move_is_allowed_only_from_its_steps_and_for_its_kinds(move, status, kind):
    t = TRANSITIONS[move]
    problems = check(move, status, kind, ALL, COMPLETE[move])
    if status in t.sources and kind in t.kinds:
        assert problems == {}
    else:
        assert problems["__all__"] in (["wrong_step"], ["wrong_kind"])


@pytest.mark.parametrize("move", list(Move))
def test_a_move_needs_its_permission(move):
    t = TRANSITIONS[move]
    status, kind = next(iter(t.sources)), next(iter(t.kinds))
    assert check(move, status, kind, ALL - {str(t.permission)}, COMPLETE[move]) == {"__all__": ["not_permitted"]}


@pytest.mark.parametrize("move,field", [(m, f) for m in Move for f in TRANSITIONS[m].required])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_move_needs_every_required_field(move, field, blank):
    t = TRANSITIONS[move]
    data = dict(COMPLETE[move], **{field: blank})
    problems = check(move, next(iter(t.sources)), next(iter(t.kinds)), ALL, data)
    assert field in problems


def test_invalid_complaint_closes_only_after_the_customer_was_told():
    data = dict(COMPLETE[Move.CLOSE_INVALID], customer_told=False)
    assert check(Move.CLOSE_INVALID, Status.INVESTIGATING, Kind.COMPLAINT, ALL, data) == {
        "customer_told": ["customer_not_told"]}


def test_customer_agreement_leads_to_implementation_and_disagreement_back_to_the_department():
    assert target(Move.CUSTOMER_RESPONSE, Status.PLAN_PROPOSED, {"agreed": True}) == Status.IMPLEMENTING
    assert target(Move.CUSTOMER_RESPONSE, Status.PLAN_PROPOSED, {"agreed": False}) == Status.TRANSFERRED


@pytest.mark.parametrize("level", SATISFACTION)
def test_revisit_closes_when_satisfied_and_reopens_to_the_department_otherwise(level):
    expected = Status.CLOSED if level in ("satisfied", "very_satisfied") else Status.TRANSFERRED
    assert target(Move.REVISIT, Status.REVISIT_PENDING, {"satisfaction": level}) == expected


def test_unknown_satisfaction_level_is_refused():
    assert check(Move.REVISIT, Status.REVISIT_PENDING, Kind.COMPLAINT, ALL, {"satisfaction": "meh"}) == {
        "satisfaction": ["invalid_choice"]}


def test_inquiries_can_be_answered_or_converted_but_not_investigated():
    moves = available_moves(Status.RECEIVED, Kind.INQUIRY, ALL)
    assert set(moves) == {Move.ANSWER, Move.CONVERT}
    assert available_moves(Status.RECEIVED, Kind.COMPLAINT, ALL) == [Move.START_INVESTIGATION]


def test_front_desk_can_log_but_not_move_a_complaint():
    front_desk = {str(Permission.COMPLAINT_VIEW), str(Permission.COMPLAINT_CREATE)}
    assert all(available_moves(s, k, front_desk) == [] for s in Status for k in Kind)


def test_a_work_order_leaves_the_register_returned_or_redirected_never_merged():
    assert target(Move.RETURN_TO_HQ, Status.INVESTIGATING, {}) == Status.RETURNED
    assert target(Move.REDIRECT, Status.RECEIVED, {}) == Status.REDIRECTED
    assert {Status.RETURNED, Status.REDIRECTED} <= CLOSED_STATES & ELSEWHERE
    assert TRANSITIONS[Move.RETURN_TO_HQ].sources == OPEN_STATES  # from any open step, never from a closed one
    assert TRANSITIONS[Move.REDIRECT].sources == OPEN_STATES | {Status.RETURNED}  # HQ passes a returned one on


def test_hq_passes_on_a_returned_entry_but_nothing_leaves_a_closed_one_again():
    data = COMPLETE[Move.REDIRECT]
    assert check(Move.REDIRECT, Status.RETURNED, Kind.COMPLAINT, ALL, data) == {}
    for closed in CLOSED_STATES - {Status.RETURNED}:
        assert check(Move.REDIRECT, closed, Kind.COMPLAINT, ALL, data) == {"__all__": ["wrong_step"]}
        assert check(Move.RETURN_TO_HQ, closed, Kind.INQUIRY, ALL, COMPLETE[Move.RETURN_TO_HQ]) == {
            "__all__": ["wrong_step"]}


def test_work_order_moves_are_never_offered_as_steps():
    offered = {m for s in Status for k in Kind for m in available_moves(s, k, ALL)}
    assert Move.RETURN_TO_HQ not in offered and Move.REDIRECT not in offered
