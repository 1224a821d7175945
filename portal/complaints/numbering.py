"""Complaint numbers: <tenant code>-<YYYYMM>-<seq>, unique and gap-free per tenant and month."""
import datetime
from zoneinfo import ZoneInfo

from .models import ComplaintCounter


def period_of(moment_utc: datetime.datetime, timezone: str) -> str:
    local = moment_utc.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(timezone))
    return local.strftime("%Y%m")


def next_number(tenant, moment_utc: datetime.datetime) -> str:
    """Take the next number; call inside the intake transaction so a rollback returns it."""
    period = period_of(moment_utc, tenant.timezone)
    # INSERT-or-ignore then UPDATE: the row lock serialises concurrent intakes on PostgreSQL,
    # and SQLite's IMMEDIATE transaction already holds the write lock.
    ComplaintCounter.insert(tenant=tenant.id, period=period, last=0).on_conflict_ignore().execute()
    (ComplaintCounter.update(last=ComplaintCounter.last + 1)
     .where((ComplaintCounter.tenant == tenant.id) & (ComplaintCounter.period == period)).execute())
    last = (ComplaintCounter.select(ComplaintCounter.last)
            .where((ComplaintCounter.tenant == tenant.id) & (ComplaintCounter.period == period))
            .scalar())
    return f"{tenant.code}-{period}-{last:04d}"
