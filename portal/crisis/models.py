"""Crisis files, their teams, plans and external statements; the written reports to HQ."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..approvals.models import Approval
from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Tenant
from .rules import PlanStatus


class CrisisFile(TenantModel):
    """The crisis handling form (危机事件处理表) of one complaint and its team's leadership."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    source = CharField(max_length=12, default="staff")  # staff | rules
    summary = TextField(default="")  # harm, demands, outside bodies involved: as identified
    declared_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    declared_at = DateTimeField(default=now)
    leader = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")  # the tenant GM by default
    executive = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")  # sales/service manager
    spokesperson = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")  # named by the leader
    hq_participant = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    defamation_suspected = BooleanField(default=False)
    legal_routed_at = DateTimeField(null=True)
    case_writeup = TextField(default="")
    case_written_at = DateTimeField(null=True)
    case_written_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "complaint"), True),)


class CrisisMember(TenantModel):
    """A member of the crisis team from the responsible or a related department."""

    tenant = tenant_fk(Tenant)
    file = ForeignKeyField(CrisisFile, backref="members", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE", backref="+")
    added_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("file", "user"), True),)


class CrisisPlan(TenantModel):
    """A crisis plan, or an adjustment of it, and the approval it went to."""

    tenant = tenant_fk(Tenant)
    file = ForeignKeyField(CrisisFile, backref="plans", on_delete="CASCADE")
    number = IntegerField()
    body = TextField()
    adjustment = BooleanField(default=False)
    status = CharField(max_length=12, default=PlanStatus.PENDING)
    approval = ForeignKeyField(Approval, null=True, on_delete="SET NULL", backref="+")
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    submitted_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("file", "number"), True),)


class CrisisStatement(TenantModel):
    """A contact with the customer or media, or an external statement, as it was made."""

    tenant = tenant_fk(Tenant)
    file = ForeignKeyField(CrisisFile, backref="statements", on_delete="CASCADE")
    kind = CharField(max_length=12)  # contact | statement
    audience = CharField(max_length=24)
    body = TextField()
    made_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    made_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("tenant", "file", "id"), False),)


class HqReport(TenantModel):
    """The mandatory written report to HQ (重大抱怨书面报告): safety matters, consumer association, media."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    matters = CharField(max_length=120)  # space-separated rules.REPORT_MATTERS
    facts = TextField()  # what happened, who is affected, the customer's demands
    measures = TextField()  # what the tenant has done and will do
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    submitted_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("tenant", "complaint"), True),)
