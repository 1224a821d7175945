"""Reports a tenant writes and sends up: the monthly report, the quarterly analyses, major complaints."""
from peewee import BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Tenant


class Report(TenantModel):
    """One report: the analysis text while drafted, a frozen snapshot of every figure once submitted."""

    tenant = tenant_fk(Tenant)
    kind = CharField(max_length=16)  # monthly | general | hot_important | major
    period = CharField(max_length=12)  # "2026-03", "2026-Q1", or the major complaint's id
    complaint = ForeignKeyField(Complaint, null=True, on_delete="CASCADE", backref="+")
    analysis = TextField(default="")  # analysis and corrective actions, written by the tenant
    status = CharField(max_length=12, default="draft")  # draft | submitted
    snapshot = TextField(null=True)  # JSON: the figures and the analysis as submitted; never changes
    submitted_at = DateTimeField(null=True)
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    updated_at = DateTimeField(default=now)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "kind", "period"), True),)

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


class MonthlyFigures(TenantModel):
    """One tenant's month of the monthly report, computed ahead (`store.py`): the tally and its handling times.

    A change to a complaint bumps `changes` of the months it may touch, in its own transaction; the
    figures hold while `computed` equals it, the calendar is the one they were counted in, and (in
    the current month) no running deadline has fallen due since.
    """

    tenant = tenant_fk(Tenant)
    period = CharField(max_length=7)  # "2026-03"
    ends_at = DateTimeField()  # the month's end in UTC (the tenant's local midnight)
    changes = IntegerField(default=0)  # bumped by every change that may alter the month's figures
    computed = IntegerField(default=-1)  # the value of `changes` the figures below reflect
    computed_at = DateTimeField(null=True)
    valid_until = DateTimeField(null=True)  # a running deadline falls due: the rates change then
    calendar = CharField(max_length=40, default="")  # the business calendar the handling times were counted in
    new = IntegerField(default=0)  # new and closed complaints, read by the 12-month trend
    closed = IntegerField(default=0)
    tally = TextField(default="{}")  # JSON: the rest of `rules.Tally`
    handling = BlobField(null=True)  # the handling times in working days, float64, ascending
    lists = TextField(null=True)  # JSON: the page's lists of the month (overdue, notable), once a page made them

    class Meta:
        table_name = "monthly_figures"
        indexes = ((("tenant", "period"), True),)
