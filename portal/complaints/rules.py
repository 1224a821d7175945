"""The complaint lifecycle (DOMAIN.md §3) as a pure transition table.

Every move names the states it starts from, where it goes, the permission it needs and the
fields it requires. `check()` says why a move is refused; `target()` says where it goes.
"""
import enum
from dataclasses import dataclass, field

from ..tenancy.rules import Permission as P


class Kind(enum.StrEnum):
    INQUIRY = "inquiry"  # 咨询
    REPAIR = "repair"  # 报修
    COMPLAINT = "complaint"  # 投诉


class Channel(enum.StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    FAX = "fax"
    WALK_IN = "walk_in"
    EMAIL = "email"
    WEB = "web"
    HQ_DISPATCH = "hq_dispatch"  # CSC 工单
    CONSUMER_ASSOCIATION = "consumer_association"  # 消协 / 12315
    MEDIA = "media"
    OTHER = "other"


class Grade(enum.StrEnum):
    GENERAL = "general"  # 一般
    IMPORTANT = "important"  # 重要
    HOT = "hot"  # 热点
    MAJOR = "major"  # 重大


GRADE_ORDER = [Grade.GENERAL, Grade.IMPORTANT, Grade.HOT, Grade.MAJOR]


def grade_rank(grade: str) -> int:
    return GRADE_ORDER.index(Grade(grade))


class Status(enum.StrEnum):
    RECEIVED = "received"  # 1 受理
    INVESTIGATING = "investigating"  # 2 调查
    TRANSFERRED = "transferred"  # 3 已传递责任部门, waiting for the plan
    PLAN_PROPOSED = "plan_proposed"  # 4 方案待客户确认
    IMPLEMENTING = "implementing"  # 5 实施中
    REVISIT_PENDING = "revisit_pending"  # 6 待回访
    CLOSED = "closed"  # 7 结案 (satisfied)
    CLOSED_INVALID = "closed_invalid"  # 投诉不成立
    ANSWERED = "answered"  # inquiry / repair request answered and closed
    MERGED = "merged"  # a duplicate, merged into its original
    RETURNED = "returned"  # an HQ work order the tenant sent back to HQ (not its own): closed here
    REDIRECTED = "redirected"  # an HQ work order HQ passed on to another tenant: it continues there


CLOSED_STATES = frozenset({Status.CLOSED, Status.CLOSED_INVALID, Status.ANSWERED, Status.MERGED,
                           Status.RETURNED, Status.REDIRECTED})
OPEN_STATES = frozenset(Status) - CLOSED_STATES
# Work orders that left the register: closed here, handled by HQ or another tenant (the report counts them apart).
PASSED_ON = frozenset({Status.RETURNED, Status.REDIRECTED})
# Closed because the matter continues elsewhere (under another number, with HQ or another tenant): never
# counted as valid or invalid, left out of the grading rules, the cluster rule and the report's figures.
ELSEWHERE = frozenset({Status.MERGED}) | PASSED_ON
SATISFIED = frozenset({"very_satisfied", "satisfied"})
SATISFACTION = ["very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied"]


class Move(enum.StrEnum):
    START_INVESTIGATION = "start_investigation"
    CLOSE_INVALID = "close_invalid"
    TRANSFER = "transfer"
    PROPOSE_PLAN = "propose_plan"
    CUSTOMER_RESPONSE = "customer_response"
    IMPLEMENT = "implement"
    REVISIT = "revisit"
    ANSWER = "answer"
    CONVERT = "convert"
    REOPEN = "reopen"
    RETURN_TO_HQ = "return_to_hq"  # the tenant sends an HQ work order back (hq.actions.return_to_hq)
    REDIRECT = "redirect"  # HQ passes a work order on to another tenant (hq.actions.redirect)


@dataclass(frozen=True)
class Transition:
    move: Move
    sources: frozenset
    target: Status | None  # None: decided by the data (see `target`)
    permission: P | str
    required: tuple = ()
    kinds: frozenset = frozenset({Kind.COMPLAINT})
    checks: tuple = field(default=())
    work_order: bool = False  # taken only through the work-order verbs (hq.actions), never offered as a step


_ANY_KIND = frozenset(Kind)
_REQUESTS = frozenset({Kind.INQUIRY, Kind.REPAIR})

TRANSITIONS = {t.move: t for t in [
    Transition(Move.START_INVESTIGATION, frozenset({Status.RECEIVED}), Status.INVESTIGATING,
               P.COMPLAINT_INVESTIGATE),
    Transition(Move.CLOSE_INVALID, frozenset({Status.INVESTIGATING}), Status.CLOSED_INVALID,
               P.COMPLAINT_INVESTIGATE, ("findings", "opinion_told_via"), checks=("customer_told",)),
    Transition(Move.TRANSFER, frozenset({Status.INVESTIGATING}), Status.TRANSFERRED,
               P.COMPLAINT_TRANSFER, ("findings", "department", "instructions")),
    Transition(Move.PROPOSE_PLAN, frozenset({Status.TRANSFERRED}), Status.PLAN_PROPOSED,
               P.COMPLAINT_PLAN, ("cause", "solution")),
    Transition(Move.CUSTOMER_RESPONSE, frozenset({Status.PLAN_PROPOSED}), None,
               P.COMPLAINT_CUSTOMER, ("agreed", "opinion"), checks=("agreed_is_bool",)),
    Transition(Move.IMPLEMENT, frozenset({Status.IMPLEMENTING}), Status.REVISIT_PENDING,
               P.COMPLAINT_IMPLEMENT, ("summary",)),
    Transition(Move.REVISIT, frozenset({Status.REVISIT_PENDING}), None,
               P.REVISIT, ("satisfaction",), checks=("satisfaction_known",)),
    Transition(Move.ANSWER, frozenset({Status.RECEIVED}), Status.ANSWERED,
               P.COMPLAINT_CLOSE, ("answer",), kinds=_REQUESTS),
    Transition(Move.CONVERT, frozenset({Status.RECEIVED}), Status.RECEIVED,
               P.COMPLAINT_INVESTIGATE, ("reason",), kinds=_REQUESTS),
    Transition(Move.REOPEN, frozenset({Status.CLOSED, Status.CLOSED_INVALID, Status.ANSWERED}),
               Status.INVESTIGATING, P.COMPLAINT_CLOSE, ("reason",), kinds=_ANY_KIND),
    Transition(Move.RETURN_TO_HQ, OPEN_STATES, Status.RETURNED, P.COMPLAINT_ASSIGN, ("reason",),
               kinds=_ANY_KIND, work_order=True),
    Transition(Move.REDIRECT, OPEN_STATES | {Status.RETURNED}, Status.REDIRECTED, "hq.dispatch",
               ("reason", "to_tenant", "to_number"), kinds=_ANY_KIND, work_order=True),
]}


class MoveError(ValueError):
    """A refused move; `problems` maps a field (or "__all__") to message ids."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check(move: Move, status: str, kind: str, permissions, data: dict) -> dict:
    """Why this move is refused (field -> [message id]); empty when it is allowed."""
    t = TRANSITIONS.get(move)
    if t is None:
        return {"__all__": ["unknown_move"]}
    if str(t.permission) not in permissions:
        return {"__all__": ["not_permitted"]}
    if kind not in t.kinds:
        return {"__all__": ["wrong_kind"]}
    if status not in t.sources:
        return {"__all__": ["wrong_step"]}
    problems = {name: ["required"] for name in t.required if _blank(data.get(name))}
    for name in t.checks:
        problems.update(_CHECKS[name](data))
    return problems


def _customer_told(data):
    return {} if data.get("customer_told") is True else {"customer_told": ["customer_not_told"]}


def _agreed_is_bool(data):
    return {} if isinstance(data.get("agreed"), bool) else {"agreed": ["required"]}


def _satisfaction_known(data):
    value = data.get("satisfaction")
    return {} if value is None or value in SATISFACTION else {"satisfaction": ["invalid_choice"]}


_CHECKS = {"customer_told": _customer_told, "agreed_is_bool": _agreed_is_bool,
           "satisfaction_known": _satisfaction_known}


def target(move: Move, status: str, data: dict) -> Status:
    """Where an allowed move leads."""
    t = TRANSITIONS[move]
    if t.target is not None:
        return t.target
    if move == Move.CUSTOMER_RESPONSE:
        return Status.IMPLEMENTING if data["agreed"] else Status.TRANSFERRED
    if move == Move.REVISIT:
        return Status.CLOSED if data["satisfaction"] in SATISFIED else Status.TRANSFERRED
    raise AssertionError(move)


def available_moves(status: str, kind: str, permissions) -> list[Move]:
    """The moves the user could make now (ignoring required fields)."""
    return [m for m, t in TRANSITIONS.items()
            if status in t.sources and kind in t.kinds and str(t.permission) in permissions and not t.work_order]


# What the customer sees for each step, in plain words (DOMAIN.md §3 discipline).
CUSTOMER_LABELS = {
    Status.RECEIVED: "received",
    Status.INVESTIGATING: "being_investigated",
    Status.TRANSFERRED: "being_handled",
    Status.PLAN_PROPOSED: "solution_proposed",
    Status.IMPLEMENTING: "solution_being_carried_out",
    Status.REVISIT_PENDING: "waiting_for_your_feedback",
    Status.CLOSED: "closed",
    Status.CLOSED_INVALID: "closed_after_investigation",
    Status.ANSWERED: "answered",
    Status.MERGED: "merged",
    Status.RETURNED: "returned_to_headquarters",
    Status.REDIRECTED: "passed_to_another_company",
}
