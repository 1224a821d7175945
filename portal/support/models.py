"""Support requests to the parts centre or technical support, and their part lines."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Tenant
from .rules import Status


class SupportRequest(TenantModel):
    """A request for outside support on a complaint; the complaint's clocks may pause while it is open."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=12)  # parts | technical
    description = TextField(default="")
    status = CharField(max_length=12, default=Status.OPEN)
    paused_clocks = BooleanField(default=False)  # this request paused the complaint's deadlines
    # The files live with the complaint's evidence (complaints.Attachment); these say which belong here.
    attachment_ids = CharField(max_length=200, default="")
    requested_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    requested_at = DateTimeField(default=now)
    answer = TextField(default="")
    answered_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    answered_at = DateTimeField(null=True)
    answered_by_hq = BooleanField(default=False)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "complaint"), False), (("tenant", "status", "requested_at"), False))

    @property
    def attachments(self) -> list[int]:
        return [int(x) for x in self.attachment_ids.split() if x.isdigit()]


class PartLine(TenantModel):
    """One part asked of the parts centre: name, part number, quantity."""

    tenant = tenant_fk(Tenant)
    request = ForeignKeyField(SupportRequest, backref="lines", on_delete="CASCADE")
    position = IntegerField()
    part_name = CharField(max_length=120)
    part_number = CharField(max_length=60)
    quantity = IntegerField()

    class Meta:
        indexes = ((("request", "position"), True),)
