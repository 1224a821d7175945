"""Deadlines the register needs at intake: the reply date promised to the customer."""
import datetime


def reply_due(tenant, received_utc: datetime.datetime) -> datetime.datetime:
    """The promised reply: closing time on the Nth working day after receipt (N = the tenant's reply_days)."""
    from ..sla import settings
    from ..sla.calendar import add_working_days
    days = settings.load(tenant, "deadlines")["reply_days"]
    return add_working_days(settings.calendar_for(tenant), received_utc, int(days))
