"""Working time between many pairs of moments, fast: the handling time of a month's complaints. Pure.

`portal.sla.calendar.working_seconds_between` walks the days between two moments; a report asks
for 100k pairs, so here the working periods of the days concerned are laid out once as sorted
arrays and each moment costs one binary search.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import date, datetime

from ..sla.calendar import BusinessCalendar, _periods

EPOCH = datetime(1970, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()


def epoch_seconds(t: datetime) -> float:
    """A naive UTC moment as seconds since 1970 (what the SQL hands over for many rows)."""
    return (t - EPOCH).total_seconds()


class WorkingTime:
    """Working seconds between many pairs of moments, as `working_seconds_between` counts them.

    Fast enough for a month of 100k complaints: the working periods of the days concerned are laid
    out once as sorted arrays, with the working time before each, so a moment costs one binary
    search. Moments are seconds since 1970 (floats, so exact to about a microsecond).
    """

    def __init__(self, cal: BusinessCalendar):
        self.cal = cal
        self._lo = self._hi = None  # the UTC days covered (day numbers since 1970)
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._before: list[float] = []  # working time before each period, from the first one

    def _cover(self, day: int) -> None:
        if self._lo is not None and self._lo <= day <= self._hi:
            return
        if self._lo is None:
            lo, hi = day - 45, day + 45
        else:  # grow by at least the covered span, so covering many far-apart moments stays cheap
            span = self._hi - self._lo
            lo, hi = min(self._lo, day - span), max(self._hi, day + span)
        starts, ends, before, total = [], [], [], 0.0
        for n in range(lo - 1, hi + 2):  # local dates around the UTC days (no zone is a day off UTC)
            for s, e in _periods(self.cal, date.fromordinal(EPOCH_ORDINAL + n)):
                starts.append(epoch_seconds(s))
                ends.append(epoch_seconds(e))
                before.append(total)
                total += ends[-1] - starts[-1]
        self._lo, self._hi, self._starts, self._ends, self._before = lo, hi, starts, ends, before

    def upto(self, x: float) -> float:
        """Working seconds from the start of the covered span to moment `x` (seconds since 1970)."""
        self._cover(int(x // 86400))
        i = bisect_right(self._starts, x) - 1
        return 0.0 if i < 0 else self._before[i] + min(x, self._ends[i]) - self._starts[i]

    def between(self, a: float, b: float) -> float:
        """Working seconds from `a` to `b` (seconds since 1970), 0 when `b` is not after `a`."""
        return self.many([(a, b)])[0]

    def many(self, pairs) -> list[float]:
        """`between` for many (a, b) pairs at once: the loop a report runs 100k times, kept lean."""
        pairs = pairs if isinstance(pairs, list) else list(pairs)
        if not pairs:
            return []
        self._cover(int(min(a for a, _ in pairs) // 86400))
        self._cover(int(max(b for _, b in pairs) // 86400))
        starts, ends, before, find = self._starts, self._ends, self._before, bisect_right
        out = []
        for a, b in pairs:
            if b <= a:
                out.append(0.0)
                continue
            i, j = find(starts, a) - 1, find(starts, b) - 1
            wa = before[i] + (a if a < ends[i] else ends[i]) - starts[i] if i >= 0 else 0.0
            wb = before[j] + (b if b < ends[j] else ends[j]) - starts[j] if j >= 0 else 0.0
            out.append(wb - wa)
        return out

    def seconds(self, a: datetime, b: datetime) -> float:
        """Working seconds from `a` to `b` (naive UTC), 0 when `b` is not after `a`."""
        return self.between(epoch_seconds(a), epoch_seconds(b))


def day_seconds(cal: BusinessCalendar) -> float:
    """The length of the tenant's usual working day in seconds (lunch break left out)."""
    def span(a, b):
        return (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()
    lunch = span(cal.lunch_start, cal.lunch_end) if cal.lunch_start else 0.0
    return span(cal.work_start, cal.work_end) - lunch


def handling_days(cal: BusinessCalendar) -> Callable[[datetime, datetime], float]:
    """received, closed -> working days between them in this calendar."""
    clock, length = WorkingTime(cal), day_seconds(cal)
    return lambda received, closed: clock.seconds(received, closed) / length


def handling_days_many(cal: BusinessCalendar, pairs: list[tuple[float, float]], clock: WorkingTime | None = None
                       ) -> list[float]:
    """Working days of many (received, closed) pairs given as seconds since 1970 (`clock`: one to reuse)."""
    length = day_seconds(cal)
    return [s / length for s in (clock or WorkingTime(cal)).many(pairs)]
