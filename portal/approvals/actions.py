"""Approval verbs: request, decide (approve or reject with a comment), withdraw; delegations.

Areas that need a decision register a handler for their kind in `HANDLERS`; it runs in the
deciding transaction, so the decision and its consequence commit (or fail) together.
"""
import datetime
import json
from dataclasses import dataclass, field

from .. import events
from ..accounts.models import User
from ..complaints import notices
from ..db import atomic, now
from ..events import EventKind
from ..sla import settings
from ..tenancy.models import HqLevel, HqMembership, Membership, Role, Tenant
from ..tenancy.rules import HQ_PERMISSIONS, parse_permissions
from . import rules
from .models import Approval, Delegation
from .rules import HQ, Status

settings.register_defaults("approvals", dict(rules.DEFAULT_ROUTES))

HANDLERS: dict = {}  # kind -> fn(approval, actor, approved: bool, authority: Authority)


class ApprovalError(ValueError):
    """A refused request or decision; `problems` maps a field (or "__all__") to message ids."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class Authority:
    """With what right a person decides: their own, a delegator's, or headquarters'."""

    permissions: frozenset = frozenset()
    on_behalf_of: int | None = None
    hq: bool = False
    routes: dict = field(default_factory=dict)  # route -> delegator id (None: held in person)
    delegated: dict = field(default_factory=dict)  # delegator id -> their permissions


def _members(tenant_id: int, user_ids=None):
    query = (Membership.select(Membership.user, Role.key, Role.permissions).join(Role)
             .where((Membership.tenant == tenant_id) & Membership.active))
    return query.where(Membership.user.in_(list(user_ids))) if user_ids is not None else query


def _away_delegators(tenant_id: int, delegate_id: int, at) -> list[int]:
    return [d.user_id for d in Delegation.select(Delegation.user).where(
        (Delegation.tenant == tenant_id) & (Delegation.delegate == delegate_id)
        & (Delegation.starts_at <= at) & (Delegation.ends_at > at))]


def hq_approver(user, tenant_id: int) -> bool:
    """Whether the user is a headquarters admin (hq.approve) of the tenant's network."""
    network = Tenant.select(Tenant.network).where(Tenant.id == tenant_id).scalar()
    levels = [m.level for m in HqMembership.select(HqMembership.level).where(
        (HqMembership.network == network) & (HqMembership.user == user.id) & HqMembership.active)]
    return any("hq.approve" in HQ_PERMISSIONS.get(level, ()) for level in levels)


def authority(user, tenant_id: int, at=None) -> Authority:
    """The routes a user satisfies in a tenant now: in person, and for colleagues away who named them."""
    at = at or now()
    routes, perms = {}, {}
    delegators = _away_delegators(tenant_id, user.id, at)
    for row in _members(tenant_id, [user.id, *delegators]):
        held = parse_permissions(row.role.permissions)
        perms[row.user_id] = held
        for route in rules.routes_held(row.role.key, held):
            if row.user_id == user.id:
                routes[route] = None
            else:
                routes.setdefault(route, row.user_id)
    own = perms.pop(user.id, frozenset())
    return Authority(permissions=own, routes=routes, delegated=perms)


def _effective(auth: Authority, route: str) -> Authority:
    """The authority a decision on this route is made with (the delegator's permissions when delegated)."""
    if route == HQ:
        return Authority(permissions=frozenset(HQ_PERMISSIONS[HqLevel.ADMIN]), hq=True)
    behalf = auth.routes.get(route)
    if behalf is None:
        return Authority(permissions=auth.permissions)
    return Authority(permissions=auth.delegated[behalf], on_behalf_of=behalf)


def approvers(approval: Approval) -> list:
    """Who is asked: HQ admins, or the members the route names and the delegates of those away."""
    if approval.route == HQ:
        network = Tenant.select(Tenant.network).where(Tenant.id == approval.tenant_id).scalar()
        ids = [m.user_id for m in HqMembership.select(HqMembership.user).where(
            (HqMembership.network == network) & HqMembership.active & (HqMembership.level == HqLevel.ADMIN))]
    else:
        ids = [row.user_id for row in _members(approval.tenant_id)
               if approval.route in rules.routes_held(row.role.key, parse_permissions(row.role.permissions))]
        at = now()
        ids += [d.delegate_id for d in Delegation.select(Delegation.delegate).where(
            (Delegation.tenant == approval.tenant_id) & Delegation.user.in_(ids or [0])
            & (Delegation.starts_at <= at) & (Delegation.ends_at > at))]
    return list(User.select().where(User.id.in_(ids or [0]) & User.active).order_by(User.id))


def request(complaint, kind: str, actor, summary: str, *, subject_id=None, payload=None) -> Approval:
    """Ask for a decision; the route follows the tenant's settings for this kind and the complaint's grade."""
    route = rules.route_for(settings.load(complaint.tenant, "approvals"), kind, complaint.grade)
    with atomic():
        approval = Approval.create(tenant=complaint.tenant_id, complaint=complaint.id, kind=kind,
                                   subject_id=subject_id, grade=complaint.grade, route=route, summary=summary,
                                   payload=json.dumps(payload, ensure_ascii=False) if payload else None,
                                   requested_by=actor)
        events.record(EventKind.APPROVAL_REQUESTED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"approval": approval.id, "kind": kind, "route": route, "grade": complaint.grade,
                            "summary": summary})
        for user in approvers(approval):
            if actor is None or user.id != actor.id:
                notices.send(user.email, "approval_requested", complaint.tenant_id, user.locale,
                             approval=approval, complaint=complaint, user=user, actor=actor)
    return approval


def decide(approval: Approval, actor, approve: bool, comment: str = "",
           expected_version: int | None = None) -> Approval:
    """Approve or reject (a rejection needs a reason); only the routed approver or their delegate may."""
    comment = (comment or "").strip()
    auth = authority(actor, approval.tenant_id)
    hq = approval.route == HQ and hq_approver(actor, approval.tenant_id)
    problems = rules.decide_problems(status=approval.status, approve=approve, comment=comment,
                                     route=approval.route, held=set(auth.routes), hq_approver=hq,
                                     is_requester=approval.requested_by_id == actor.id)
    if problems:
        raise ApprovalError({k: [v] for k, v in problems.items()})
    used = _effective(auth, approval.route)
    version = approval.version if expected_version is None else expected_version
    with atomic():
        status = Status.APPROVED if approve else Status.REJECTED
        changes = {"status": status, "decided_by": actor.id, "on_behalf_of": used.on_behalf_of,
                   "decided_at": now(), "comment": comment, "version": version + 1}
        updated = Approval.update(**changes).where((Approval.id == approval.id) & (Approval.version == version)
                                                   & (Approval.status == Status.PENDING)).execute()
        if updated != 1:
            raise ApprovalError({"__all__": ["already_decided"]})
        for name, value in changes.items():
            setattr(approval, name if name not in ("decided_by", "on_behalf_of") else name + "_id", value)
        events.record(EventKind.APPROVAL_DECIDED, "complaint", approval.complaint_id, actor,
                      tenant=approval.tenant_id,
                      data={"approval": approval.id, "kind": approval.kind, "approved": approve,
                            "comment": comment, "on_behalf_of": used.on_behalf_of, "route": approval.route})
        handler = HANDLERS.get(approval.kind)
        if handler is not None:
            handler(approval, actor, approve, used)
        _tell_requester(approval, actor)
    return approval


def _tell_requester(approval: Approval, actor) -> None:
    requester = User.get_or_none(User.id == approval.requested_by_id) if approval.requested_by_id else None
    if requester is None or not requester.active or requester.id == actor.id:
        return
    complaint = approval.complaint
    notices.send(requester.email, "approval_decided", approval.tenant_id, requester.locale, approval=approval,
                 complaint=complaint, user=requester, actor=actor)


def withdraw(approval: Approval, actor) -> bool:
    """Take back a pending request (e.g. a plan replaced by a new one); False if it was decided."""
    with atomic():
        done = Approval.update(status=Status.WITHDRAWN, decided_at=now(), version=Approval.version + 1).where(
            (Approval.id == approval.id) & (Approval.status == Status.PENDING)).execute()
        if done:
            approval.status = Status.WITHDRAWN
            events.record(EventKind.APPROVAL_DECIDED, "complaint", approval.complaint_id, actor,
                          tenant=approval.tenant_id,
                          data={"approval": approval.id, "kind": approval.kind, "withdrawn": True})
    return bool(done)


def delegate(tenant, actor, to_user, starts_at: datetime.datetime, ends_at: datetime.datetime,
             note: str = "") -> Delegation:
    """While the actor is away, `to_user` decides the approvals routed to them."""
    problems = {}
    colleague = to_user is not None and Membership.select().where(
        (Membership.tenant == tenant.id) & (Membership.user == to_user.id) & Membership.active).exists()
    if not colleague or to_user.id == actor.id:
        problems["delegate"] = ["delegate_someone_else"]
    if ends_at <= starts_at:
        problems["ends"] = ["ends_before_start"]
    if problems:
        raise ApprovalError(problems)
    with atomic():
        row = Delegation.create(tenant=tenant, user=actor, delegate=to_user, starts_at=starts_at, ends_at=ends_at,
                                note=note.strip()[:200])
        events.record(EventKind.DELEGATION_SET, "user", actor.id, actor, tenant=tenant,
                      data={"delegate": to_user.id, "starts_at": starts_at, "ends_at": ends_at})
        notices.send(to_user.email, "delegation_set", tenant.id, to_user.locale, delegation=row, user=to_user,
                     actor=actor)
    return row


def end_delegation(row: Delegation, actor) -> None:
    """The person is back: their delegate no longer decides for them."""
    at = now()
    with atomic():
        Delegation.update(ends_at=at).where((Delegation.id == row.id) & (Delegation.ends_at > at)).execute()
        events.record(EventKind.DELEGATION_SET, "user", actor.id, actor, tenant=row.tenant_id,
                      data={"delegate": row.delegate_id, "ended": True})


def request_downgrade(complaint, actor, grade: str, reason: str) -> Approval:
    """Ask the approver of the current grade to lower it; approved, the grade changes in their name."""
    from ..complaints.rules import Grade
    from ..sla import grading
    reason = (reason or "").strip()
    # Who may approve is the route's business, so every grade counts as approvable here.
    problems = grading.downgrade_problems(complaint.grade, grade, reason, {str(g) for g in Grade})
    if problems:
        raise ApprovalError({k: [v] for k, v in problems.items()})
    return request(complaint, "downgrade", actor, reason, payload={"grade": grade, "reason": reason})


def _on_downgrade(approval, actor, approved: bool, auth: Authority) -> None:
    """Approval handler: lower the grade with the decider's (or the absent delegator's) right."""
    if not approved:
        return
    from ..complaints.models import Complaint
    from ..sla.escalation import GradeError, change_grade
    payload = json.loads(approval.payload or "{}")
    complaint = Complaint.get_by_id(approval.complaint_id)
    if complaint.grade != approval.grade:
        raise ApprovalError({"__all__": ["grade_changed"]})  # asked about another grade: ask again
    try:
        change_grade(complaint, payload["grade"], payload["reason"], actor, auth.permissions)
    except GradeError as err:
        raise ApprovalError({k: v for k, v in err.problems.items()}) from err


HANDLERS["downgrade"] = _on_downgrade
