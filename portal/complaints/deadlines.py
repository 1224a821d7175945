"""Deadlines the register needs at intake: the reply date promised to the customer."""
import datetime

from ..sla.calendar import BusinessCalendar, add_working_days

REPLY_WORKING_DAYS = 5


def reply_due(tenant, received_utc: datetime.datetime) -> datetime.datetime:
    """The promised reply: closing time on the 5th working day after receipt, in the tenant's calendar."""
    return add_working_days(BusinessCalendar(timezone=tenant.timezone), received_utc, REPLY_WORKING_DAYS)
