"""Headquarters' own records inside tenants: work orders, reviewed reports, take-overs (工单, 书面报告, 总部接管)."""
from peewee import SQL, BooleanField, CharField, DateTimeField, DoubleField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..complaints.models import Complaint
from ..complaints.rules import OPEN_STATES, Kind
from ..db import now
from ..revisits.models import RevisitTask
from ..revisits.rules import TaskStatus
from ..scope import TenantModel, tenant_fk
from ..sla.models import Deadline
from ..tenancy.models import Tenant
from .rules import WorkOrderStatus


class WorkOrder(TenantModel):
    """A complaint HQ received (hotline, consumer association, media) and dispatched to a tenant (投诉工单)."""

    tenant = tenant_fk(Tenant)  # the tenant it is addressed to now (a redirect moves it on)
    complaint = ForeignKeyField(Complaint, null=True, on_delete="SET NULL", backref="+")  # its register entry there
    source = CharField(max_length=24)  # how HQ received it (a complaints.rules.Channel value)
    summary = CharField(max_length=200)
    payload = TextField()  # JSON: the intake fields, kept so a redirect can dispatch them again
    status = CharField(max_length=12, default=WorkOrderStatus.DISPATCHED)
    response_hours = DoubleField()  # HQ's deadline for the tenant's first response, on the clock
    dispatched_at = DateTimeField(default=now)
    response_due_at = DateTimeField()
    responded_at = DateTimeField(null=True)
    response_on_time = BooleanField(null=True)
    response_note = TextField(default="")
    completed_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=now)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "status", "response_due_at"), False),
                   (("tenant", "complaint"), False))

    @property
    def number(self) -> str:
        return f"WO{self.id:06d}"


class ReportReview(TenantModel):
    """HQ read and acknowledged a complaint's mandatory written report (重大抱怨书面报告)."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, on_delete="CASCADE", backref="+", unique=True)
    reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    reviewed_at = DateTimeField(default=now)
    note = TextField(default="")


class Takeover(TenantModel):
    """HQ handles a major complaint itself: its HQ handler acts on it from the HQ workspace."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, on_delete="CASCADE", backref="+", unique=True)
    user = ForeignKeyField(User, on_delete="CASCADE", backref="+")  # the HQ handler
    reason = TextField(default="")
    taken_at = DateTimeField(default=now)



# --- indexes the HQ comparison reads on other areas' tables (migration 0012) ---------------------------
# Partial indexes whose predicates are the comparison's WHERE clauses (hq/queries.py: comparison), so each
# figure is counted from a small index instead of the whole register. tests/test_hq_dashboard.py checks
# that the planner uses them (a new open state, say, would need a migration rebuilding the first one).
# The open states as SQL literals, sorted: SQLite matches a partial index with an IN list only when the query
# has the same list of literals (bound parameters in a list do not match).
OPEN_LIST = [SQL(f"'{state}'") for state in sorted(OPEN_STATES)]

Complaint.add_index(Complaint.tenant, Complaint.grade, Complaint.crisis, name="complaint_open_by_grade",
                    where=(Complaint.kind == Kind.COMPLAINT) & Complaint.status.in_(OPEN_LIST))
Complaint.add_index(Complaint.tenant, Complaint.id, Complaint.status, name="complaint_report_required",
                    where=(Complaint.report_required == True))  # noqa: E712
Complaint.add_index(Complaint.received_at, Complaint.status, name="complaint_reports_by_received",  # the inbox
                    where=(Complaint.report_required == True))  # noqa: E712
Deadline.add_index(Deadline.kind, Deadline.due_at, Deadline.tenant, name="deadline_unmet_by_kind",
                   where=Deadline.met_at.is_null())
Deadline.add_index(Deadline.kind, Deadline.met_at, Deadline.tenant, Deadline.on_time)
RevisitTask.add_index(RevisitTask.done_at, RevisitTask.tenant, RevisitTask.satisfaction, name="revisit_task_done",
                      where=(RevisitTask.status == TaskStatus.DONE) & RevisitTask.satisfaction.is_null(False))
