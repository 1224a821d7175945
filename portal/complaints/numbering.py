"""Complaint numbers: <tenant code>-<YYYYMM>-<seq>, unique and gap-free per tenant and month."""
import datetime
from zoneinfo import ZoneInfo

from .models import ComplaintCounter


def period_of(moment_utc: datetime.datetime, timezone: str) -> str:
    local = moment_utc.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(timezone))
    return local.strftime("%Y%m")


def take(tenant_id: int, key: str) -> int:
    """Add one to the tenant's counter `key` and return it, in one upsert. Call it inside the caller's
    transaction, so a rollback returns the number: the row lock serialises concurrent takers on
    PostgreSQL, and SQLite's IMMEDIATE transaction already holds the write lock."""
    return (ComplaintCounter.insert(tenant=tenant_id, period=key, last=1)
            .on_conflict(conflict_target=[ComplaintCounter.tenant, ComplaintCounter.period],
                         update={ComplaintCounter.last: ComplaintCounter.last + 1})
            .returning(ComplaintCounter.last).tuples().execute()[0][0])


def next_number(tenant, moment_utc: datetime.datetime) -> str:
    """Take the next number; call inside the intake transaction so a rollback returns it."""
    period = period_of(moment_utc, tenant.timezone)
    return f"{tenant.code}-{period}-{take(tenant.id, period):04d}"
