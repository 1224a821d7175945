"""Who may decide an approval (DOMAIN.md §5): pure routing rules, no Flask, no peewee.

A *route* names the approver: ``hq`` (a headquarters admin of the tenant's network),
``role:<key>`` (members holding that role, e.g. ``role:general_manager``) or
``permission:<name>`` (members whose role holds that permission, e.g. the leader in charge
with ``permission:approval.decide``). A tenant chooses a route per kind and grade.
"""
import enum

from ..complaints.rules import GRADE_ORDER


class Status(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Kind(enum.StrEnum):
    """What is being approved."""

    CRISIS_PLAN = "crisis_plan"  # a crisis plan or its adjustment (危机处理方案)
    DOWNGRADE = "downgrade"  # lowering a complaint's grade


HQ = "hq"
# Defaults (DOMAIN.md §5): major → HQ decision committee; important → the leader in charge;
# hot and general → the tenant GM. A downgrade needs the approver of the grade it leaves (§2).
DEFAULT_ROUTES = {
    "crisis_plan_major": HQ, "crisis_plan_important": "permission:approval.decide",
    "crisis_plan_hot": "role:general_manager", "crisis_plan_general": "role:general_manager",
    "downgrade_major": HQ, "downgrade_hot": "permission:approval.decide",
    "downgrade_important": "permission:approval.decide", "downgrade_general": "permission:approval.decide",
}


def setting_key(kind: str, grade: str) -> str:
    return f"{kind}_{grade}"


def route_for(routes: dict, kind: str, grade: str) -> str:
    """The route a request of this kind takes for a complaint of this grade."""
    return routes.get(setting_key(kind, grade)) or DEFAULT_ROUTES[setting_key(kind, grade)]


def parse_route(route: str) -> tuple[str, str]:
    """("hq", ""), ("role", key) or ("permission", name); ValueError for anything else."""
    if route == HQ:
        return HQ, ""
    what, _, name = route.partition(":")
    if what not in ("role", "permission") or not name.strip():
        raise ValueError(f"not a route: {route!r}")
    return what, name


def routes_held(role_key: str, permissions) -> set[str]:
    """Every tenant route a member with this role and these permissions satisfies."""
    return {f"role:{role_key}"} | {f"permission:{p}" for p in permissions}


def decide_problems(*, status: str, approve: bool, comment: str, route: str, held: set[str],
                    hq_approver: bool, is_requester: bool) -> dict[str, str]:
    """Why this person may not decide now (field -> message id); empty when they may."""
    if status != Status.PENDING:
        return {"__all__": "already_decided"}
    if is_requester:
        return {"__all__": "own_request"}  # four eyes: nobody approves their own request
    allowed = hq_approver if route == HQ else route in held
    if not allowed:
        return {"__all__": "not_your_approval"}
    if not approve and not (comment or "").strip():
        return {"comment": "reason_for_rejection"}
    return {}


def validate_routes(values: dict) -> dict[str, str]:
    """Settings problems: every kind × grade needs a well-formed route."""
    problems = {}
    for key in DEFAULT_ROUTES:
        try:
            parse_route(values.get(key, ""))
        except ValueError:
            problems[key] = "invalid_route"
    return problems


GRADES = [str(g) for g in GRADE_ORDER]
