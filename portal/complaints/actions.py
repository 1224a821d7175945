"""Complaint verbs: intake, moves through the seven steps, assignment, notes, links, merges.

Each verb takes an explicit actor (None for the customer acting through the status link),
runs in one transaction, writes events and queues mail.
"""
import re

from .. import events
from ..db import atomic, is_sqlite, now
from ..events import EventKind
from ..tenancy.models import Membership, Role
from ..tenancy.rules import Permission, parse_permissions
from . import deadlines, hooks, notices
from .models import Complaint, ComplaintLink, Customer, Note, Plan
from .numbering import next_number
from .rules import CLOSED_STATES, TRANSITIONS, Kind, Move, MoveError, Status, check, target


class StaleError(Exception):
    """Someone else changed the complaint since the form was shown."""

    def __init__(self, current: Complaint):
        super().__init__("stale")
        self.current = current


CUSTOMER_PERMISSIONS = frozenset({str(Permission.COMPLAINT_CUSTOMER), str(Permission.REVISIT)})


def permissions_of(user, tenant) -> frozenset[str]:
    """The permissions a user holds in a tenant (empty when not a member)."""
    role = (Role.select(Role.permissions).join(Membership)
            .where((Membership.user == user.id) & (Membership.tenant == tenant.id) & Membership.active)
            .get_or_none())
    return parse_permissions(role.permissions) if role else frozenset()


def normalise_phone(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def _label(actor) -> str:
    return actor.name if actor is not None else "customer"


def find_customer(phone: str):
    """The tenant's customer with this phone number, if known and not erased.

    On PostgreSQL the row stays locked until the transaction ends: an erasure holding it (it locks the
    customer first) makes intake wait, and the phone it then blanks makes intake find nobody; an erasure
    coming second waits for the intake and sees its open complaint. SQLite's writers run one at a time.
    """
    digits = normalise_phone(phone)
    if not digits:
        return None
    query = (Customer.select().where((Customer.phone == digits) & Customer.erased_at.is_null())
             .order_by(Customer.id.desc()).limit(1))
    return (query if is_sqlite() else query.for_update()).first()


def _customer_for(tenant, data: dict) -> Customer:
    customer = find_customer(data["phone"])
    fields = {k: (data.get(k) or None) for k in ("email", "address")}
    if customer is None:
        return Customer.create(tenant=tenant, name=data["customer_name"].strip(),
                               phone=normalise_phone(data["phone"]), **fields)
    changes = {k: v for k, v in fields.items() if v and v != getattr(customer, k)}
    if data["customer_name"].strip() != customer.name:
        changes["name"] = data["customer_name"].strip()
    if changes:
        Customer.update(**changes).where(Customer.id == customer.id).execute()
    return customer


REGISTER_FIELDS = ("kind", "channel", "category", "vehicle_model", "plate", "vin", "mileage", "project",
                   "building", "unit", "description", "customer_request", "complainants", "vip", "batch_key")


def intake(tenant, actor, data: dict) -> tuple[Complaint, bool]:
    """Log a complaint (step 1); returns (complaint, created). A replayed form returns the first."""
    with atomic():
        key = data.get("intake_key")
        if key:
            existing = Complaint.select().where(Complaint.intake_key == key).first()
            if existing is not None:
                return existing, False
        received = now()
        customer = _customer_for(tenant, data)
        complaint = Complaint.create(
            tenant=tenant, number=next_number(tenant, received), customer=customer, intake_key=key,
            received_at=received, reply_due_at=deadlines.reply_due(tenant, received), created_by=actor,
            **{f: data.get(f) for f in REGISTER_FIELDS if f in data})
        events.record(EventKind.COMPLAINT_RECEIVED, "complaint", complaint.id, actor, tenant=tenant,
                      after=_snapshot(complaint), public=True)
        if complaint.kind == Kind.COMPLAINT:
            _detect_repeat(complaint, actor)
        hooks.run(hooks.AFTER_INTAKE, complaint, actor)
        return complaint, True


def _snapshot(complaint: Complaint) -> dict:
    return {"status": complaint.status, "kind": complaint.kind, "grade": complaint.grade,
            "number": complaint.number, "department": complaint.department_id,
            "assignee": complaint.assignee_id}


def _detect_repeat(complaint: Complaint, actor) -> None:
    """A new complaint about a problem already closed for this customer is a repeat (二次投诉)."""
    query = (Complaint.select().where(
        (Complaint.customer == complaint.customer_id) & (Complaint.id != complaint.id)
        & (Complaint.kind == Kind.COMPLAINT) & (Complaint.status.in_([Status.CLOSED, Status.ANSWERED]))
        & (Complaint.category == complaint.category_id)).order_by(Complaint.id.desc()))
    for earlier in query.limit(5):
        if same_subject(earlier, complaint):
            mark_repeat(complaint, earlier, actor)
            return


def same_subject(a: Complaint, b: Complaint) -> bool:
    """Same vehicle or unit when both name one; otherwise the category decides."""
    for field in ("vin", "plate", "unit"):
        x, y = getattr(a, field), getattr(b, field)
        if x and y:
            return x.strip().upper() == y.strip().upper()
    return True


def mark_repeat(complaint: Complaint, earlier: Complaint, actor) -> None:
    Complaint.update(is_repeat=True, repeat_of=earlier.id).where(Complaint.id == complaint.id).execute()
    complaint.is_repeat, complaint.repeat_of = True, earlier.id
    ComplaintLink.insert(tenant=complaint.tenant_id, source=complaint.id, target=earlier.id,
                         kind="repeat").on_conflict_ignore().execute()
    events.record(EventKind.COMPLAINT_LINKED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                  data={"kind": "repeat", "other": earlier.number, "other_id": earlier.id})


def _save(complaint: Complaint, expected_version: int | None, **changes) -> None:
    """Write changes only if nobody else changed the complaint since `expected_version`."""
    version = complaint.version if expected_version is None else expected_version
    changes.update(version=version + 1, updated_at=now())
    updated = (Complaint.update(**changes)
               .where((Complaint.id == complaint.id) & (Complaint.version == version)).execute())
    if updated != 1:
        raise StaleError(Complaint.get_by_id(complaint.id))
    for name, value in changes.items():
        setattr(complaint, name, value)


def move(complaint: Complaint, step: Move, actor, permissions, data: dict,
         expected_version: int | None = None) -> Complaint:
    """Take one step of the process, or raise MoveError / StaleError and write nothing."""
    if step in TRANSITIONS and TRANSITIONS[step].work_order:  # only the work-order verbs (hq.actions) take it
        raise MoveError({"__all__": ["unknown_move"]})
    problems = check(step, complaint.status, complaint.kind, permissions, data)
    if problems:
        raise MoveError(problems)
    if target(step, complaint.status, data) in CLOSED_STATES:
        problems = hooks.problems(hooks.BEFORE_CLOSE, complaint, step, data)  # e.g. a required HQ report
        if problems:
            raise MoveError(problems)
    with atomic():
        before = _snapshot(complaint)
        before_status = complaint.status
        goes_to = target(step, complaint.status, data)
        changes, public_data = _EFFECTS[step](complaint, actor, data)
        changes["status"] = goes_to
        if goes_to in CLOSED_STATES:
            changes["closed_at"] = now()
        _save(complaint, expected_version, **changes)
        events.record(EventKind.COMPLAINT_MOVED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      before=before, after=_snapshot(complaint), public=True,
                      actor_label=_label(actor), data={"move": str(step), **_plain(data), **public_data})
        if step == Move.TRANSFER:
            notices.assigned(complaint, actor)
        hooks.run(hooks.AFTER_MOVE, complaint, step, actor, data, before_status)
    return complaint


def pass_on(complaint: Complaint, step: Move, actor, data: dict) -> str:
    """Close the register entry of an HQ work order that leaves the tenant (returned to HQ, redirected to
    another tenant): a step of the table that only the work-order verbs take, written like any other. The
    verb checked who may take it; the caller stops the clocks and marks the complaint (see hq.actions).
    Returns the status before."""
    t = TRANSITIONS[step]
    problems = check(step, complaint.status, complaint.kind, {str(t.permission)}, data)
    if problems:
        raise MoveError(problems)
    before = _snapshot(complaint)
    _save(complaint, None, status=t.target, closed_at=complaint.closed_at or now(), next_due_at=None)
    events.record(EventKind.COMPLAINT_MOVED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                  before=before, after=_snapshot(complaint), public=True, actor_label=_label(actor),
                  data={"move": str(step), **data})
    hooks.run(hooks.AFTER_MOVE, complaint, step, actor, data, before["status"])
    return before["status"]


def _plain(data: dict) -> dict:
    """Event data: the entered fields, with rows replaced by their ids."""
    return {k: getattr(v, "id", v) for k, v in data.items() if k not in ("solution",)}


def _transfer(complaint, actor, data):
    changes = {"department": data["department"].id}
    if data.get("assignee") is not None:
        changes["assignee"] = data["assignee"].id
    return changes, {}


def _propose(complaint, actor, data):
    Plan.create(tenant=complaint.tenant_id, complaint=complaint, cause=data["cause"],
                solution=data["solution"], proposed_by=actor)
    return {}, {"solution": data["solution"]}


def _respond(complaint, actor, data):
    plan = latest_plan(complaint)
    Plan.update(agreed=data["agreed"], customer_opinion=data["opinion"], answered_at=now(),
                answered_by_customer=actor is None).where(Plan.id == plan.id).execute()
    return {}, {"plan": plan.id}


def _revisit(complaint, actor, data):
    reopened = data["satisfaction"] not in ("satisfied", "very_satisfied")
    return ({"reopen_count": complaint.reopen_count + 1, "closed_at": None} if reopened else {}), {}


def _reopen(complaint, actor, data):
    return {"reopen_count": complaint.reopen_count + 1, "closed_at": None}, {}


def _convert(complaint, actor, data):
    return {"kind": Kind.COMPLAINT}, {}


def _nothing(complaint, actor, data):
    return {}, {}


_EFFECTS = {Move.START_INVESTIGATION: _nothing, Move.CLOSE_INVALID: _nothing, Move.TRANSFER: _transfer,
            Move.PROPOSE_PLAN: _propose, Move.CUSTOMER_RESPONSE: _respond, Move.IMPLEMENT: _nothing,
            Move.REVISIT: _revisit, Move.ANSWER: _nothing, Move.CONVERT: _convert, Move.REOPEN: _reopen}


def latest_plan(complaint: Complaint) -> Plan | None:
    return Plan.select().where(Plan.complaint == complaint.id).order_by(Plan.id.desc()).first()


def assign(complaint: Complaint, actor, *, department=None, assignee=None,
           expected_version: int | None = None) -> Complaint:
    """Hand the complaint to a department and/or a person; both are told by e-mail."""
    with atomic():
        before = _snapshot(complaint)
        _save(complaint, expected_version, department=getattr(department, "id", department),
              assignee=getattr(assignee, "id", assignee))
        events.record(EventKind.COMPLAINT_ASSIGNED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      before=before, after=_snapshot(complaint))
        notices.assigned(complaint, actor)
    return complaint


def add_note(complaint: Complaint, actor, body: str, public: bool = False) -> Note:
    """A staff note (internal unless `public`) or, with actor None, information from the customer."""
    with atomic():
        note = Note.create(tenant=complaint.tenant_id, complaint=complaint, author=actor, body=body,
                           public=public or actor is None, from_customer=actor is None)
        events.record(EventKind.NOTE_ADDED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"note": note.id, "body": body, "from_customer": actor is None},
                      public=note.public, actor_label=_label(actor))
        hooks.run(hooks.AFTER_NOTE, complaint, note, actor)
    return note


def link(complaint: Complaint, other: Complaint, actor, kind: str = "related") -> None:
    """Record that two complaints belong together."""
    if other.id == complaint.id:
        raise MoveError({"other": ["same_complaint"]})
    with atomic():
        if kind == "repeat":
            mark_repeat(complaint, other, actor)
            return
        ComplaintLink.insert(tenant=complaint.tenant_id, source=complaint.id, target=other.id,
                             kind=kind).on_conflict_ignore().execute()
        events.record(EventKind.COMPLAINT_LINKED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"kind": kind, "other": other.number, "other_id": other.id})


def merge(duplicate: Complaint, original: Complaint, actor, expected_version: int | None = None) -> None:
    """Close a duplicate into its original; its history stays, its customer is told the number to follow."""
    if duplicate.id == original.id or original.status == Status.MERGED:
        raise MoveError({"other": ["cannot_merge_into"]})
    if duplicate.status in CLOSED_STATES:
        raise MoveError({"__all__": ["wrong_step"]})
    with atomic():
        before = _snapshot(duplicate)
        _save(duplicate, expected_version, status=Status.MERGED, merged_into=original.id, closed_at=now())
        ComplaintLink.insert(tenant=duplicate.tenant_id, source=duplicate.id, target=original.id,
                             kind="duplicate").on_conflict_ignore().execute()
        events.record(EventKind.COMPLAINT_MERGED, "complaint", duplicate.id, actor, tenant=duplicate.tenant_id,
                      before=before, after=_snapshot(duplicate), public=True,
                      data={"into_number": original.number, "into_id": original.id})
        events.record(EventKind.COMPLAINT_LINKED, "complaint", original.id, actor, tenant=original.tenant_id,
                      data={"kind": "duplicate", "other": duplicate.number, "other_id": duplicate.id})
        notices.merged(duplicate, original)
        hooks.run(hooks.AFTER_MOVE, duplicate, None, actor, {}, before["status"])
