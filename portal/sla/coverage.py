"""Which years a tenant's deadlines may soon reach that its region's holiday source does not know.

In such a year only the working week and the tenant's own closure and working days decide, so a
deadline can land in the middle of the Spring Festival without anyone noticing. The calendar
settings page (and the `flask calendar-check` command) say so, from these plain functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .calendar import BusinessCalendar, covers

# The next year is looked at from October on: the State Council publishes its holiday schedule
# in late autumn, and deadlines (20 working days at most, plus pauses) reach only weeks ahead.
# Warning about it all year would ask admins for dates nobody knows yet.
LOOKAHEAD = timedelta(days=92)


@dataclass(frozen=True)
class Gap:
    """A year the region's source does not know, with the days the tenant entered for it itself."""

    year: int
    closed: int = 0
    working: int = 0

    @property
    def entered(self) -> bool:
        """Whether the tenant has entered closure days for that year (likely its public holidays)."""
        return self.closed > 0


def years_ahead(today: date) -> list[int]:
    """The current year, and the next one once it is less than LOOKAHEAD away."""
    return sorted({today.year, (today + LOOKAHEAD).year})


def gaps(cal: BusinessCalendar, at: datetime) -> list[Gap]:
    """The years deadlines counted from UTC moment `at` may reach that `cal`'s region source does not know."""
    today = at.replace(tzinfo=UTC).astimezone(cal.zone).date()
    return [Gap(year, sum(d.year == year for d in cal.extra_closed), sum(d.year == year for d in cal.extra_working))
            for year in years_ahead(today) if not covers(cal.region, year)]
