"""The report's figures from SQL: a handful of GROUP BY queries per report, for one tenant or many.

Every period is cut at midnight in each tenant's own time zone, so an HQ report over tenants in
several zones compares the same local months. The sums go into `rules.Tally` (the same tally
`rules.tally_rows` makes from plain rows) and `rules.summarise` turns them into the figures.
"""
from __future__ import annotations

import datetime
import functools
import json
import operator
from collections import defaultdict

from peewee import JOIN, SQL, Case as When, Cast, NodeList, Value, fn

from ..complaints.models import Complaint
from ..complaints.rules import ELSEWHERE, PASSED_ON, Kind, Status
from ..db import database, is_sqlite, now
from ..events import Event
from ..sla import settings
from ..sla.models import Deadline, NetworkSetting, TenantSetting
from ..tenancy.models import Category, Department
from . import rules, worktime
from .rules import Bounds, Period, Tally

LIST_CAP = 50
# Events counted on the report; other areas add their kinds to the event log, so by their text.
COUNTED_EVENTS = ("supervision.issued", "supervision.warning", "early_warning.raised", "deadline.overdue",
                  "grade.raised", "crisis.declared", "hq_report.submitted")
Spans = list[tuple[list[int], Bounds]]


# --- periods per time zone and calendars ----------------------------------------------------------

def spans(tenants, period: Period) -> Spans:
    """(tenant ids, bounds) per time zone among the tenants."""
    zones = defaultdict(list)
    for t in tenants:
        zones[t.timezone].append(t.id)
    return [(ids, period.bounds(zone)) for zone, ids in sorted(zones.items())]


def _zoned(tenant_column, spans_: Spans, make):
    """`make(bounds)` for each time zone's tenants; with one zone (the usual case) no per-row tenant test."""
    if len(spans_) == 1:
        return make(spans_[0][1])
    return functools.reduce(operator.or_, [tenant_column.in_(ids) & make(b) for ids, b in spans_])


def within(column, tenant_column, spans_: Spans):
    """column inside the period of its tenant's time zone."""
    return _zoned(tenant_column, spans_, lambda b: (column >= b.start) & (column < b.end))


def only(tenant_column, spans_: Spans):
    """Only these tenants (the scope may hold more: HQ leaves suspended tenants out)."""
    ids = [i for group, _ in spans_ for i in group]
    return tenant_column == ids[0] if len(ids) == 1 else tenant_column.in_(ids)


def calendars(tenants) -> dict:
    """Each tenant's business calendar, in two queries however many tenants."""
    tenants = list(tenants)
    if len(tenants) == 1:
        return {tenants[0].id: settings.calendar_for(tenants[0])}
    nets = {s.network_id: json.loads(s.value) for s in NetworkSetting.select().where(
        NetworkSetting.network.in_({t.network_id for t in tenants}) & (NetworkSetting.key == "calendar"))}
    own = {s.tenant_id: json.loads(s.value) for s in TenantSetting.select().where(
        TenantSetting.tenant.in_([t.id for t in tenants]) & (TenantSetting.key == "calendar"))}
    base = settings.DEFAULTS["calendar"]
    return {t.id: settings.calendar_from(settings._merge(base, nets.get(t.network_id), own.get(t.id)), t.timezone)
            for t in tenants}


# --- the tally, query by query --------------------------------------------------------------------

def population(grades=None):
    cond = (Complaint.kind == Kind.COMPLAINT) & Complaint.status.not_in(sorted(ELSEWHERE))
    return cond & Complaint.grade.in_(list(grades)) if grades else cond


def _received(tallies, spans_, grades):
    """New register entries by kind, grade, category, channel and department; those passed on by outcome."""
    passed = When(None, [(Complaint.status.in_(sorted(PASSED_ON)), Complaint.status)], "")
    fields = (Complaint.tenant, Complaint.kind, Complaint.grade, Category.name, Complaint.channel, Department.name,
              Complaint.is_repeat, Complaint.crisis, passed)
    cond = (only(Complaint.tenant, spans_) & (Complaint.status != Status.MERGED)
            & within(Complaint.received_at, Complaint.tenant, spans_))
    query = (Complaint.select(*fields, fn.COUNT(Complaint.id))
             .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .where(cond & (Complaint.grade.in_(list(grades)) if grades else cond))
             .group_by(*[SQL(str(i)) for i in range(1, len(fields) + 1)]).tuples())  # by position (`passed` binds values)
    for tenant, kind, grade, category, channel, department, repeat, crisis, passed_on, n in query:
        t = tallies[tenant]
        if passed_on:
            t.passed_on[passed_on] += n if grades is None else 0
            continue
        if grades is None:
            t.kinds[kind] += n
        if kind != Kind.COMPLAINT:
            continue
        t.new += n
        t.grades[grade] += n
        t.categories[category or ""] += n
        t.channels[channel] += n
        t.departments[department or ""] += n
        t.repeats += n if repeat else 0
        t.crises += n if crisis else 0


def _flows(tallies, spans_, grades):
    """Closed in the period, open at its end, carried over into it."""
    def count(cond):
        return fn.SUM(When(None, [(cond, 1)], 0))
    c, tenant = Complaint, Complaint.tenant
    ends = _zoned(tenant, spans_, lambda b: c.received_at < b.end)
    open_end = _zoned(tenant, spans_, lambda b: c.closed_at.is_null() | (c.closed_at >= b.end))
    carried = _zoned(tenant, spans_, lambda b: (c.received_at < b.start)
                     & (c.closed_at.is_null() | (c.closed_at >= b.start)))
    started = _zoned(tenant, spans_, lambda b: c.closed_at >= b.start)
    query = (Complaint.select(tenant, count(within(c.closed_at, tenant, spans_)), count(open_end), count(carried))
             .where(only(tenant, spans_) & population(grades) & ends & (c.closed_at.is_null() | started))
             .group_by(Complaint.tenant).tuples())
    for tenant, closed, open_at_end, carried_over in query:
        t = tallies[tenant]
        t.closed, t.open_at_end, t.carried_over = int(closed or 0), int(open_at_end or 0), int(carried_over or 0)


def _epoch(column):
    """A timestamp column as seconds since 1970, so 100k rows arrive as plain floats."""
    if is_sqlite():
        return (fn.julianday(column) - 2440587.5) * 86400.0
    return fn.date_part("epoch", column)


def _handling(tallies, spans_, grades, cals):
    """Working days from receipt to closing of the complaints closed in the period."""
    query = (Complaint.select(Complaint.tenant, _epoch(Complaint.received_at), _epoch(Complaint.closed_at))
             .where(only(Complaint.tenant, spans_) & population(grades)
                    & Complaint.status.in_(list(rules.CLOSING_STATES))
                    & within(Complaint.closed_at, Complaint.tenant, spans_)))
    pairs = defaultdict(list)
    for tenant, received, closed in database.execute(query).fetchall():  # the driver's rows: no per-row model work
        pairs[tenant].append((received, closed))
    clocks = {}  # tenants with the same calendar (most of a network) share one table of working periods
    for tenant, rows in pairs.items():
        clock = clocks.setdefault(cals[tenant], worktime.WorkingTime(cals[tenant]))
        tallies[tenant].handling_days.extend(worktime.handling_days_many(cals[tenant], rows, clock))


def _deadline_rates(tallies, spans_, grades, as_of):
    """Reply and completion deadlines that fell due in the period, and how many were met on time."""
    decided = Deadline.met_at.is_null(False) | (Deadline.due_at < as_of)
    due_in = within(Deadline.due_at, Deadline.tenant, spans_) & decided
    met_paused = Deadline.due_at.is_null() & within(Deadline.met_at, Deadline.tenant, spans_)
    on_time = fn.SUM(When(None, [(Deadline.met_at.is_null(False) & (Deadline.on_time == True), 1)], 0))  # noqa: E712
    query = (Deadline.select(Deadline.tenant, Deadline.kind, fn.COUNT(Deadline.id), on_time)
             .join(Complaint, on=(Deadline.complaint == Complaint.id))
             .where(only(Deadline.tenant, spans_) & Deadline.kind.in_(rules.KPI_DEADLINES) & population(grades)
                    & (due_in | met_paused))
             .group_by(Deadline.tenant, Deadline.kind).tuples())
    for tenant, kind, due, good in query:
        setattr(tallies[tenant], f"{kind}_due", due)
        setattr(tallies[tenant], f"{kind}_on_time", int(good or 0))


def next_due(tenants, period: Period, as_of: datetime.datetime) -> dict:
    """tenant id -> the moment the first running reply or completion deadline of the period falls due
    after `as_of`: from then on it counts in the period's rate, missed (tenants with none are left out)."""
    s = spans(tenants, period)
    if all(b.end <= as_of for _, b in s):
        return {}
    query = (Deadline.select(Deadline.tenant, fn.MIN(Deadline.due_at))
             .join(Complaint, on=(Deadline.complaint == Complaint.id))
             .where(only(Deadline.tenant, s) & Deadline.kind.in_(rules.KPI_DEADLINES) & population()
                    & Deadline.met_at.is_null() & (Deadline.due_at >= as_of)
                    & within(Deadline.due_at, Deadline.tenant, s))
             .group_by(Deadline.tenant).tuples())
    return dict(query)


def _json_text(column, key: str):
    if is_sqlite():
        return fn.json_extract(column, f"$.{key}")
    return fn.json_extract_path_text(Cast(column, "json"), key)


def _revisits(tallies, spans_, grades):
    """Revisits recorded in the period (the revisit step of the process), by satisfaction."""
    satisfaction = _json_text(Event.data, "satisfaction")
    query = (Event.select(Event.tenant, satisfaction, fn.COUNT(Event.id))
             .where(only(Event.tenant, spans_) & (Event.kind == "complaint.moved")
                    & (Event.subject_type == "complaint") & within(Event.at, Event.tenant, spans_)
                    & NodeList((Event.data, SQL("LIKE"), Value('%"move": "revisit"%')))  # cheap; most moves aren't
                    & (_json_text(Event.data, "move") == "revisit")))
    if grades:  # only the quarterly analyses need the complaint (for its grade)
        query = query.join(Complaint, on=(Complaint.id == Event.subject_id)).where(population(grades))
    for tenant, answer, n in query.group_by(SQL("1"), SQL("2")).tuples():
        tallies[tenant].revisits += n
        tallies[tenant].satisfied += n if answer in rules.SATISFIED else 0


def _previous_categories(tallies, spans_, grades):
    query = (Complaint.select(Complaint.tenant, Category.name, fn.COUNT(Complaint.id))
             .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .where(only(Complaint.tenant, spans_) & population(grades)
                    & within(Complaint.received_at, Complaint.tenant, spans_))
             .group_by(Complaint.tenant, Category.name).tuples())
    for tenant, category, n in query:
        tallies[tenant].previous_categories[category or ""] += n


def tallies(tenants, period: Period, as_of: datetime.datetime | None = None, grades=None, cals=None) -> dict:
    """tenant id -> Tally of the period (seven queries, whatever the number of tenants)."""
    tenants = list(tenants)
    as_of = as_of or now()
    out = {t.id: Tally() for t in tenants}
    if not tenants:
        return out
    current, previous = spans(tenants, period), spans(tenants, period.shift(-1))
    cals = cals or calendars(tenants)
    _received(out, current, grades)
    _flows(out, current, grades)
    _handling(out, current, grades, cals)
    _deadline_rates(out, current, grades, as_of)
    _revisits(out, current, grades)
    _previous_categories(out, previous, grades)
    return out
