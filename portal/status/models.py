"""What the customer sent through the status link, kept only to make every form count once."""
from peewee import CharField, DateTimeField, ForeignKeyField

from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Tenant


class CustomerAction(TenantModel):
    """One form the customer sent, or one urge per working day: a second row with the same key is refused."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    key = CharField(max_length=64)  # "form:<one-time nonce>" or "urge:<working day>"
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("complaint", "key"), True),)
