"""The complaint register (客户投诉登记及处理跟踪表) and what hangs off each complaint."""
from peewee import (BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from ..accounts.models import User
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Category, Department, Tenant
from .rules import Grade, Status


class Customer(TenantModel):
    """A customer of one tenant, recognised by phone number."""

    tenant = tenant_fk(Tenant)
    name = CharField(max_length=80)
    phone = CharField(max_length=32)  # digits only, normalised at intake
    email = CharField(max_length=254, null=True)
    address = CharField(max_length=300, null=True)
    locale = CharField(max_length=8, default="zh_Hans")
    created_at = DateTimeField(default=now)
    erased_at = DateTimeField(null=True)  # personal data erased (portal.customers); the row stays for statistics

    class Meta:
        indexes = ((("tenant", "phone"), False),)


class Complaint(TenantModel):
    """One entry in the register: an inquiry, repair request or complaint."""

    tenant = tenant_fk(Tenant)
    number = CharField(max_length=32)
    kind = CharField(max_length=12)
    channel = CharField(max_length=24)
    status = CharField(max_length=20, default=Status.RECEIVED)
    grade = CharField(max_length=12, default=Grade.GENERAL)
    customer = ForeignKeyField(Customer, backref="complaints", on_delete="RESTRICT")
    category = ForeignKeyField(Category, null=True, on_delete="SET NULL", backref="+")
    department = ForeignKeyField(Department, null=True, on_delete="SET NULL", backref="+")
    assignee = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    # subject matter: a vehicle (dealers) or a property unit (property companies)
    vehicle_model = CharField(max_length=80, null=True)
    plate = CharField(max_length=20, null=True)
    vin = CharField(max_length=17, null=True)
    mileage = IntegerField(null=True)
    project = CharField(max_length=80, null=True)
    building = CharField(max_length=40, null=True)
    unit = CharField(max_length=40, null=True)
    description = TextField()
    customer_request = TextField(default="")
    complainants = IntegerField(default=1)  # more than one: a collective complaint
    vip = BooleanField(default=False)
    crisis = BooleanField(default=False)
    report_required = BooleanField(default=False)
    is_repeat = BooleanField(default=False)
    repeat_of = ForeignKeyField("self", null=True, on_delete="SET NULL", backref="+")
    merged_into = ForeignKeyField("self", null=True, on_delete="SET NULL", backref="+")
    received_at = DateTimeField(default=now)
    reply_due_at = DateTimeField(null=True)  # the reply date promised to the customer
    closed_at = DateTimeField(null=True)
    reopen_count = IntegerField(default=0)
    # deadlines and escalation (portal.sla)
    next_due_at = DateTimeField(null=True)  # the earliest running deadline, for "due soon"/"overdue"
    paused_since = DateTimeField(null=True)  # clocks stopped, waiting for the customer or a third party
    open_clock_from = DateTimeField(null=True)  # received_at pushed on by every finished pause
    risk_flags = CharField(max_length=300, default="")  # space-separated flags set by staff or keywords
    outside_support = BooleanField(default=False)  # handling needs outside support (DOMAIN.md §2)
    batch_key = CharField(max_length=40, null=True)  # the declared batch / building phase it concerns
    batch_incident = BooleanField(default=False)  # part of a batch quality incident, reported to HQ
    intake_key = CharField(max_length=40, null=True)  # one complaint per intake form, however often posted
    link_version = IntegerField(default=1)  # bumped to revoke the customer's status link
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    updated_at = DateTimeField(default=now)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("tenant", "number"), True),
            (("tenant", "intake_key"), True),
            (("tenant", "id"), False),
            (("tenant", "status", "id"), False),
            (("tenant", "assignee", "status"), False),
            (("tenant", "department", "status"), False),
            (("tenant", "customer"), False),
            (("tenant", "reply_due_at"), False),
            (("tenant", "next_due_at"), False),
            (("tenant", "grade", "open_clock_from"), False),
            (("tenant", "batch_key"), False),
            (("tenant", "category", "status"), False),
            (("tenant", "received_at"), False),  # the monthly report: a month's complaints
            (("tenant", "closed_at"), False),
        )

    @property
    def is_open(self) -> bool:
        from .rules import OPEN_STATES
        return self.status in OPEN_STATES


class ComplaintCounter(TenantModel):
    """The last number handed out per tenant and month; gap-free under concurrent intake."""

    tenant = tenant_fk(Tenant)
    period = CharField(max_length=6)  # YYYYMM in the tenant's time zone
    last = IntegerField(default=0)

    class Meta:
        indexes = ((("tenant", "period"), True),)


class Plan(TenantModel):
    """A responsible department's cause analysis and solution; the customer answers it."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="plans", on_delete="CASCADE", index=True)
    cause = TextField()  # internal: never shown to the customer
    solution = TextField()  # what is presented to the customer
    proposed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    proposed_at = DateTimeField(default=now)
    agreed = BooleanField(null=True)  # None until the customer answered
    customer_opinion = TextField(null=True)
    answered_at = DateTimeField(null=True)
    answered_by_customer = BooleanField(default=False)


class Note(TenantModel):
    """A staff note on a complaint: internal unless explicitly published to the customer."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="notes", on_delete="CASCADE", index=True)
    author = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    body = TextField()
    public = BooleanField(default=False)
    from_customer = BooleanField(default=False)
    created_at = DateTimeField(default=now)


class Attachment(TenantModel):
    """Evidence kept unaltered: stored outside the web root, served only to authorised users."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="attachments", on_delete="CASCADE", index=True)
    filename = CharField(max_length=200)
    content_type = CharField(max_length=80)
    size = BigIntegerField()
    sha256 = CharField(max_length=64)
    stored_name = CharField(max_length=80)
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    from_customer = BooleanField(default=False)
    public = BooleanField(default=False)
    created_at = DateTimeField(default=now)


class ComplaintLink(TenantModel):
    """Two complaints that belong together: related, repeat (二次投诉) or duplicate."""

    tenant = tenant_fk(Tenant)
    source = ForeignKeyField(Complaint, backref="links_out", on_delete="CASCADE", index=True)
    target = ForeignKeyField(Complaint, backref="links_in", on_delete="CASCADE", index=True)
    kind = CharField(max_length=12)  # related | repeat | duplicate
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("source", "target", "kind"), True),
                   (("tenant", "source"), False),
                   (("tenant", "target"), False))
