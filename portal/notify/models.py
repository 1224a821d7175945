"""The e-mail outbox: written in the same transaction as the change that causes the mail."""
import enum

from peewee import CharField, DateTimeField, IntegerField, TextField

from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Tenant


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting to be sent (or to be retried)
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept, and can be retried by hand


class OutboxMessage(TenantModel):
    """One e-mail waiting for, or past, delivery."""

    tenant = tenant_fk(Tenant, null=True)
    recipient = CharField(max_length=254)
    subject = CharField(max_length=200)
    body = TextField()
    status = CharField(max_length=12, default=OutboxStatus.QUEUED)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=now)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=now)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),
                   (("tenant", "id"), False))
