"""Reports a tenant writes and sends up: the monthly report, the quarterly analyses, major complaints."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

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
