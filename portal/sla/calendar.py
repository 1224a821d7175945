"""Business calendar: working days, working hours and the deadlines counted in them.

Conventions every function here follows:

- **Moments are naive UTC datetimes**, in and out, because that is how the app stores
  them. Aware datetimes are refused (TypeError) so a local time can never pass for UTC.
  Each calendar converts to its own time zone internally, so daylight saving is handled.
- **Working time** is the day's working periods (09:00–18:00 by default, split by an
  optional lunch break) on working days. Periods are half-open: the closing moment is not
  working time, but a deadline may fall exactly on it.
- **A working day** is decided in this order: a tenant's extra working day, a tenant's
  extra closure day, the region's holiday source (public holidays close a day, 调休 days
  open one), and otherwise the tenant's ordinary working week (`weekdays`). Mainland China
  uses chinese_calendar (the State Council schedules it ships: 2004–2026 in version 1.11,
  read from the package, not hard-coded); Hong Kong uses the `holidays` package when it is
  installed. Years a source does not know fall back to the working week alone, so
  `known_years(region)` / `covers(region, year)` say which years those are (the calendar
  settings page warns about them). Other sources can be plugged in with
  `register_holiday_source`, together with the years they know.
- **add_working_days follows the Civil Code (arts. 201–203)**: the day of receipt is not
  counted, and the period ends when business stops on its last day. "Reply within 5
  working days" is due at `work_end` of the 5th working day after the day of receipt.

Nothing here imports Flask or peewee, and loops go period by period, never minute by minute.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

# A source says True (working, e.g. a 调休 Saturday), False (public holiday) or None (an
# ordinary day, or a year it does not know), so the tenant's working week decides the rest.
HolidaySource = Callable[[date], bool | None]
Pause = tuple[datetime, datetime | None]

ONE_DAY = timedelta(days=1)
MON_TO_FRI = frozenset(range(5))
MAX_SEARCH_DAYS = 3660  # ten years without a working day means the calendar is misconfigured
NO_YEARS = range(0)
_SOURCES: dict[str | None, HolidaySource] = {}
# The years each source knows, asked when needed (an optional package may be installed later).
_YEARS: dict[str, Callable[[], range]] = {}


def register_holiday_source(
    region: str, source: HolidaySource, years: range | Callable[[], range] = NO_YEARS
) -> HolidaySource | None:
    """Let `source` decide public holidays for `region` in `years`, returning the source it replaces.

    A source that does not say which years it knows is taken to know none, so the settings page
    warns rather than trusting it silently."""
    previous = _SOURCES.get(region)
    _SOURCES[region] = source
    _YEARS[region] = years if callable(years) else lambda: years
    return previous


def known_years(region: str | None) -> range:
    """The years whose public holidays (and 调休 days) `region`'s source knows; every year for region
    None, which has no source and so nothing to miss."""
    if region is None:
        return range(date.min.year, date.max.year + 1)
    if region not in _SOURCES:
        raise ValueError(f"no holiday source for region {region!r}")
    return _YEARS[region]()


def covers(region: str | None, year: int) -> bool:
    """Say whether `region`'s holiday source knows the public holidays of `year`."""
    return year in known_years(region)


@functools.lru_cache(maxsize=8192)
def _mainland_china(d: date) -> bool | None:
    """Say whether `d` is a mainland holiday (False) or 调休 day (True), per chinese_calendar."""
    try:
        closed, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:  # a year the package has no official schedule for yet
        return None
    return None if name is None else not closed


@functools.lru_cache(maxsize=64)
def _hong_kong_holidays(year: int) -> frozenset[date]:
    """Hong Kong general holidays of `year`, or none when `holidays` is not installed."""
    try:
        import holidays  # optional: only tenants in Hong Kong need it
    except ImportError:
        return frozenset()
    return frozenset(holidays.country_holidays("HK", years=year))


def _hong_kong(d: date) -> bool | None:
    """Say that a Hong Kong general holiday is closed; Hong Kong has no 调休 days."""
    return False if d in _hong_kong_holidays(d.year) else None


def _mainland_china_years() -> range:
    """The years chinese_calendar has official schedules for, bounded as the package itself checks dates."""
    days = chinese_calendar.holidays
    return range(min(days).year, max(days).year + 1)


def _hong_kong_years() -> range:
    """The years the `holidays` package computes Hong Kong holidays for; none when it is not installed."""
    try:
        import holidays
    except ImportError:
        return NO_YEARS
    hk = holidays.country_holidays("HK")  # releases before start/end_year computed every year from 1946
    return range(getattr(hk, "start_year", 1946), getattr(hk, "end_year", date.max.year) + 1)


register_holiday_source("CN", _mainland_china, _mainland_china_years)
register_holiday_source("HK", _hong_kong, _hong_kong_years)
_SOURCES[None] = lambda d: None  # region None: only the working week and the overrides


@dataclass(frozen=True)
class BusinessCalendar:
    """A tenant's time zone, working week, working hours, holidays and overrides."""

    timezone: str = "Asia/Shanghai"
    region: str | None = "CN"
    work_start: time = time(9)
    work_end: time = time(18)
    lunch_start: time | None = None
    lunch_end: time | None = None
    extra_closed: frozenset[date] = frozenset()
    extra_working: frozenset[date] = frozenset()
    weekdays: frozenset[int] = MON_TO_FRI

    def __post_init__(self) -> None:
        """Refuse settings that cannot describe a working day, and freeze the day sets."""
        for name in ("extra_closed", "extra_working", "weekdays"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        ZoneInfo(self.timezone)  # raises for an unknown zone
        if self.region not in _SOURCES:
            raise ValueError(f"no holiday source for region {self.region!r}")
        if not self.work_start < self.work_end:
            raise ValueError("working hours must start before they end")
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("a lunch break needs both a start and an end")
        lunch = self.lunch_start, self.lunch_end
        if lunch[0] is not None and not self.work_start < lunch[0] < lunch[1] < self.work_end:
            raise ValueError("the lunch break must lie inside the working hours")
        if not self.weekdays <= set(range(7)):
            raise ValueError("weekdays are numbered 0 (Monday) to 6 (Sunday)")

    @property
    def zone(self) -> ZoneInfo:
        """The tenant's time zone."""
        return ZoneInfo(self.timezone)

    def is_working_day(self, d: date) -> bool:
        """Say whether the tenant works on local date `d`."""
        if d in self.extra_working:
            return True
        if d in self.extra_closed:
            return False
        verdict = _SOURCES[self.region](d)
        return d.weekday() in self.weekdays if verdict is None else verdict


def _utc(t: datetime) -> datetime:
    """Check that `t` is a naive (UTC) datetime and return it."""
    if t.tzinfo is not None:
        raise TypeError("expected a naive UTC datetime, got an aware one")
    return t


def _local_date(cal: BusinessCalendar, t: datetime) -> date:
    """The tenant's local date at UTC moment `t`."""
    return t.replace(tzinfo=UTC).astimezone(cal.zone).date()


def _at(cal: BusinessCalendar, d: date, clock: time) -> datetime:
    """The UTC moment of local wall-clock time `clock` on local date `d`."""
    local = datetime.combine(d, clock, tzinfo=cal.zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _periods(cal: BusinessCalendar, d: date) -> list[tuple[datetime, datetime]]:
    """The working periods of local date `d` as UTC intervals, none on a closed day."""
    if not cal.is_working_day(d):
        return []
    if cal.lunch_start is None:
        bounds = [(cal.work_start, cal.work_end)]
    else:
        bounds = [(cal.work_start, cal.lunch_start), (cal.lunch_end, cal.work_end)]
    periods = [(_at(cal, d, s), _at(cal, d, e)) for s, e in bounds]
    return [(s, e) for s, e in periods if s < e]  # a period inside a DST gap is empty


def _periods_from(cal: BusinessCalendar, t: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Yield the working periods after `t` in order, the first one clipped to begin at `t`."""
    d = _local_date(cal, t)
    for _ in range(MAX_SEARCH_DAYS):
        for start, end in _periods(cal, d):
            if end > t:
                yield max(start, t), end
        d += ONE_DAY
    raise ValueError("no working time within ten years: check the calendar")


def is_working_time(cal: BusinessCalendar, t: datetime) -> bool:
    """Say whether the tenant is at work at UTC moment `t`."""
    _utc(t)
    return any(s <= t < e for s, e in _periods(cal, _local_date(cal, t)))


def next_working_moment(cal: BusinessCalendar, t: datetime) -> datetime:
    """The first working moment at or after `t` (`t` itself during working time)."""
    return next(_periods_from(cal, _utc(t)))[0]


def _add(cal: BusinessCalendar, start: datetime, budget: timedelta) -> datetime:
    """The moment when `budget` of working time has elapsed after `start`."""
    if budget < timedelta():
        raise ValueError("cannot count a negative amount of working time")
    for begin, end in _periods_from(cal, _utc(start)):
        if budget <= end - begin:
            return begin + budget
        budget -= end - begin
    raise AssertionError("unreachable: _periods_from raises when it runs out")


def add_working_seconds(cal: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The moment when `seconds` of working time have elapsed after `start`."""
    return _add(cal, start, timedelta(seconds=seconds))


def add_working_hours(cal: BusinessCalendar, start: datetime, hours: float) -> datetime:
    """The moment when `hours` of working time have elapsed after `start`."""
    return _add(cal, start, timedelta(hours=hours))


def working_day_after(cal: BusinessCalendar, d: date, n: int) -> date:
    """The `n`th working day after local date `d` (for 0: `d` or the next working day)."""
    if n < 0:
        raise ValueError("cannot count a negative number of working days")
    day = d if n == 0 else d + ONE_DAY
    for _ in range(MAX_SEARCH_DAYS):
        if cal.is_working_day(day):
            if n <= 1:
                return day
            n -= 1
        day += ONE_DAY
    raise ValueError("no working day within ten years: check the calendar")


def add_working_days(cal: BusinessCalendar, start: datetime, days: int) -> datetime:
    """Close of business on the `days`th working day after the local day of `start`."""
    if days == 0:  # same day: today's close, or the next working day's once today is over
        last = _local_date(cal, next_working_moment(cal, start))
    else:
        last = working_day_after(cal, _local_date(cal, _utc(start)), days)
    return _at(cal, last, cal.work_end)


def _working_time(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time inside [a, b], nothing when b is not after a."""
    total = timedelta()
    if b <= a:
        return total
    d, last = _local_date(cal, a), _local_date(cal, b)
    while d <= last:
        for start, end in _periods(cal, d):
            total += max(timedelta(), min(end, b) - max(start, a))
        d += ONE_DAY
    return total


def working_seconds_between(cal: BusinessCalendar, a: datetime, b: datetime) -> float:
    """Seconds of working time between `a` and `b`, 0 when `b` is not after `a`."""
    return _working_time(cal, _utc(a), _utc(b)).total_seconds()


def _merged(pauses: Iterable[Pause]) -> list[Pause]:
    """Pauses in order with overlapping ones joined; an open pause absorbs all later ones."""
    out: list[Pause] = []
    for start, end in sorted(pauses, key=lambda p: _utc(p[0])):
        if end is not None and _utc(end) <= start:
            continue
        if out and (out[-1][1] is None or start <= out[-1][1]):
            prev_start, prev_end = out[-1]
            out[-1] = (prev_start, None if end is None or prev_end is None else max(prev_end, end))
        else:
            out.append((start, end))
    return out


def working_seconds_between_excluding(
    cal: BusinessCalendar, a: datetime, b: datetime, pauses: Iterable[Pause]
) -> float:
    """Seconds of working time between `a` and `b` outside the pauses (end None: still open)."""
    total = _working_time(cal, _utc(a), _utc(b))
    for start, end in _merged(pauses):
        total -= _working_time(cal, max(start, a), b if end is None else min(end, b))
    return total.total_seconds()


def due_with_pauses(
    cal: BusinessCalendar, start: datetime, budget_seconds: float, pauses: Iterable[Pause]
) -> datetime | None:
    """When `budget_seconds` of unpaused working time run out; None while an open pause holds it."""
    cursor, budget = _utc(start), timedelta(seconds=budget_seconds)
    for pause_start, pause_end in _merged(pauses):
        if pause_end is not None and pause_end <= cursor:
            continue
        due = _add(cal, cursor, budget)
        if due <= pause_start:  # the budget ran out before this pause began
            return due
        if pause_end is None:
            return None
        budget -= _working_time(cal, cursor, pause_start)
        cursor = pause_end
    return _add(cal, cursor, budget)


def calendar_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` of plain clock time after `start` (crisis plan, customer contact)."""
    return _utc(start) + timedelta(hours=hours)
