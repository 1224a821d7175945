"""The supervision sweep: one warning per missed milestone, and follow-up reminders.

A milestone is claimed (warned_at set) in the transaction that records its warning and queues
its mail, so a second sweep or a second worker never warns twice; met and waived milestones
are not open and are never picked.
"""
from .. import events, jobs
from ..complaints.models import Complaint
from ..db import atomic, database, is_sqlite, now
from ..events import EventKind
from ..scope import SYSTEM, scoped
from ..tenancy.models import Tenant
from . import actions
from .models import Milestone, SupervisionOrder
from .rules import MilestoneStatus, OrderStatus

BATCH = 200


def _missed(at):
    query = (Milestone.select(Milestone, SupervisionOrder).join(SupervisionOrder)
             .where((Milestone.status == MilestoneStatus.OPEN) & Milestone.warned_at.is_null()
                    & (Milestone.due_at <= at) & (SupervisionOrder.status == OrderStatus.OPEN))
             .order_by(Milestone.due_at, Milestone.id).limit(BATCH))
    return query if is_sqlite() else query.for_update(of=Milestone, skip_locked=True)


def warn_missed(at=None) -> int:
    """Warn the department, its leader and the customer-service supervisors once per missed milestone."""
    at = at or now()
    tenants = {}
    with atomic():
        rows = list(_missed(at))
        for m in rows:
            tenant = tenants.setdefault(m.order.tenant_id, Tenant.get_by_id(m.order.tenant_id))
            _warn(m, tenant, at)
        if rows:
            Milestone.update(warned_at=at).where(Milestone.id.in_([m.id for m in rows])).execute()
    return len(rows)


def _warn(m, tenant, at) -> None:
    order = m.order
    complaint = Complaint.get_by_id(order.complaint_id)
    people = actions.people_of(order, copy_roles=actions.config(tenant)["copy_roles"])
    if m.owner_id:
        people.update(actions.users_by_id([m.owner_id]))
    events.record(EventKind.ORDER_WARNING, "complaint", complaint.id, None, tenant=tenant.id,
                  before={"warned_at": None}, after={"warned_at": at},
                  data={"order": order.id, "number": order.number(tenant.code), "milestone": m.id,
                        "key": m.key, "title": m.title, "due_at": m.due_at,
                        "told": sorted(people)}, actor_label="system")
    actions.tell(order, complaint, "supervision_warning", people, None, milestone=m, tenant=tenant)


def remind_follow_ups(at=None) -> int:
    """Remind customer service to follow up each open order at its agreed interval."""
    at = at or now()
    with atomic():
        query = (SupervisionOrder.select().where((SupervisionOrder.status == OrderStatus.OPEN)
                                                 & (SupervisionOrder.next_follow_up_at <= at))
                 .order_by(SupervisionOrder.next_follow_up_at).limit(BATCH))
        rows = list(query if is_sqlite() else query.for_update(of=SupervisionOrder, skip_locked=True))
        for order in rows:
            tenant = Tenant.get_by_id(order.tenant_id)
            complaint = Complaint.get_by_id(order.complaint_id)
            people = (actions.users_by_id([order.issued_by_id]) if order.issued_by_id else
                      actions.role_members(tenant.id, actions.config(tenant)["copy_roles"]))
            actions.tell(order, complaint, "supervision_follow_up", people, None, tenant=tenant)
            following = actions.working_due(tenant, at, order.follow_up_days)
            SupervisionOrder.update(next_follow_up_at=following).where(SupervisionOrder.id == order.id).execute()
            # One event per reminder: it was sent, and when the next one is due (not one for each).
            events.record(EventKind.FOLLOW_UP_REMINDED, "complaint", complaint.id, None, tenant=tenant.id,
                          before={"next_follow_up_at": order.next_follow_up_at},
                          after={"next_follow_up_at": following},
                          data={"order": order.id, "number": order.number(tenant.code), "told": sorted(people)},
                          actor_label="system")
    return len(rows)


def run(app=None, at=None) -> dict:
    """One round: warnings for missed milestones (until a batch comes back short), then reminders."""
    at = at or now()
    result = {"warnings": 0, "follow_ups": 0}
    with database.connection_context(), scoped(SYSTEM):
        while True:
            n = warn_missed(at)
            result["warnings"] += n
            if n < BATCH:
                break
        result["follow_ups"] = remind_follow_ups(at)
    return result


jobs.PERIODIC["supervision"] = run
