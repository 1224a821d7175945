"""Named reads: a user's approvals inbox, one complaint's approvals, and HQ's pending decisions."""
from peewee import JOIN

from ..accounts.models import User
from ..complaints.models import Complaint
from ..tenancy.models import Role, Tenant
from .actions import authority
from .models import Approval, Delegation
from .rules import HQ, Status

LIMIT = 100


Requester = User.alias("requester")


def _listed():
    """Approvals with their complaint and requester, in one query."""
    return (Approval.select(Approval, Complaint, Requester).join(Complaint, on=(Approval.complaint == Complaint.id))
            .join_from(Approval, Requester, JOIN.LEFT_OUTER, on=(Approval.requested_by == Requester.id)))


def inbox(user, tenant_id: int) -> list[Approval]:
    """Pending requests this user may decide now: in person or for a colleague away."""
    routes = list(authority(user, tenant_id).routes)
    if not routes:
        return []
    query = (_listed()
             .where((Approval.status == Status.PENDING) & Approval.route.in_(routes)
                    & (Approval.requested_by.is_null() | (Approval.requested_by != user.id)))
             .order_by(Approval.requested_at))
    return list(query.limit(LIMIT))


def asked_by(user) -> list[Approval]:
    """The user's own requests, newest first."""
    query = (_listed().where(Approval.requested_by == user.id)
             .order_by(Approval.id.desc()))
    return list(query.limit(20))


def for_complaint(complaint_id: int) -> list[Approval]:
    return list(_listed().where(Approval.complaint == complaint_id).order_by(Approval.id))


def delegations_of(user) -> list[Delegation]:
    """The user's delegations that have not ended yet, and those naming them."""
    from ..db import now
    at = now()
    return list(Delegation.select().where(((Delegation.user == user.id) | (Delegation.delegate == user.id))
                                          & (Delegation.ends_at > at)).order_by(Delegation.starts_at))


def role_names() -> dict:
    """The current tenant's role names by key (route labels use them)."""
    return {r.key: r.name for r in Role.select(Role.key, Role.name)}


def pending_for_hq() -> list[Approval]:
    """For HQ views (network scope): decisions routed to headquarters, oldest first, with complaint and tenant."""
    query = (Approval.select(Approval, Complaint, Tenant).join(Complaint, on=(Approval.complaint == Complaint.id))
             .join_from(Approval, Tenant, on=(Approval.tenant == Tenant.id))
             .where((Approval.status == Status.PENDING) & (Approval.route == HQ)).order_by(Approval.requested_at))
    return list(query.limit(LIMIT))
