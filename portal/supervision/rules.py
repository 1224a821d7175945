"""Supervision orders as pure rules (DOMAIN.md §4): board states, closing, auto-issue, milestones.

No Flask, no peewee: functions take plain values and say what holds or why not.
"""
import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from ..complaints.rules import Grade, grade_rank


class OrderStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MilestoneStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    WAIVED = "waived"


class BoardState(enum.StrEnum):
    """Where an open order sits on the board, worst first."""

    WARNED = "warned"  # a milestone was missed
    DUE_SOON = "due_soon"  # a milestone is due within the tenant's window
    ON_TRACK = "on_track"


BOARD_ORDER = [BoardState.WARNED, BoardState.DUE_SOON, BoardState.ON_TRACK]
MAX_MILESTONES = 10

DEFAULTS = {
    "auto_grades": [str(Grade.IMPORTANT), str(Grade.HOT), str(Grade.MAJOR)],
    "auto_on_crisis": True,
    "plan_days": 3,  # working days: the department's cause analysis and plan
    "implement_days": 10,  # working days: the solution carried out
    "follow_up_days": 1,  # working days between customer service's follow-ups
    "due_soon_hours": 8,  # working hours before a milestone's due moment: "due soon" on the board
    "copy_roles": ["cs_supervisor", "complaint_specialist"],  # customer-service supervisors copied on warnings
}


@dataclass(frozen=True)
class MilestoneFacts:
    status: str
    due_at: datetime.datetime
    warned_at: datetime.datetime | None = None


def missed(m: MilestoneFacts, at: datetime.datetime) -> bool:
    """An open milestone whose due moment has passed (done or waived ones are never missed)."""
    return m.status == MilestoneStatus.OPEN and m.due_at <= at


def board_state(milestones: Iterable[MilestoneFacts], at: datetime.datetime,
                due_soon_from: datetime.datetime) -> BoardState:
    """Warned when a milestone is missed; due soon when one falls due before `due_soon_from`'s horizon.

    `due_soon_from` is the latest due moment that still counts as "due soon" (now + the window
    in working time), computed by the caller with the tenant's calendar.
    """
    open_ones = [m for m in milestones if m.status == MilestoneStatus.OPEN]
    if any(missed(m, at) for m in open_ones):
        return BoardState.WARNED
    if any(m.due_at <= due_soon_from for m in open_ones):
        return BoardState.DUE_SOON
    return BoardState.ON_TRACK


def close_problems(statuses: Iterable[str]) -> dict[str, str]:
    """An order closes only when every milestone is done or explicitly waived."""
    if any(s == MilestoneStatus.OPEN for s in statuses):
        return {"__all__": "milestones_open"}
    return {}


def milestone_problems(title: str, due_at, issued_at: datetime.datetime) -> dict[str, str]:
    problems = {}
    if not (title or "").strip():
        problems["title"] = "required"
    if due_at is None:
        problems["due"] = "required"
    elif due_at <= issued_at:
        problems["due"] = "due_in_the_past"
    return problems


def issue_problems(milestones: list, reason: str, manual: bool = True) -> dict[str, str]:
    """An order needs milestones (at most MAX_MILESTONES) and, when issued by hand, a reason."""
    problems = {}
    if not milestones:
        problems["milestones"] = "at_least_one_milestone"
    elif len(milestones) > MAX_MILESTONES:
        problems["milestones"] = "too_many_milestones"
    if manual and not (reason or "").strip():
        problems["reason"] = "required"
    return problems


def waive_problems(status: str, reason: str) -> dict[str, str]:
    if status != MilestoneStatus.OPEN:
        return {"__all__": "milestone_settled"}
    return {} if (reason or "").strip() else {"reason": "waive_needs_reason"}


def should_auto_issue(before_grade: str, grade: str, auto_grades: Iterable[str], has_open_order: bool) -> bool:
    """A grade rule raised the complaint into a supervised grade and nothing supervises it yet."""
    return (not has_open_order and grade in set(auto_grades)
            and grade_rank(grade) > grade_rank(before_grade))


def display_number(code: str, seq: int) -> str:
    """督办单 numbers read like the register's: DB-<tenant code>-<sequence>."""
    return f"DB-{code}-{seq:04d}"


# The early-warning chain (预警链, DOMAIN.md §4): who is told when a complaint gets a flag.
# Targets: "role:<key>", "dept_leader" (the responsible department's leader) or "hq".
CHAIN_FLAGS = ("upset_at_reception", "cannot_calm", "missing_part", "technical", "refund_demand", "hq_report")
DEFAULT_CHAIN = {
    "upset_at_reception": ["role:service_advisor", "role:cs_staff"],  # guard / front desk → service advisor
    "cannot_calm": ["role:service_manager", "role:sales_director", "role:cs_supervisor"],  # advisor → manager
    "missing_part": ["role:parts_manager", "dept_leader"],  # missing part → parts manager
    "technical": ["hq"],  # hard technical problem → HQ technical support
    "refund_demand": ["hq", "dept_leader"],  # refund / replacement demand → HQ technical support
    "hq_report": ["hq", "role:general_manager"],  # airbag, corrosion, casualty; consumer association, media
}


def chain_targets(chain: dict, flag: str) -> list[str]:
    """The configured targets of a flag (the defaults when the tenant set none)."""
    targets = chain.get(flag)
    return list(DEFAULT_CHAIN.get(flag, []) if targets is None else targets)


def valid_target(target: str, role_keys) -> bool:
    if target in ("hq", "dept_leader"):
        return True
    what, _, key = target.partition(":")
    return what == "role" and key in set(role_keys)
