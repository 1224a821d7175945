"""Crisis handling (DOMAIN.md §5) as pure rules: who may speak, what a plan and a report need.

No Flask, no peewee.
"""
import enum


class PlanStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class StatementKind(enum.StrEnum):
    CONTACT = "contact"  # a manager-level person contacted the customer or the media
    STATEMENT = "statement"  # an external statement: only the team leader or the person they named


AUDIENCES = ("customer", "media", "consumer_association", "regulator")
# The matters of a mandatory written report (§2): safety, and outside bodies.
REPORT_MATTERS = ("airbag", "corrosion", "injury", "death", "consumer_association", "media")

DEFAULTS = {
    "leader_role": "general_manager",  # the tenant GM leads the crisis team
    "legal_roles": ["legal"],  # suspected malicious defamation goes here (综合部/法务)
    "notify_roles": ["cs_supervisor", "complaint_specialist", "general_manager"],  # told at once
}


def may_state(user_id: int, leader_id, spokesperson_id) -> bool:
    """Only the team leader, or the one person the leader named, speaks for the tenant outside."""
    return user_id in {leader_id, spokesperson_id} - {None}


def may_contact(user_id: int, leader_id, executive_id, spokesperson_id) -> bool:
    """Contact after approval is made by a manager-level member: leader, executive leader or spokesperson."""
    return user_id in {leader_id, executive_id, spokesperson_id} - {None}


def statement_problems(kind: str, audience: str, body: str, *, allowed: bool) -> dict[str, str]:
    problems = {}
    if kind not in set(StatementKind):
        problems["kind"] = "invalid_choice"
    if audience not in AUDIENCES:
        problems["audience"] = "invalid_choice"
    if not (body or "").strip():
        problems["body"] = "required"
    if not allowed:
        problems["__all__"] = "only_leader_speaks" if kind == StatementKind.STATEMENT else "only_team_managers_contact"
    return problems


def plan_problems(body: str) -> dict[str, str]:
    if not (body or "").strip():
        return {"body": "required"}
    return {}


def team_problems(leader_id, executive_id) -> dict[str, str]:
    if not leader_id:
        return {"leader": "required"}
    if executive_id and executive_id == leader_id:
        return {"executive": "executive_is_leader"}
    return {}


def report_problems(matters, facts: str, measures: str) -> dict[str, str]:
    """A written report names its matters and says what happened and what is being done."""
    problems = {}
    if not matters or not set(matters) <= set(REPORT_MATTERS):
        problems["matters"] = "choose_matters"
    if not (facts or "").strip():
        problems["facts"] = "required"
    if not (measures or "").strip():
        problems["measures"] = "required"
    return problems


def close_blocked(report_required: bool, report_submitted: bool) -> dict[str, list[str]]:
    """A complaint with a mandatory report may not close before the report went to HQ."""
    return {"__all__": ["hq_report_missing"]} if report_required and not report_submitted else {}
