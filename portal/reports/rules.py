"""The figures of the monthly report (客服月报, DOMAIN.md §7) over plain rows. Pure: no Flask, no peewee.

The definitions, as the report page states them:

- **Register**: every entry received in the period, except duplicates merged into another
  complaint and work orders from headquarters that left the register (returned to headquarters or
  redirected to another tenant: **passed on**, counted apart by outcome). All other figures count
  complaints (kind "complaint") only, without those.
- **New**: received in the period. **Closed**: closed in the period. **Open at the end**:
  received before the period ended and not closed by then. **Carried over**: received before
  the period began and still open then. So new + carried over = closed + open at the end.
  A reopened complaint counts as open until it is closed again.
- **Timely response rate (及时响应率)**: of the reply deadlines (the reply promised to the
  customer) that fell due in the period, the share met on time. A deadline met while its clock
  was paused has no due moment and counts in the period it was met; a deadline still running
  counts once it is met or its due moment has passed; paused time moves the due moment on.
  A reopened complaint's new reply promise counts on its own.
- **Timely completion rate (及时完成率)**: the same for completion deadlines.
- **Satisfaction rate**: of the revisits recorded in the period, the share answered
  "satisfied" or "very satisfied" (every revisit counts, also a second one after a reopening).
- **Repeat-complaint rate**: of the new complaints, the share that are repeat complaints (二次投诉).
- **Handling time**: for complaints closed in the period, the working time from receipt to
  closing in the tenant's business calendar, in working days of the tenant's usual length.

The SQL in `queries.py` adds up the same `Tally` with GROUP BY; `tally_rows` here is the
reference the tests hold both to, and `summarise` turns either into the report's figures.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from ..complaints.rules import ELSEWHERE, PASSED_ON, SATISFIED, Grade, Kind, Status

CLOSING_STATES = frozenset({Status.CLOSED, Status.CLOSED_INVALID})  # merged or passed on is not "handled"
PASSED_ON_ORDER = (Status.RETURNED, Status.REDIRECTED)
KPI_DEADLINES = ("reply", "completion")
GROUPS = {"general": (Grade.GENERAL,), "hot_important": (Grade.HOT, Grade.IMPORTANT)}
TOP_N = 5


# --- periods -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bounds:
    """[start, end) as naive UTC moments."""

    start: datetime
    end: datetime

    def __contains__(self, t) -> bool:
        return t is not None and self.start <= t < self.end


@dataclass(frozen=True)
class Period:
    """A run of whole calendar months: a month (1) or a quarter (3), in the tenant's time zone."""

    first: date  # the first day of the first month
    months: int = 1

    @classmethod
    def parse(cls, text: str) -> Period:
        """"2025-03" (a month) or "2025-Q1" (a quarter); ValueError otherwise."""
        found = re.fullmatch(r"(\d{4})-(?:(\d{2})|Q([1-4]))", (text or "").strip())
        if not found or not 2000 <= int(found[1]) <= 2100:
            raise ValueError(f"not a month or quarter: {text!r}")
        year = int(found[1])
        if found[3]:
            return cls(date(year, 3 * int(found[3]) - 2, 1), 3)
        if not 1 <= int(found[2]) <= 12:
            raise ValueError(f"not a month: {text!r}")
        return cls(date(year, int(found[2]), 1), 1)

    @classmethod
    def month_of(cls, d: date) -> Period:
        return cls(date(d.year, d.month, 1), 1)

    @classmethod
    def quarter_of(cls, d: date) -> Period:
        return cls(date(d.year, (d.month - 1) // 3 * 3 + 1, 1), 3)

    def shift(self, n: int) -> Period:
        """The period `n` periods later (earlier when negative)."""
        index = self.first.year * 12 + self.first.month - 1 + n * self.months
        return Period(date(index // 12, index % 12 + 1, 1), self.months)

    @property
    def label(self) -> str:
        if self.months == 3:
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first.year}-{self.first.month:02d}"

    def months_in(self) -> list[Period]:
        return [Period(self.first, 1).shift(i) for i in range(self.months)]

    def bounds(self, timezone: str) -> Bounds:
        """Local midnight of the first day to local midnight after the last, as naive UTC."""
        return Bounds(_utc_midnight(self.first, timezone), _utc_midnight(self.shift(1).first, timezone))


def _utc_midnight(d: date, timezone: str) -> datetime:
    return datetime.combine(d, time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)


def trailing_months(period: Period, n: int = 12) -> list[Period]:
    """The `n` months ending with the period's last month, oldest first (the trend chart)."""
    last = Period(period.first, 1).shift(period.months - 1)
    return [last.shift(i - n + 1) for i in range(n)]


# --- plain rows and the tally ----------------------------------------------------------------

@dataclass(frozen=True)
class ComplaintRow:
    id: int
    kind: str
    status: str
    grade: str
    category: str  # the category's name, "" when none
    channel: str
    department: str  # the responsible department's name, "" when none
    received_at: datetime
    closed_at: datetime | None = None
    is_repeat: bool = False
    crisis: bool = False


@dataclass(frozen=True)
class DeadlineRow:
    complaint: int
    kind: str
    due_at: datetime | None
    met_at: datetime | None = None
    on_time: bool | None = None


@dataclass(frozen=True)
class RevisitRow:
    complaint: int
    at: datetime
    satisfaction: str


@dataclass
class Tally:
    """What one period of one tenant (or several) adds up to, before any division."""

    kinds: Counter = field(default_factory=Counter)  # register entries received, by kind
    grades: Counter = field(default_factory=Counter)  # new complaints by grade ...
    categories: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    departments: Counter = field(default_factory=Counter)
    new: int = 0
    repeats: int = 0
    crises: int = 0
    closed: int = 0
    open_at_end: int = 0
    carried_over: int = 0
    reply_due: int = 0
    reply_on_time: int = 0
    completion_due: int = 0
    completion_on_time: int = 0
    revisits: int = 0
    satisfied: int = 0
    handling_days: list = field(default_factory=list)
    previous_categories: Counter = field(default_factory=Counter)  # new complaints in the period before
    passed_on: Counter = field(default_factory=Counter)  # entries received that left the register, by status

    def __add__(self, other: Tally) -> Tally:
        return Tally.total([self, other])

    @staticmethod
    def total(tallies: Iterable[Tally]) -> Tally:
        """The sum of many tallies in one pass (a network's: adding them pairwise copies the handling times
        again at every step)."""
        out = Tally()
        for t in tallies:
            for name, value in vars(t).items():
                mine = getattr(out, name)
                if isinstance(mine, list | Counter):
                    mine += value
                else:
                    setattr(out, name, mine + value)
        return out


def in_population(c: ComplaintRow, grades: Iterable[str] | None = None) -> bool:
    """Counted in the figures: a complaint, neither a merged duplicate nor passed on (and of the given grades)."""
    return c.kind == Kind.COMPLAINT and c.status not in ELSEWHERE and (grades is None or c.grade in grades)


def deadline_counts(d: DeadlineRow, period: Bounds, as_of: datetime) -> bool:
    """Whether a deadline counts in the period's rate (see the module's definitions)."""
    if d.due_at is None:
        return d.met_at in period
    return d.due_at in period and (d.met_at is not None or d.due_at < as_of)


def met_on_time(d: DeadlineRow) -> bool:
    return d.met_at is not None and d.on_time is True


def tally_rows(complaints: Iterable[ComplaintRow], deadlines: Iterable[DeadlineRow],
               revisits: Iterable[RevisitRow], period: Bounds, as_of: datetime,
               days: Callable[[datetime, datetime], float], previous: Bounds | None = None,
               grades: Iterable[str] | None = None) -> Tally:
    """The tally of one period from plain rows: the reference for the SQL in `queries.py`."""
    t = Tally()
    grades = None if grades is None else frozenset(grades)
    counted = {}
    for c in complaints:
        if c.received_at in period and grades is None:
            if c.status in PASSED_ON:
                t.passed_on[c.status] += 1
            elif c.status != Status.MERGED:
                t.kinds[c.kind] += 1
        if not in_population(c, grades):
            continue
        counted[c.id] = c
        _count_complaint(t, c, period, days)
        if previous is not None and c.received_at in previous:
            t.previous_categories[c.category] += 1
    for d in deadlines:
        if d.kind in KPI_DEADLINES and d.complaint in counted and deadline_counts(d, period, as_of):
            setattr(t, f"{d.kind}_due", getattr(t, f"{d.kind}_due") + 1)
            if met_on_time(d):
                setattr(t, f"{d.kind}_on_time", getattr(t, f"{d.kind}_on_time") + 1)
    for r in revisits:  # only complaints are revisited; a quarterly group counts its grades' revisits
        if (grades is None or r.complaint in counted) and r.at in period:
            t.revisits += 1
            t.satisfied += r.satisfaction in SATISFIED
    return t


def _count_complaint(t: Tally, c: ComplaintRow, period: Bounds, days) -> None:
    if c.received_at in period:
        t.new += 1
        t.grades[c.grade] += 1
        t.categories[c.category] += 1
        t.channels[c.channel] += 1
        t.departments[c.department] += 1
        t.repeats += bool(c.is_repeat)
        t.crises += bool(c.crisis)
    if c.closed_at in period:
        t.closed += 1
        if c.status in CLOSING_STATES:
            t.handling_days.append(days(c.received_at, c.closed_at))
    if c.received_at < period.end and (c.closed_at is None or c.closed_at >= period.end):
        t.open_at_end += 1
    if c.received_at < period.start and (c.closed_at is None or c.closed_at >= period.start):
        t.carried_over += 1


def trend_rows(complaints: Iterable[ComplaintRow], months: list[tuple[str, Bounds]]) -> list[dict]:
    """New and closed complaints per month, for the trend chart."""
    rows = [c for c in complaints if in_population(c)]
    return [{"period": label, "new": sum(c.received_at in b for c in rows),
             "closed": sum(c.closed_at in b for c in rows)} for label, b in months]


# --- from a tally to the report's figures ------------------------------------------------------

def rate(num: int, den: int) -> dict:
    """A rate with its parts; `value` is None when nothing was counted (never a division by zero)."""
    return {"num": num, "den": den, "value": (num / den) if den else None}


def top_problems(current: Counter, previous: Counter, n: int = TOP_N) -> list[dict]:
    """The categories with most new complaints, with the change against the period before."""
    ranked = sorted(((name, count) for name, count in current.items() if count), key=lambda x: (-x[1], x[0]))
    return [{"name": name, "count": count, "previous": previous.get(name, 0),
             "change": count - previous.get(name, 0),
             "change_rate": rate(count - previous.get(name, 0), previous.get(name, 0))["value"]}
            for name, count in ranked[:n]]


def _ordered(counter: Counter, keys: Iterable[str] | None = None) -> dict:
    if keys is not None:
        return {k: counter.get(k, 0) for k in keys} | {k: v for k, v in counter.items() if k not in keys and v}
    return dict(sorted(((k, v) for k, v in counter.items() if v), key=lambda x: (-x[1], x[0])))


def summarise(t: Tally) -> dict:
    """The report's figures (plain JSON: it is what a submitted report freezes)."""
    days = t.handling_days
    return {
        "new": t.new, "closed": t.closed, "open_at_end": t.open_at_end, "carried_over": t.carried_over,
        "register": sum(t.kinds.values()), "crises": t.crises,
        "passed_on": _ordered(t.passed_on, [str(s) for s in PASSED_ON_ORDER]),
        "by_kind": _ordered(t.kinds, [str(k) for k in Kind]),
        "by_grade": _ordered(t.grades, [str(g) for g in Grade]),
        "by_category": _ordered(t.categories), "by_channel": _ordered(t.channels),
        "by_department": _ordered(t.departments),
        "response_rate": rate(t.reply_on_time, t.reply_due),
        "completion_rate": rate(t.completion_on_time, t.completion_due),
        "satisfaction_rate": rate(t.satisfied, t.revisits),
        "repeat_rate": rate(t.repeats, t.new),
        "handling": {"count": len(days), "mean_days": statistics.fmean(days) if days else None,
                     "median_days": statistics.median(days) if days else None},
        "top_problems": top_problems(t.categories, t.previous_categories),
    }
