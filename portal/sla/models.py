"""Deadlines (SLA clocks), their pauses, and tenant / network settings."""
import enum

from peewee import (BooleanField, CharField, DateTimeField, DoubleField, ForeignKeyField, IntegerField,
                    TextField)

from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import BaseModel, now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Category, Network, Tenant


class DeadlineKind(enum.StrEnum):
    """Which clock: each has a budget in the tenant's deadline settings."""

    HANDOVER = "handover"  # the handler receives the complaint (1 working hour)
    REPLY = "reply"  # the reply promised to the customer (5 working days) — the response KPI
    PLAN = "plan"  # the department's cause analysis and plan (3 working days)
    REVISIT = "revisit"  # call the customer back after implementation (5 working days; crisis 2 days)
    COMPLETION = "completion"  # closed, satisfied (20 working days) — the completion KPI
    CRISIS_PLAN = "crisis_plan"  # crisis plan made (24 hours)
    CRISIS_CONTACT = "crisis_contact"  # manager contacts the customer/media after approval (12 hours)
    CRISIS_ADJUST = "crisis_adjust"  # plan adjusted when the customer is not satisfied (1 hour)
    CASE_WRITEUP = "case_writeup"  # crisis case written up (1 week)


class Deadline(TenantModel):
    """One running or finished clock on a complaint."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="deadlines", on_delete="CASCADE", index=True)
    kind = CharField(max_length=20)
    started_at = DateTimeField()
    budget_seconds = DoubleField()  # working seconds, or clock seconds when `clock`
    clock = BooleanField(default=False)  # counted in plain hours (crisis), not working time
    due_at = DateTimeField(null=True)  # None while paused
    warn_at = DateTimeField(null=True)  # when the due-soon warning goes out
    met_at = DateTimeField(null=True)
    on_time = BooleanField(null=True)  # decided when met (or when it passed unmet)
    warned = BooleanField(default=False)
    overdue_notified = BooleanField(default=False)

    class Meta:
        indexes = ((("met_at", "warned", "warn_at"), False),
                   (("met_at", "overdue_notified", "due_at"), False),
                   (("tenant", "complaint", "kind"), False),
                   (("tenant", "due_at"), False))  # the monthly report: a month's deadlines


class Pause(TenantModel):
    """A complaint's clocks stop while waiting for the customer, a part or an outside party."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="pauses", on_delete="CASCADE", index=True)
    reason = CharField(max_length=20)  # customer | parts | outside
    note = TextField(default="")
    started_at = DateTimeField(default=now)
    ended_at = DateTimeField(null=True)
    started_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")


class TenantSetting(TenantModel):
    """One group of a tenant's settings (escalation, deadlines, calendar) as JSON."""

    tenant = tenant_fk(Tenant)
    key = CharField(max_length=20)
    value = TextField()
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "key"), True),)


class NetworkSetting(BaseModel):
    """Network-wide defaults that the network's tenants inherit unless they override them."""

    network = ForeignKeyField(Network, on_delete="CASCADE", backref="+")
    key = CharField(max_length=20)
    value = TextField()
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("network", "key"), True),)


class Batch(TenantModel):
    """A product batch or building phase the tenant declares, for batch quality incidents (批量质量事故)."""

    tenant = tenant_fk(Tenant)
    key = CharField(max_length=40)  # e.g. the production batch number or "3期"
    name = CharField(max_length=120)
    kind = CharField(max_length=16, default="product")  # product | building_phase
    size = IntegerField()  # vehicles in the batch / units in the phase
    active = BooleanField(default=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("tenant", "key"), True),)


class ClusterEntry(TenantModel):
    """A complaint the cluster rule counts (a complaint with a category, not merged) and who made it.

    Kept in step with the register by `sla.clusters`; `complainant` is `grading.complainant_key`."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, unique=True, on_delete="CASCADE", backref="+")
    category = ForeignKeyField(Category, on_delete="CASCADE", backref="+")
    received_at = DateTimeField()
    complainant = CharField(max_length=40)

    class Meta:
        indexes = ((("tenant", "category", "received_at"), False),
                   (("tenant", "category", "complainant", "received_at"), False))


class ClusterComplainant(TenantModel):
    """When a complainant last complained about a category: their latest `ClusterEntry`.

    Counting these rows from a date on gives the complainants of a window that ends now."""

    tenant = tenant_fk(Tenant)
    category = ForeignKeyField(Category, on_delete="CASCADE", backref="+")
    complainant = CharField(max_length=40)
    last_at = DateTimeField()

    class Meta:
        indexes = ((("tenant", "category", "complainant"), True),
                   (("tenant", "category", "last_at"), False))
