"""Named reads: the board of open orders by state, one order's file, a complaint's orders."""
from dataclasses import dataclass

from peewee import JOIN

from ..accounts.models import User
from ..complaints.models import Attachment, Complaint
from ..db import now
from ..sla import settings
from ..sla.calendar import add_working_hours
from ..tenancy.models import Department
from . import actions, rules
from .models import Milestone, ProgressReport, SupervisionOrder
from .rules import BOARD_ORDER, MilestoneFacts, OrderStatus

BOARD_LIMIT = 300
Leader = User.alias("leader")


@dataclass
class BoardFilter:
    department: int = 0
    leader: int = 0

    @classmethod
    def from_args(cls, args) -> "BoardFilter":
        def integer(name):
            value = args.get(name, "")
            return int(value) if value.isdigit() else 0
        return cls(department=integer("department"), leader=integer("leader"))

    def as_args(self) -> dict:
        return {k: v for k, v in (("department", self.department), ("leader", self.leader)) if v}


def _orders():
    return (SupervisionOrder.select(SupervisionOrder, Complaint, Department, Leader)
            .join(Complaint, on=(SupervisionOrder.complaint == Complaint.id))
            .join_from(SupervisionOrder, Department, JOIN.LEFT_OUTER, on=(SupervisionOrder.department == Department.id))
            .join_from(SupervisionOrder, Leader, JOIN.LEFT_OUTER, on=(SupervisionOrder.leader == Leader.id)))


def _milestones_of(order_ids) -> dict:
    ids = list(order_ids)
    if not ids:
        return {}
    by_order = {}
    for m in Milestone.select().where(Milestone.order.in_(ids)).order_by(Milestone.position):
        by_order.setdefault(m.order_id, []).append(m)
    return by_order


def horizon(tenant, at):
    """The latest due moment that counts as "due soon" now: the tenant's window in working hours."""
    return add_working_hours(settings.calendar_for(tenant), at, actions.config(tenant)["due_soon_hours"])


def state_of(milestones, at, soon) -> str:
    return rules.board_state([MilestoneFacts(m.status, m.due_at, m.warned_at) for m in milestones], at, soon)


def board(tenant, f: BoardFilter, at=None) -> dict:
    """Open orders grouped by state (warned, due soon, on track), each with its milestones: two queries."""
    at = at or now()
    query = _orders().where(SupervisionOrder.status == OrderStatus.OPEN)
    if f.department:
        query = query.where(SupervisionOrder.department == f.department)
    if f.leader:
        query = query.where(SupervisionOrder.leader == f.leader)
    orders = list(query.order_by(SupervisionOrder.id).limit(BOARD_LIMIT))
    milestones = _milestones_of(o.id for o in orders)
    soon = horizon(tenant, at)
    columns = {state: [] for state in BOARD_ORDER}
    for o in orders:
        ms = milestones.get(o.id, [])
        pending = [m for m in ms if m.status == rules.MilestoneStatus.OPEN]
        columns[state_of(ms, at, soon)].append({"order": o, "milestones": ms,
                                                 "next": min(pending, key=lambda m: m.due_at, default=None)})
    for rows in columns.values():
        rows.sort(key=lambda r: (r["next"].due_at if r["next"] else at, r["order"].id))
    return columns


def order_file(order_id: int) -> dict:
    """One order with its complaint, department, leader, milestones, reports and their attachments."""
    order = _orders().where(SupervisionOrder.id == order_id).get()
    Author = User.alias("author")
    reports = list(ProgressReport.select(ProgressReport, Author)
                   .join(Author, JOIN.LEFT_OUTER, on=(ProgressReport.author == Author.id))
                   .where(ProgressReport.order == order.id).order_by(ProgressReport.id))
    wanted = {a for r in reports for a in r.attachments}
    files = {a.id: a for a in Attachment.select().where(Attachment.id.in_(list(wanted)))} if wanted else {}
    people = actions.users_by_id(order.cc_ids) if order.cc_ids else {}
    return {"order": order, "milestones": _milestones_of([order.id]).get(order.id, []), "reports": reports,
            "files": files, "cc_people": list(people.values())}


def for_complaint(complaint_id: int) -> list[dict]:
    """The complaint's orders, newest first, each with its milestones, in one query (every order has one)."""
    # The orders by the complaint index first: filtering the join by complaint let SQLite walk every
    # milestone of the workspace (2.2 ms at 200k complaints, most of the supervision panel).
    orders_of = SupervisionOrder.select(SupervisionOrder.id).where(SupervisionOrder.complaint == complaint_id)
    rows = (Milestone.select(Milestone, SupervisionOrder).join(SupervisionOrder)
            .where(Milestone.order.in_(orders_of))
            .order_by(SupervisionOrder.id.desc(), Milestone.position))
    orders = {}
    for m in rows:
        orders.setdefault(m.order.id, {"order": m.order, "milestones": []})["milestones"].append(m)
    return list(orders.values())
