"""Supervision verbs: issue (by hand or by the grade rules), report progress, follow up, meet or
waive milestones, close. Each takes an explicit actor, runs in one transaction, writes events
on the complaint's timeline and queues mail to the department's leader and the people copied.
"""
import datetime

from .. import events
from ..accounts.models import User
from ..complaints import notices, numbering
from ..complaints.models import Complaint
from ..db import atomic, now
from ..events import EventKind
from ..sla import settings
from ..sla.calendar import add_working_days
from ..tenancy.models import Department, Membership, Role, Tenant
from . import rules
from .models import Milestone, ProgressReport, SupervisionOrder
from .rules import MilestoneStatus, OrderStatus

settings.register_defaults("supervision", rules.DEFAULTS)
COUNTER_KEY = "DB"  # orders are numbered per tenant in the register's gap-free counter, under this key


class SupervisionError(ValueError):
    """A refused change; `problems` maps a field (or "__all__") to message ids."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = {k: v if isinstance(v, list) else [v] for k, v in problems.items()}


def config(tenant) -> dict:
    return settings.load(tenant, "supervision")


def working_due(tenant, start: datetime.datetime, days: int) -> datetime.datetime:
    """The end of business on the `days`-th working day after `start` (the day itself not counted)."""
    return add_working_days(settings.calendar_for(tenant), start, int(days))


def _next_seq(tenant_id: int) -> int:
    return numbering.take(tenant_id, COUNTER_KEY)


def open_order_for(complaint) -> SupervisionOrder | None:
    return (SupervisionOrder.select().where((SupervisionOrder.complaint == complaint.id)
                                            & (SupervisionOrder.status == OrderStatus.OPEN))
            .order_by(SupervisionOrder.id).first())


def issue(complaint, actor, *, department=None, milestones, reason: str, cc=(), follow_up_days=None,
          trigger: str = "manual") -> SupervisionOrder:
    """Issue an order to the complaint's responsible department with agreed milestones.

    `milestones` are dicts: title or key, due_at, owner (a User or None).
    """
    at = now()
    problems = rules.issue_problems(milestones, reason, manual=trigger == "manual")
    for i, m in enumerate(milestones):
        for name, code in rules.milestone_problems(m.get("title") or m.get("key"), m.get("due_at"), at).items():
            problems[f"milestones-{i}-{name}"] = code
    if problems:
        raise SupervisionError(problems)
    tenant = complaint.tenant
    department = department or (Department.get_or_none(Department.id == complaint.department_id)
                                if complaint.department_id else None)
    follow_up = int(follow_up_days or config(tenant)["follow_up_days"])
    with atomic():
        order = SupervisionOrder.create(
            tenant=complaint.tenant_id, seq=_next_seq(complaint.tenant_id), complaint=complaint.id,
            department=department, leader=department.leader_id if department else None,
            cc=" ".join(str(getattr(u, "id", u)) for u in cc), reason=reason.strip(), trigger=trigger,
            follow_up_days=follow_up, next_follow_up_at=working_due(tenant, at, follow_up), issued_by=actor,
            issued_at=at)
        for position, m in enumerate(milestones):
            _add_milestone(order, position, m)
        events.record(EventKind.ORDER_ISSUED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      after={"status": order.status, "department": order.department_id, "leader": order.leader_id,
                             "cc": order.cc_ids, "next_follow_up_at": order.next_follow_up_at},
                      data={"order": order.id, "number": order.number(tenant.code), "trigger": trigger,
                            "department": department.id if department else None, "reason": order.reason},
                      actor_label=None if actor else "system")
        tell(order, complaint, "supervision_issued", people_of(order, owners=True), actor)
    return order


def _add_milestone(order, position: int, m: dict) -> Milestone:
    return Milestone.create(tenant=order.tenant_id, order=order, position=position, key=m.get("key", ""),
                            title=(m.get("title") or "").strip()[:200], due_at=m["due_at"],
                            owner=getattr(m.get("owner"), "id", m.get("owner")))


def add_milestone(order, actor, *, due_at, title: str = "", key: str = "", owner=None) -> Milestone:
    """Agree one more milestone on an open order (crisis handling adds its deadlines this way)."""
    problems = rules.milestone_problems(title or key, due_at, now())
    if order.status != OrderStatus.OPEN:
        problems["__all__"] = "order_closed"
    if problems:
        raise SupervisionError(problems)
    with atomic():
        milestone = _append_milestone(order, {"title": title, "key": key, "due_at": due_at, "owner": owner})
        _record_milestone(EventKind.MILESTONE_ADDED, order, milestone, actor, {}, {"due_at": due_at})
    return milestone


def _append_milestone(order, m: dict) -> Milestone:
    position = (Milestone.select(Milestone.position).where(Milestone.order == order.id)
                .order_by(Milestone.position.desc()).scalar() or 0) + 1
    return _add_milestone(order, position, m)


def _record_milestone(kind, order, milestone, actor, before: dict, after: dict, **data) -> None:
    """A change to one milestone of an open order, on the complaint's timeline (internal)."""
    events.record(kind, "complaint", order.complaint_id, actor, tenant=order.tenant_id, before=before, after=after,
                  data={"order": order.id, "milestone": milestone.id, "key": milestone.key,
                        "title": milestone.title, **data}, actor_label=None if actor else "system")


def auto_milestones(tenant, at) -> list[dict]:
    """The milestones an automatic order starts with: the plan, then the solution carried out."""
    cfg = config(tenant)
    return [{"key": "plan", "due_at": working_due(tenant, at, cfg["plan_days"])},
            {"key": "implementation", "due_at": working_due(tenant, at, cfg["implement_days"])}]


def people_of(order, *, owners=False, copy_roles=None) -> dict:
    """user id -> User: the leader (and milestone owners), the people copied, the issuer, and copy roles."""
    ids = set(order.cc_ids) | {order.leader_id, order.issued_by_id}
    if order.department_id and not order.leader_id:
        ids.add(Department.select(Department.leader).where(Department.id == order.department_id).scalar())
    if owners:
        ids |= {m.owner_id for m in Milestone.select(Milestone.owner).where(Milestone.order == order.id)}
    people = users_by_id(ids)
    if copy_roles:
        people.update(role_members(order.tenant_id, copy_roles))
    return people


def role_members(tenant_id: int, role_keys) -> dict:
    """user id -> User for the active members holding any of these roles."""
    ids = [m.user_id for m in Membership.select(Membership.user).join(Role)
           .where(Role.key.in_(list(role_keys)) & Membership.active & (Membership.tenant == tenant_id))]
    return users_by_id(ids)


def users_by_id(ids) -> dict:
    ids = [i for i in ids if i]
    return {u.id: u for u in User.select().where(User.id.in_(ids or [0]) & User.active)}


def tell(order, complaint, template: str, people: dict, actor, **context) -> None:
    code = Tenant.select(Tenant.code).where(Tenant.id == order.tenant_id).scalar()
    for user in people.values():
        if actor is not None and user.id == actor.id:
            continue  # no mail to yourself about your own action
        notices.send(user.email, template, order.tenant_id, user.locale, order=order, complaint=complaint,
                     number=order.number(code), user=user, actor=actor, **context)


def report_progress(order, actor, body: str, *, milestone=None, files=(), kind: str = "progress"):
    """The department reports progress (or customer service follows up); the leader and copied people see it.

    `files` (already checked uploads) are kept with the complaint's evidence, unaltered.
    """
    body = (body or "").strip()
    if not body:
        raise SupervisionError({"body": "required"})
    if order.status != OrderStatus.OPEN:
        raise SupervisionError({"__all__": "order_closed"})
    complaint = Complaint.get_by_id(order.complaint_id)
    with atomic():
        from ..complaints.files import save_uploads  # late: the files module carries routes
        attachments = save_uploads(complaint, files, actor) if files else []
        report = ProgressReport.create(tenant=order.tenant_id, order=order, milestone=milestone, kind=kind,
                                       body=body, author=actor,
                                       attachment_ids=" ".join(str(a.id) for a in attachments))
        before = after = None
        if kind == "follow_up":  # the next reminder counts from this follow-up
            before = {"next_follow_up_at": order.next_follow_up_at}
            order.next_follow_up_at = working_due(complaint.tenant, now(), order.follow_up_days)
            SupervisionOrder.update(next_follow_up_at=order.next_follow_up_at).where(
                SupervisionOrder.id == order.id).execute()
            after = {"next_follow_up_at": order.next_follow_up_at}
        events.record(EventKind.ORDER_PROGRESS, "complaint", complaint.id, actor, tenant=order.tenant_id,
                      before=before, after=after, data={"order": order.id, "kind": kind, "body": body,
                            "milestone": getattr(milestone, "id", None)})
        tell(order, complaint, "supervision_progress", people_of(order), actor, report=report)
    return report


def complete(milestone, actor, note: str = "") -> None:
    """A milestone was met: it no longer counts as missed and never raises a warning."""
    _settle(milestone, actor, MilestoneStatus.DONE, EventKind.MILESTONE_DONE, note=note)


def waive(milestone, actor, reason: str) -> None:
    """Customer service waives a milestone with a reason: it no longer blocks closing or raises a warning."""
    problems = rules.waive_problems(milestone.status, reason)
    if problems:
        raise SupervisionError(problems)
    _settle(milestone, actor, MilestoneStatus.WAIVED, EventKind.MILESTONE_WAIVED, reason=reason.strip())


def _settle(milestone, actor, status, kind, note: str = "", reason: str = "") -> None:
    with atomic():
        updated = Milestone.update(status=status, done_at=now(), done_by=getattr(actor, "id", None),
                                   waived_reason=reason).where(
            (Milestone.id == milestone.id) & (Milestone.status == MilestoneStatus.OPEN)).execute()
        if updated != 1:
            raise SupervisionError({"__all__": "milestone_settled"})
        milestone.status = status
        order = SupervisionOrder.get_by_id(milestone.order_id)
        events.record(kind, "complaint", order.complaint_id, actor, tenant=order.tenant_id,
                      before={"status": MilestoneStatus.OPEN}, after={"status": status},
                      data={"order": order.id, "milestone": milestone.id, "title": milestone.title,
                            "key": milestone.key, "reason": reason, "note": note},
                      actor_label=None if actor else "system")


def complete_by_key(complaint, key: str, actor) -> bool:
    """Meet the open milestone with this built-in key on the complaint's open order, if any."""
    order = open_order_for(complaint)
    if order is None:
        return False
    m = Milestone.select().where((Milestone.order == order.id) & (Milestone.key == key)
                                 & (Milestone.status == MilestoneStatus.OPEN)).first()
    if m is None:
        return False
    complete(m, actor)
    return True


def close(order, actor, expected_version: int | None = None) -> None:
    """Close an order whose milestones are all done or waived."""
    statuses = [m.status for m in Milestone.select(Milestone.status).where(Milestone.order == order.id)]
    problems = rules.close_problems(statuses)
    if order.status != OrderStatus.OPEN:
        problems = {"__all__": "order_closed"}
    if problems:
        raise SupervisionError(problems)
    version = order.version if expected_version is None else expected_version
    with atomic():
        updated = SupervisionOrder.update(status=OrderStatus.CLOSED, closed_at=now(), closed_by=actor.id,
                                          version=version + 1).where(
            (SupervisionOrder.id == order.id) & (SupervisionOrder.version == version)).execute()
        if updated != 1:
            raise SupervisionError({"__all__": "order_changed"})
        order.status, order.version = OrderStatus.CLOSED, version + 1
        events.record(EventKind.ORDER_CLOSED, "complaint", order.complaint_id, actor, tenant=order.tenant_id,
                      before={"status": OrderStatus.OPEN}, after={"status": OrderStatus.CLOSED},
                      data={"order": order.id})


def add_cc(order, user_ids, actor=None) -> None:
    """Copy more people on the order's progress and warnings (e.g. a crisis team's leader)."""
    with atomic():
        copied = _copy(order, user_ids)
        if copied:
            events.record(EventKind.ORDER_COPIED, "complaint", order.complaint_id, actor, tenant=order.tenant_id,
                          before={"cc": copied[0]}, after={"cc": copied[1]}, data=_copied_data(order, copied),
                          actor_label=None if actor else "system")


def _copy(order, user_ids) -> tuple[list[int], list[int]] | None:
    """Add the people to the order's cc; (before, after) ids when that changed it."""
    before = order.cc_ids
    ids = list(before) + [i for i in dict.fromkeys(user_ids) if i and i not in before]
    cc = " ".join(str(i) for i in ids)[:200]
    if cc == order.cc:
        return None
    SupervisionOrder.update(cc=cc).where(SupervisionOrder.id == order.id).execute()
    order.cc = cc
    return before, order.cc_ids


def _copied_data(order, copied) -> dict:
    added = [i for i in copied[1] if i not in copied[0]]
    return {"order": order.id, "copied": [u.name for u in users_by_id(added).values()]}


def supervise(complaint, key: str, due_at, cc=(), actor=None) -> SupervisionOrder | None:
    """Put a built-in milestone on the complaint's open order, issuing one when the tenant wants it.

    Crisis handling calls this for each of its deadlines, so the board shows them and a missed one
    raises the same warning as any other milestone. One event says what changed on the order: the
    milestone added or moved (due before -> after), and anyone newly copied.
    """
    order = open_order_for(complaint)
    if order is None:
        if not config(complaint.tenant)["auto_on_crisis"]:
            return None
        return issue(complaint, None, milestones=[{"key": key, "due_at": due_at}], reason="", trigger="crisis",
                     cc=cc)
    with atomic():
        running = Milestone.select().where((Milestone.order == order.id) & (Milestone.key == key)
                                           & (Milestone.status == MilestoneStatus.OPEN)).first()
        if running is not None:  # the clock started again (e.g. a second adjustment): the milestone moves with it
            Milestone.update(due_at=due_at, warned_at=None).where(Milestone.id == running.id).execute()
            kind, milestone = EventKind.MILESTONE_MOVED, running
            before, after = {"due_at": running.due_at}, {"due_at": due_at}
            if running.warned_at is not None:  # its warning was spent: a new one goes out when it is missed again
                before["warned_at"], after["warned_at"] = running.warned_at, None
        else:
            kind, milestone = EventKind.MILESTONE_ADDED, _append_milestone(order, {"key": key, "due_at": due_at})
            before, after = {}, {"due_at": due_at}
        copied = _copy(order, cc)
        data = {}
        if copied:
            before["cc"], after["cc"] = copied
            data = {"copied": _copied_data(order, copied)["copied"]}
        if before != after:
            _record_milestone(kind, order, milestone, actor, before, after, **data)
    return order


def assign_department(order, department, actor=None) -> None:
    """An order issued before the complaint had a department goes to the one it is transferred to."""
    before = {"department": order.department_id, "leader": order.leader_id}
    after = {"department": department.id, "leader": department.leader_id}
    if before == after:
        return
    leader = users_by_id([department.leader_id]).get(department.leader_id)
    with atomic():
        SupervisionOrder.update(department=department.id, leader=department.leader_id,
                                version=SupervisionOrder.version + 1).where(
            SupervisionOrder.id == order.id).execute()
        order.department_id, order.leader_id = department.id, department.leader_id
        events.record(EventKind.ORDER_DEPARTMENT, "complaint", order.complaint_id, actor, tenant=order.tenant_id,
                      before=before, after=after,
                      data={"order": order.id, "department_name": department.name,
                            "leader_name": leader.name if leader else None},
                      actor_label=None if actor else "system")
