"""Headquarters verbs on work orders: dispatch, redirect, the tenant's accept and return, completion.

Each verb takes an explicit actor, runs in one transaction, writes events and queues mail. HQ verbs
run in the network's scope; whatever is written inside a tenant (the complaint a work order becomes)
is written inside that tenant's scope, so customers, numbers and settings are the tenant's own.
"""
import json
import uuid

from .. import events
from ..accounts.models import User
from ..complaints import actions as complaint_actions
from ..complaints import notices
from ..complaints.models import Complaint
from ..complaints.rules import CLOSED_STATES, TRANSITIONS, Channel, Move
from ..db import atomic, now
from ..events import EventKind
from ..scope import for_tenant, scoped
from ..sla import clocks, escalation, settings
from ..sla.models import Deadline
from ..sla.models import DeadlineKind as K
from ..tenancy.models import Category, HqMembership, Membership, Role, Tenant
from .models import WorkOrder
from .rules import COMPLAINT_MOVES, SOURCE_FLAGS, WorkOrderError, WorkOrderStatus as W, check_move

settings.register_defaults("hq", {"response_hours": 24})  # HQ's deadline for a tenant's first response

PAYLOAD_FIELDS = ("kind", "customer_name", "phone", "email", "address", "category_name", "vehicle_model", "plate",
                  "vin", "mileage", "project", "building", "unit", "description", "customer_request",
                  "complainants", "vip")


class StaleWorkOrder(Exception):
    """Someone else changed the work order since the form was shown."""


def _save(wo: WorkOrder, expected_version: int | None, **changes) -> None:
    version = wo.version if expected_version is None else expected_version
    changes["version"] = version + 1
    if WorkOrder.update(**changes).where((WorkOrder.id == wo.id) & (WorkOrder.version == version)).execute() != 1:
        raise StaleWorkOrder()
    for name, value in changes.items():
        setattr(wo, name, value)


def _refuse(verb: str, wo: WorkOrder) -> None:
    problems = check_move(verb, wo.status)
    if problems:
        raise WorkOrderError(problems)


# --- dispatch and redirect (HQ) ---------------------------------------------------------------

def dispatch(network, tenant: Tenant, actor, data: dict, hours: float, key: str | None = None) -> WorkOrder:
    """Record a complaint HQ received and hand it to a tenant, with HQ's deadline for the first response."""
    if tenant.network_id != network.id or not tenant.active:
        raise WorkOrderError({"tenant": ["unknown_choice"]})
    payload = {k: data.get(k) for k in PAYLOAD_FIELDS}
    with atomic():
        complaint, created = _intake(tenant, actor, payload, key or uuid.uuid4().hex)
        if not created:  # the same form posted twice: the first work order stands
            return _dispatched_before(complaint, payload, actor)
        wo = WorkOrder.create(tenant=tenant, complaint=complaint, source=data["source"],
                              summary=_summary(payload), payload=json.dumps(payload, ensure_ascii=False),
                              response_hours=hours, response_due_at=now(), created_by=actor)
        _start(wo, tenant, complaint, actor, hours, data["source"])
    return wo


def _dispatched_before(complaint, payload: dict, actor) -> WorkOrder:
    """The work order a replayed dispatch form made: the one naming its register entry, or, once HQ redirected
    it (it then names the new tenant's entry), the one this person dispatched with the very same content."""
    same = (WorkOrder.payload == json.dumps(payload, ensure_ascii=False)) & (WorkOrder.created_by == actor.id)
    return (WorkOrder.select().where((WorkOrder.complaint == complaint.id) | same)
            .order_by((WorkOrder.complaint == complaint.id).desc(), WorkOrder.id).first())


def redirect(wo: WorkOrder, tenant: Tenant, actor, reason: str, expected_version: int | None = None) -> WorkOrder:
    """Send a misrouted work order on to another tenant of the network, with the reason."""
    _refuse("redirect", wo)
    reason = (reason or "").strip()
    problems = {} if reason else {"reason": ["required"]}
    current = Tenant.get_by_id(wo.tenant_id)
    if tenant.id == current.id or tenant.network_id != current.network_id or not tenant.active:
        problems["tenant"] = ["unknown_choice"]
    if problems:
        raise WorkOrderError(problems)
    payload = json.loads(wo.payload)
    with atomic():
        old = Complaint.get_or_none(Complaint.id == wo.complaint_id) if wo.complaint_id else None
        complaint, _ = _intake(tenant, actor, payload, uuid.uuid4().hex)  # first: the old entry names the new
        passed = {"reason": reason, "to_tenant": tenant.name, "to_number": complaint.number}
        change = _withdraw(old, COMPLAINT_MOVES["redirect"], actor, passed) if old is not None else {}
        events.record(EventKind.WORK_ORDER_REDIRECTED, "work_order", wo.id, actor, tenant=wo.tenant_id,
                      before={"status": wo.status, **change.get("before", {})},
                      after={"complaint_status": old.status if old is not None else None},
                      data={"reason": reason, "complaint": wo.complaint_id})
        _save(wo, expected_version, tenant=tenant, complaint=complaint, status=W.DISPATCHED, responded_at=None,
              response_on_time=None, response_note="", completed_at=None)
        _start(wo, tenant, complaint, actor, wo.response_hours, wo.source, reason=reason)
    return wo


def _intake(tenant, actor, payload: dict, key: str):
    """The tenant's register entry for a work order: channel "HQ dispatch", in the tenant's own scope."""
    data = {k: v for k, v in payload.items() if k != "category_name" and v not in (None, "")}
    with scoped(for_tenant(tenant)):
        data.update(channel=Channel.HQ_DISPATCH, intake_key=f"hq-{key}"[:40],
                    category=Category.select().where((Category.name == payload.get("category_name") or "")
                                                     & Category.active).first())
        return complaint_actions.intake(tenant, actor, data)


def _start(wo, tenant, complaint, actor, hours: float, source: str, reason: str | None = None) -> None:
    """Start HQ's response clock in the tenant, flag the source's risks, record and announce the dispatch."""
    with scoped(for_tenant(tenant)):
        due = _response_clock(complaint, hours)
        if SOURCE_FLAGS.get(source):
            escalation.set_risk(complaint, SOURCE_FLAGS[source], complaint.outside_support, actor)
        recipients = list(_members_with(tenant, "complaint.assign"))
    WorkOrder.update(response_due_at=due, dispatched_at=now()).where(WorkOrder.id == wo.id).execute()
    wo.response_due_at = due
    events.record(EventKind.WORK_ORDER_DISPATCHED, "work_order", wo.id, actor, tenant=tenant,
                  after={"status": W.DISPATCHED, "complaint": complaint.id},
                  data={"complaint": complaint.id, "number": complaint.number, "due_at": due,
                        "hours": hours, "source": source, **({"reason": reason} if reason else {})})
    for user in recipients:
        notices.send(user.email, "hq_work_order_dispatched", tenant.id, user.locale, user=user, wo=wo,
                     complaint=complaint, tenant=tenant)


def _response_clock(complaint: Complaint, hours: float):
    """HQ's first-response deadline is the complaint's handover clock (DOMAIN.md §3: received outside
    the handling unit, it must reach the handler in time), set to HQ's hours on the clock."""
    Deadline.delete().where((Deadline.complaint == complaint.id) & (Deadline.kind == K.HANDOVER)
                            & Deadline.met_at.is_null()).execute()
    tenant = Tenant.get_by_id(complaint.tenant_id)
    deadline = Deadline(tenant=complaint.tenant_id, complaint=complaint, kind=K.HANDOVER, started_at=now(),
                        budget_seconds=float(hours) * 3600, clock=True)
    deadline.due_at, deadline.warn_at = clocks.due_and_warn(
        settings.calendar_for(tenant), settings.load(tenant, "deadlines"), deadline, [])
    deadline.save()
    clocks.refresh_next_due(complaint)
    return deadline.due_at


def _withdraw(complaint: Complaint, step: Move, actor, data: dict) -> dict:
    """Close the tenant's register entry of a work order that leaves it, as "returned" or "redirected" (a step
    of the register's table); its clocks stop uncounted (only the response clock is met: sending it back is a
    response). An entry already closed another way stays as it is; a returned one becomes redirected."""
    if complaint.status not in TRANSITIONS[step].sources:
        return {}
    if complaint.status not in CLOSED_STATES:
        clocks.meet(complaint, [K.HANDOVER], now())
        Deadline.delete().where((Deadline.complaint == complaint.id) & Deadline.met_at.is_null()).execute()
    complaint.hq_withdrawn = True  # our own hook leaves the work order alone: the caller moves it on
    before = complaint_actions.pass_on(complaint, step, actor, data)  # other areas close what hangs off it
    return {"before": {"status": before}, "after": {"status": complaint.status}}


def _summary(payload: dict) -> str:
    text = " ".join((payload.get("description") or "").split())
    return f"{payload.get('customer_name', '')}: {text}"[:200]


# --- the tenant's side --------------------------------------------------------------------------

def accept(wo: WorkOrder, actor, note: str, expected_version: int | None = None) -> WorkOrder:
    """The tenant's first response to HQ: it takes the work order (meets HQ's response deadline)."""
    _refuse("accept", wo)
    with atomic():
        _respond(wo, actor, (note or "").strip(), expected_version)
    return wo


def _respond(wo: WorkOrder, actor, note: str, expected_version=None, step=None) -> None:
    at = now()
    on_time = at <= wo.response_due_at
    _save(wo, expected_version, status=W.ACCEPTED, responded_at=at, response_on_time=on_time, response_note=note)
    complaint = Complaint.get_by_id(wo.complaint_id)
    clocks.meet(complaint, [K.HANDOVER], at)
    events.record(EventKind.WORK_ORDER_ACCEPTED, "work_order", wo.id, actor, tenant=wo.tenant_id,
                  before={"status": W.DISPATCHED}, after={"status": W.ACCEPTED},
                  data={"complaint": wo.complaint_id, "note": note, "on_time": on_time,
                        **({"by_step": str(step)} if step else {})})


def return_to_hq(wo: WorkOrder, actor, reason: str, expected_version: int | None = None) -> WorkOrder:
    """The tenant sends a misrouted work order back to HQ with the reason; its register entry closes."""
    _refuse("return", wo)
    reason = (reason or "").strip()
    if not reason:
        raise WorkOrderError({"reason": ["required"]})
    with atomic():
        at = now()
        responded = wo.responded_at or at
        complaint = Complaint.get_by_id(wo.complaint_id)
        before = wo.status
        _save(wo, expected_version, status=W.RETURNED, responded_at=responded,
              response_on_time=wo.response_on_time if wo.responded_at else at <= wo.response_due_at)
        change = _withdraw(complaint, COMPLAINT_MOVES["return"], actor, {"reason": reason})
        events.record(EventKind.WORK_ORDER_RETURNED, "work_order", wo.id, actor, tenant=wo.tenant_id,
                      before={"status": before, **change.get("before", {})},
                      after={"status": W.RETURNED, "complaint_status": complaint.status},
                      data={"reason": reason, "complaint": complaint.id, "number": complaint.number})
        tenant = Tenant.get_by_id(wo.tenant_id)
        for user in hq_admins(tenant.network_id):
            notices.send(user.email, "hq_work_order_returned", tenant.id, user.locale, user=user, wo=wo,
                         tenant=tenant, reason=reason, actor=actor)
    return wo


def on_complaint_moved(complaint: Complaint, step, actor, data, before_status) -> None:
    """A step on a dispatched complaint counts as the tenant's response; closing it completes the work order."""
    if complaint.channel != Channel.HQ_DISPATCH or getattr(complaint, "hq_withdrawn", False):
        return
    wo = WorkOrder.select().where(WorkOrder.complaint == complaint.id).first()
    if wo is None or wo.status == W.RETURNED:
        return
    closed = complaint.status in CLOSED_STATES
    if wo.status == W.DISPATCHED and step is not None:
        _respond(wo, actor, "", step=step)
    if closed and wo.status in (W.DISPATCHED, W.ACCEPTED):
        _complete(wo, actor, W.COMPLETED, completed_at=complaint.closed_at or now())
    elif not closed and wo.status == W.COMPLETED:  # reopened
        _complete(wo, actor, W.ACCEPTED, completed_at=None)


def _complete(wo, actor, status, completed_at) -> None:
    before = wo.status
    _save(wo, None, status=status, completed_at=completed_at)
    events.record(EventKind.WORK_ORDER_COMPLETED, "work_order", wo.id, actor, tenant=wo.tenant_id,
                  before={"status": before}, after={"status": status}, data={"complaint": wo.complaint_id})


# --- people ---------------------------------------------------------------------------------------

def _members_with(tenant, permission: str):
    """Active users of a tenant whose role holds a permission (call inside the tenant's scope)."""
    roles = [r.id for r in Role.select(Role.id, Role.permissions) if permission in r.permission_set]
    return (User.select().join(Membership, on=(Membership.user == User.id))
            .where((Membership.tenant == tenant.id) & Membership.active & User.active
                   & Membership.role.in_(roles or [0])))


def hq_admins(network_id: int):
    return (User.select().join(HqMembership, on=(HqMembership.user == User.id))
            .where((HqMembership.network == network_id) & HqMembership.active & (HqMembership.level == "admin")
                   & User.active))
