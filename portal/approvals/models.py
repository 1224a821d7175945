"""Approval requests and delegations (who decides for someone who is away)."""
import json

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Tenant
from .rules import Status


class Approval(TenantModel):
    """One request for a decision (a crisis plan, a downgrade), routed to an approver."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=24)
    subject_id = IntegerField(null=True)  # the row being approved, e.g. a crisis plan
    grade = CharField(max_length=12)  # the complaint's grade when asked: it chose the route
    route = CharField(max_length=60)  # "hq", "role:<key>" or "permission:<name>"
    summary = TextField()  # what is to be decided, in the requester's words
    payload = TextField(null=True)  # JSON the kind's handler needs (e.g. the target grade)
    status = CharField(max_length=12, default=Status.PENDING)
    requested_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    requested_at = DateTimeField(default=now)
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    on_behalf_of = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")  # delegation
    decided_at = DateTimeField(null=True)
    comment = TextField(default="")
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "status", "route"), False), (("tenant", "complaint"), False))

    @property
    def data(self) -> dict:
        return json.loads(self.payload) if self.payload else {}


class Delegation(TenantModel):
    """While `user` is away (starts_at ≤ now < ends_at), `delegate` decides their approvals."""

    tenant = tenant_fk(Tenant)
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    delegate = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    starts_at = DateTimeField()
    ends_at = DateTimeField()
    note = CharField(max_length=200, default="")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("tenant", "delegate", "ends_at"), False), (("tenant", "user", "ends_at"), False))
