"""Headquarters read queries: the tenant comparison (SQL aggregates grouped by tenant), the cross-tenant
complaint list (the tenant queue's filters plus a tenant and HQ's own filters), work orders, the inbox.

Every query runs in the network's scope, so it sees the network's tenants and nobody else's.
"""
import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from peewee import JOIN, SQL, Case, fn

from ..accounts.models import User
from ..complaints import queries as register
from ..complaints.models import Complaint, Customer
from ..crisis.models import HqReport
from ..complaints.rules import ELSEWHERE, SATISFIED, Grade, Kind
from ..db import now
from ..events import Event
from ..i18n import DEFAULT_TZ
from ..revisits.models import RevisitTask
from ..revisits.rules import TaskStatus
from ..sla.models import Deadline
from ..sla.models import DeadlineKind as K
from ..supervision.models import Milestone, SupervisionOrder
from ..supervision.rules import MilestoneStatus, OrderStatus
from ..tenancy.models import Category, Department, Tenant
from .models import OPEN_LIST, ReportReview, Takeover, WorkOrder
from .rules import WorkOrderStatus as W
from .rules import rate, sort_rows

KPI_CLOCKS = (K.REPLY, K.COMPLETION)


def month_start(at: datetime.datetime | None = None) -> datetime.datetime:
    """The first moment of this month in the HQ's time zone, as naive UTC (how moments are stored)."""
    zone = ZoneInfo(DEFAULT_TZ)
    local = (at or now()).replace(tzinfo=datetime.UTC).astimezone(zone)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(datetime.UTC).replace(tzinfo=None)


ROWS = fn.COUNT(SQL("*"))  # not COUNT(id): an index without the id can answer it on its own


def _count_if(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


def network_tenants(network) -> list[Tenant]:
    return list(Tenant.select().where(Tenant.network == network.id).order_by(Tenant.name))


# --- the comparison ---------------------------------------------------------------------------------

def comparison(network, sort: str = "worst", descending: bool | None = None, at=None) -> list[dict]:
    """One row per tenant with every dashboard figure, in eight queries whatever the number of tenants."""
    at = at or now()
    since = month_start(at)
    rows = {t.id: _empty_row(t) for t in network_tenants(network)}

    open_q = (Complaint.select(Complaint.tenant, Complaint.grade, ROWS,
                               _count_if(Complaint.crisis == True))  # noqa: E712
              .where((Complaint.kind == Kind.COMPLAINT) & Complaint.status.in_(OPEN_LIST))
              .group_by(Complaint.tenant, Complaint.grade).tuples())
    for tenant_id, grade, n, crises in open_q:
        row = rows.get(tenant_id)
        if row is not None:
            row[f"open_{grade}"] += n
            row["open_total"] += n
            row["crises"] += int(crises or 0)

    overdue_q = (Deadline.select(Deadline.tenant, Deadline.kind, ROWS)
                 .where(Deadline.met_at.is_null() & (Deadline.due_at < at) & Deadline.kind.in_(list(KPI_CLOCKS)))
                 .group_by(Deadline.tenant, Deadline.kind).tuples())
    for tenant_id, kind, n in overdue_q:
        if tenant_id in rows:
            rows[tenant_id][f"overdue_{kind}"] = n

    met_q = (Deadline.select(Deadline.tenant, Deadline.kind, ROWS,
                             _count_if(Deadline.on_time == True))  # noqa: E712
             .where((Deadline.met_at >= since) & Deadline.kind.in_(list(KPI_CLOCKS)))
             .group_by(Deadline.tenant, Deadline.kind).tuples())
    for tenant_id, kind, n, on_time in met_q:
        if tenant_id in rows:
            rows[tenant_id][f"{kind}_met"], rows[tenant_id][f"{kind}_on_time"] = n, int(on_time or 0)

    revisits_q = (RevisitTask.select(RevisitTask.tenant, ROWS,
                                     _count_if(RevisitTask.satisfaction.in_(list(SATISFIED))))
                  .where(_revisited_since(since)).group_by(RevisitTask.tenant).tuples())
    for tenant_id, n, satisfied in revisits_q:
        if tenant_id in rows:
            rows[tenant_id]["revisits"], rows[tenant_id]["satisfied"] = n, int(satisfied or 0)

    warned = (Milestone.status == MilestoneStatus.OPEN) & Milestone.warned_at.is_null(False)
    supervision_q = (SupervisionOrder.select(SupervisionOrder.tenant, fn.COUNT(SupervisionOrder.id.distinct()),
                                             fn.COUNT(Milestone.order.distinct()))  # orders with a missed milestone
                     .join(Milestone, JOIN.LEFT_OUTER, on=((Milestone.order == SupervisionOrder.id) & warned))
                     .where(SupervisionOrder.status == OrderStatus.OPEN).group_by(SupervisionOrder.tenant).tuples())
    for tenant_id, orders, warnings in supervision_q:
        if tenant_id in rows:
            rows[tenant_id]["supervision_open"], rows[tenant_id]["warnings"] = orders, warnings

    for tenant_id, n in _reports_pending().select(Complaint.tenant, fn.COUNT(Complaint.id)).group_by(
            Complaint.tenant).tuples():
        if tenant_id in rows:
            rows[tenant_id]["reports_pending"] = n

    wo_q = (WorkOrder.select(WorkOrder.tenant, fn.COUNT(WorkOrder.id), _count_if(WorkOrder.response_due_at < at))
            .where(WorkOrder.status == W.DISPATCHED).group_by(WorkOrder.tenant).tuples())
    for tenant_id, n, late in wo_q:
        if tenant_id in rows:
            rows[tenant_id]["work_orders_waiting"], rows[tenant_id]["work_orders_overdue"] = n, int(late or 0)

    for row in rows.values():
        row["response_rate"] = rate(row["reply_on_time"], row["reply_met"])
        row["completion_rate"] = rate(row["completion_on_time"], row["completion_met"])
        row["satisfaction_rate"] = rate(row["satisfied"], row["revisits"])
    return sort_rows(list(rows.values()), sort, descending)


def _empty_row(tenant) -> dict:
    row = {"tenant": tenant, "name": tenant.name, "open_total": 0, "crises": 0, "overdue_reply": 0,
           "overdue_completion": 0, "reply_met": 0, "reply_on_time": 0, "completion_met": 0,
           "completion_on_time": 0, "revisits": 0, "satisfied": 0, "reports_pending": 0,
           "work_orders_waiting": 0, "work_orders_overdue": 0, "supervision_open": 0, "warnings": 0}
    row.update({f"open_{g}": 0 for g in Grade})
    return row


def _revisited_since(since):
    """Revisits that reached the customer (a satisfaction was recorded) since a moment."""
    return ((RevisitTask.status == TaskStatus.DONE) & (RevisitTask.done_at >= since)
            & RevisitTask.satisfaction.is_null(False))


def _reports_pending():
    """Complaints with a mandatory written report that HQ has not acknowledged yet."""
    return (Complaint.select(Complaint.id)
            .join(ReportReview, JOIN.LEFT_OUTER, on=(ReportReview.complaint == Complaint.id))
            .where((Complaint.report_required == True) & ReportReview.id.is_null()  # noqa: E712
                   & Complaint.status.not_in(sorted(ELSEWHERE))))


def totals(rows: list[dict]) -> dict:
    """The network's totals of the comparison (rates recomputed from the counts, not averaged)."""
    keys = [k for k, v in rows[0].items() if isinstance(v, int) and not isinstance(v, bool)] if rows else []
    total = {k: sum(r[k] for r in rows) for k in keys}
    if rows:
        total["response_rate"] = rate(total["reply_on_time"], total["reply_met"])
        total["completion_rate"] = rate(total["completion_on_time"], total["completion_met"])
        total["satisfaction_rate"] = rate(total["satisfied"], total["revisits"])
    return total


# --- the cross-tenant complaint list ------------------------------------------------------------------

@dataclass
class HqFilter:
    """HQ's filters on top of the tenant queue's: the tenant, and the figures of the comparison."""

    tenant: int = 0
    crisis: bool = False
    report: str = ""  # "pending": a written report HQ has not acknowledged
    overdue_clock: str = ""  # reply | completion: that deadline has passed unmet
    met_clock: str = ""  # reply | completion: that deadline was met this month
    revisited: bool = False  # revisited this month
    supervised: bool = False  # an open supervision order
    warned: bool = False  # an open order with a missed milestone (warning)
    taken_over: bool = False
    queue: register.QueueFilter = field(default_factory=register.QueueFilter)

    @classmethod
    def from_args(cls, args) -> "HqFilter":
        clock = lambda name: args.get(name) if args.get(name) in KPI_CLOCKS else ""  # noqa: E731
        tenant = args.get("tenant", "")
        return cls(tenant=int(tenant) if tenant.isdigit() else 0, crisis=args.get("crisis") == "1",
                   report="pending" if args.get("report") == "pending" else "",
                   overdue_clock=clock("overdue_clock"), met_clock=clock("met_clock"),
                   revisited=args.get("revisited") == "1", supervised=args.get("supervised") == "1",
                   warned=args.get("warned") == "1", taken_over=args.get("taken_over") == "1",
                   queue=register.QueueFilter.from_args(args))

    def conditions(self, at=None) -> list:
        at = at or now()
        conds = [Complaint.tenant == self.tenant] if self.tenant else []
        if self.crisis:
            conds.append(Complaint.crisis == True)  # noqa: E712
        if self.report:
            conds.append(Complaint.id.in_(_reports_pending()))
        if self.overdue_clock:
            conds.append(Complaint.id.in_(Deadline.select(Deadline.complaint).where(
                (Deadline.kind == self.overdue_clock) & Deadline.met_at.is_null() & (Deadline.due_at < at))))
        if self.met_clock:
            conds.append(Complaint.id.in_(Deadline.select(Deadline.complaint).where(
                (Deadline.kind == self.met_clock) & (Deadline.met_at >= month_start(at)))))
        if self.revisited:
            conds.append(Complaint.id.in_(RevisitTask.select(RevisitTask.complaint)
                                          .where(_revisited_since(month_start(at)))))
        if self.supervised:
            conds.append(Complaint.id.in_(SupervisionOrder.select(SupervisionOrder.complaint)
                                          .where(SupervisionOrder.status == OrderStatus.OPEN)))
        if self.warned:
            conds.append(Complaint.id.in_(
                SupervisionOrder.select(SupervisionOrder.complaint).join(Milestone, on=(Milestone.order == SupervisionOrder.id))
                .where((SupervisionOrder.status == OrderStatus.OPEN) & (Milestone.status == MilestoneStatus.OPEN)
                       & Milestone.warned_at.is_null(False))))
        if self.taken_over:
            conds.append(Complaint.id.in_(Takeover.select(Takeover.complaint)))
        return conds


def complaint_page(f: HqFilter) -> tuple[list, str | None]:
    """One page of complaints across the network's tenants, with their tenant, in the queue's order."""
    q = f.queue
    Assignee = User.alias()
    query = (register._base(q, *register.row_columns(Assignee), Tenant.id, Tenant.name)
             .join_from(Complaint, Tenant, on=(Complaint.tenant == Tenant.id))
             .join_from(Complaint, Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .join_from(Complaint, Assignee, JOIN.LEFT_OUTER, on=(Complaint.assignee == Assignee.id)))
    for cond in f.conditions():
        query = query.where(cond)
    column, desc = register.SORTS[q.sort]
    first = column.desc() if desc else (column.asc(nulls="LAST") if column is not Complaint.id else column.asc())
    rows = list(register._after(query, q).order_by(first, Complaint.id.desc() if desc else Complaint.id.asc())
                .limit(register.PAGE_SIZE + 1))
    more = len(rows) > register.PAGE_SIZE
    rows = rows[:register.PAGE_SIZE]
    return rows, (register.encode_cursor(rows[-1], q.sort) if more and rows else None)


def complaint_count(f: HqFilter) -> tuple[int, bool]:
    query = register._base(f.queue, Complaint.id)
    for cond in f.conditions():
        query = query.where(cond)
    n = query.limit(register.COUNT_CAP + 1).count()
    return min(n, register.COUNT_CAP), n > register.COUNT_CAP


# --- work orders and the inbox --------------------------------------------------------------------------

def work_orders(status: str = "", tenant: int = 0, overdue: bool = False, limit: int = 100) -> list[WorkOrder]:
    """Work orders with their tenant and complaint, most urgent first (two queries: the page, its complaints)."""
    query = WorkOrder.select(WorkOrder, Tenant).join(Tenant, on=(WorkOrder.tenant == Tenant.id))
    if status in set(W):
        query = query.where(WorkOrder.status == status)
    elif status == "open":
        query = query.where(WorkOrder.status != W.COMPLETED)
    if tenant:
        query = query.where(WorkOrder.tenant == tenant)
    if overdue:
        query = query.where((WorkOrder.status == W.DISPATCHED) & (WorkOrder.response_due_at < now()))
    rows = list(query.order_by(WorkOrder.response_due_at, WorkOrder.id).limit(limit))
    # Joined after the limit: sorting thousands of work orders joined to the register costs seconds.
    ids = [r.complaint_id for r in rows if r.complaint_id]
    found = {c.id: c for c in Complaint.select(Complaint.id, Complaint.tenant, Complaint.number, Complaint.status,
                                               Complaint.next_due_at).where(Complaint.id.in_(ids))} if ids else {}
    for r in rows:
        if r.complaint_id in found:
            r.complaint = found[r.complaint_id]
    return rows


def work_order(wo_id: int) -> WorkOrder:
    """One work order with its tenant and current complaint."""
    return (WorkOrder.select(WorkOrder, Tenant, Complaint).join(Tenant, on=(WorkOrder.tenant == Tenant.id))
            .join_from(WorkOrder, Complaint, JOIN.LEFT_OUTER, on=(WorkOrder.complaint == Complaint.id))
            .where(WorkOrder.id == wo_id).get())


def work_order_history(wo: WorkOrder) -> list[Event]:
    return list(Event.select(Event, Tenant).join(Tenant, on=(Event.tenant == Tenant.id))
                .where((Event.subject_type == "work_order") & (Event.subject_id == wo.id)).order_by(Event.id))


def reports_to_review(limit: int = 100) -> list[Complaint]:
    """Complaints whose written report HQ has not acknowledged, with the tenant's report once submitted."""
    return list(Complaint.select(Complaint, Tenant, HqReport)
                .join(Tenant, on=(Complaint.tenant == Tenant.id))
                .join_from(Complaint, HqReport, JOIN.LEFT_OUTER, on=(HqReport.complaint == Complaint.id))
                .join_from(Complaint, ReportReview, JOIN.LEFT_OUTER, on=(ReportReview.complaint == Complaint.id))
                .where((Complaint.report_required == True) & ReportReview.id.is_null()  # noqa: E712
                       & Complaint.status.not_in(sorted(ELSEWHERE)))
                .order_by(Complaint.received_at).limit(limit))


def inbox(limit: int = 100) -> dict:
    """What waits for HQ: returned work orders, written reports to acknowledge, late first responses,
    decisions routed to HQ and support requests from tenants."""
    from ..approvals.queries import pending_for_hq
    from ..support.queries import for_network
    return {"returned": work_orders(W.RETURNED, limit=limit), "reports": reports_to_review(limit),
            "late": work_orders(overdue=True, limit=limit), "approvals": pending_for_hq()[:limit],
            "support": for_network(limit=limit)}

