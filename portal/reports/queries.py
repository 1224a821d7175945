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
from zoneinfo import ZoneInfo

from peewee import JOIN, SQL, Case as When, Cast, NodeList, Value, fn

from ..complaints.models import Complaint
from ..complaints.rules import Kind, Status
from ..db import database, is_sqlite, now
from ..events import Event
from ..sla import settings
from ..sla.models import Deadline, NetworkSetting, TenantSetting
from ..tenancy.models import Category, Department
from . import rules
from .models import Report
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


def _within(column, tenant_column, spans_: Spans):
    """column inside the period of its tenant's time zone."""
    return _zoned(tenant_column, spans_, lambda b: (column >= b.start) & (column < b.end))


def _tenants(tenant_column, spans_: Spans):
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

def _population(grades=None):
    cond = (Complaint.kind == Kind.COMPLAINT) & (Complaint.status != Status.MERGED)
    return cond & Complaint.grade.in_(list(grades)) if grades else cond


def _received(tallies, spans_, grades):
    """New register entries by kind, grade, category, channel and department."""
    fields = (Complaint.tenant, Complaint.kind, Complaint.grade, Category.name, Complaint.channel, Department.name,
              Complaint.is_repeat, Complaint.crisis)
    cond = (_tenants(Complaint.tenant, spans_) & (Complaint.status != Status.MERGED)
            & _within(Complaint.received_at, Complaint.tenant, spans_))
    query = (Complaint.select(*fields, fn.COUNT(Complaint.id))
             .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .where(cond & (Complaint.grade.in_(list(grades)) if grades else cond))
             .group_by(*fields).tuples())
    for tenant, kind, grade, category, channel, department, repeat, crisis, n in query:
        t = tallies[tenant]
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
    query = (Complaint.select(tenant, count(_within(c.closed_at, tenant, spans_)), count(open_end), count(carried))
             .where(_tenants(tenant, spans_) & _population(grades) & ends & (c.closed_at.is_null() | started))
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
             .where(_tenants(Complaint.tenant, spans_) & _population(grades)
                    & Complaint.status.in_(list(rules.CLOSING_STATES))
                    & _within(Complaint.closed_at, Complaint.tenant, spans_)))
    pairs = defaultdict(list)
    for tenant, received, closed in database.execute(query).fetchall():  # the driver's rows: no per-row model work
        pairs[tenant].append((received, closed))
    for tenant, rows in pairs.items():
        tallies[tenant].handling_days.extend(rules.handling_days_many(cals[tenant], rows))


def _deadline_rates(tallies, spans_, grades, as_of):
    """Reply and completion deadlines that fell due in the period, and how many were met on time."""
    due_in = _within(Deadline.due_at, Deadline.tenant, spans_) & (Deadline.met_at.is_null(False) | (Deadline.due_at < as_of))
    met_paused = Deadline.due_at.is_null() & _within(Deadline.met_at, Deadline.tenant, spans_)
    on_time = fn.SUM(When(None, [(Deadline.met_at.is_null(False) & (Deadline.on_time == True), 1)], 0))  # noqa: E712
    query = (Deadline.select(Deadline.tenant, Deadline.kind, fn.COUNT(Deadline.id), on_time)
             .join(Complaint, on=(Deadline.complaint == Complaint.id))
             .where(_tenants(Deadline.tenant, spans_) & Deadline.kind.in_(rules.KPI_DEADLINES) & _population(grades)
                    & (due_in | met_paused))
             .group_by(Deadline.tenant, Deadline.kind).tuples())
    for tenant, kind, due, good in query:
        setattr(tallies[tenant], f"{kind}_due", due)
        setattr(tallies[tenant], f"{kind}_on_time", int(good or 0))


def _json_text(column, key: str):
    if is_sqlite():
        return fn.json_extract(column, f"$.{key}")
    return fn.json_extract_path_text(Cast(column, "json"), key)


def _revisits(tallies, spans_, grades):
    """Revisits recorded in the period (the revisit step of the process), by satisfaction."""
    satisfaction = _json_text(Event.data, "satisfaction")
    query = (Event.select(Event.tenant, satisfaction, fn.COUNT(Event.id))
             .where(_tenants(Event.tenant, spans_) & (Event.kind == "complaint.moved")
                    & (Event.subject_type == "complaint") & _within(Event.at, Event.tenant, spans_)
                    & NodeList((Event.data, SQL("LIKE"), Value('%"move": "revisit"%')))  # cheap; most moves aren't
                    & (_json_text(Event.data, "move") == "revisit")))
    if grades:  # only the quarterly analyses need the complaint (for its grade)
        query = query.join(Complaint, on=(Complaint.id == Event.subject_id)).where(_population(grades))
    for tenant, answer, n in query.group_by(SQL("1"), SQL("2")).tuples():
        tallies[tenant].revisits += n
        tallies[tenant].satisfied += n if answer in rules.SATISFIED else 0


def _previous_categories(tallies, spans_, grades):
    query = (Complaint.select(Complaint.tenant, Category.name, fn.COUNT(Complaint.id))
             .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .where(_tenants(Complaint.tenant, spans_) & _population(grades)
                    & _within(Complaint.received_at, Complaint.tenant, spans_))
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


# --- the rest of the report ------------------------------------------------------------------------

def trend(tenants, period: Period) -> list[dict]:
    """New and closed complaints in each of the last twelve months (two queries)."""
    months = rules.trailing_months(period)
    per_month = [spans(tenants, m) for m in months]

    def bucket(column):
        whens = [(_within(column, Complaint.tenant, s), i) for i, s in enumerate(per_month)]
        return When(None, whens, -1)

    def count(column):
        b = bucket(column)
        window = _within(column, Complaint.tenant, [(ids, Bounds(b0.start, bn.end)) for (ids, b0), (_, bn)
                                                    in zip(per_month[0], per_month[-1])])
        rows = (Complaint.select(b, fn.COUNT(Complaint.id))
                .where(_tenants(Complaint.tenant, per_month[0]) & _population() & window)
                .group_by(SQL("1")).tuples())
        return dict(rows)
    new, closed = count(Complaint.received_at), count(Complaint.closed_at)
    return [{"period": m.label, "new": new.get(i, 0), "closed": closed.get(i, 0)} for i, m in enumerate(months)]


def local(t: datetime.datetime | None, zone: str) -> str:
    if t is None:
        return ""
    return t.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def overdue(tenant, period: Period, as_of=None, grades=None) -> list[dict]:
    """Deadlines of the period that were missed (late or still unmet), earliest first."""
    as_of = as_of or now()
    s = spans([tenant], period)
    counted = (_within(Deadline.due_at, Deadline.tenant, s) & (Deadline.met_at.is_null(False) | (Deadline.due_at < as_of))
               | Deadline.due_at.is_null() & _within(Deadline.met_at, Deadline.tenant, s))
    missed = Deadline.met_at.is_null() | (Deadline.on_time != True)  # noqa: E712
    query = (Deadline.select(Deadline.kind, Deadline.due_at, Deadline.met_at, Complaint.id, Complaint.number,
                             Complaint.grade, Department.name)
             .join(Complaint, on=(Deadline.complaint == Complaint.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .where(Deadline.kind.in_(rules.KPI_DEADLINES) & _population(grades) & counted & missed)
             .order_by(Deadline.due_at, Deadline.id).limit(LIST_CAP).tuples())
    return [{"kind": kind, "due": local(due, tenant.timezone), "met": local(met, tenant.timezone), "id": cid,
             "number": number, "grade": grade, "department": department or ""}
            for kind, due, met, cid, number, grade, department in query]


def notable(tenant, period: Period) -> list[dict]:
    """Crises and major complaints received in the period."""
    query = (Complaint.select(Complaint.id, Complaint.number, Complaint.grade, Complaint.crisis, Complaint.status,
                              Complaint.received_at)
             .where(_population() & _within(Complaint.received_at, Complaint.tenant, spans([tenant], period))
                    & ((Complaint.crisis == True) | (Complaint.grade == "major")))  # noqa: E712
             .order_by(Complaint.received_at).limit(LIST_CAP).tuples())
    return [{"id": cid, "number": number, "grade": grade, "crisis": bool(crisis), "status": status,
             "received": local(received, tenant.timezone)} for cid, number, grade, crisis, status, received in query]


def event_counts(tenants, period: Period) -> dict:
    """Supervision orders, warnings, upgrades and crises recorded in the period, by event kind."""
    rows = (Event.select(Event.kind, fn.COUNT(Event.id))
            .where(_tenants(Event.tenant, spans(tenants, period)) & Event.kind.in_(COUNTED_EVENTS)
                   & _within(Event.at, Event.tenant, spans(tenants, period)))
            .group_by(Event.kind).tuples())
    found = dict(rows)
    return {kind: found.get(kind, 0) for kind in COUNTED_EVENTS}


def monthly(tenant, period: Period) -> dict:
    """Everything the monthly report shows (and freezes when submitted): about ten queries."""
    t = tallies([tenant], period)[tenant.id]
    return {"kind": "monthly", "period": period.label, "tenant": tenant.name, "generated_at": local(now(), tenant.timezone),
            "figures": rules.summarise(t), "trend": trend([tenant], period),
            "overdue": overdue(tenant, period), "notable": notable(tenant, period),
            "events": event_counts([tenant], period)}


def quarterly(tenant, period: Period, group: str) -> dict:
    """One quarterly analysis: general complaints, or hot and important ones."""
    grades = rules.GROUPS[group]
    t = tallies([tenant], period, grades=grades)[tenant.id]
    return {"kind": group, "period": period.label, "tenant": tenant.name, "generated_at": local(now(), tenant.timezone),
            "figures": rules.summarise(t), "overdue": overdue(tenant, period, grades=grades),
            "complaints": complaint_list(tenant, period, grades)}


def complaint_list(tenant, period: Period, grades=None, cap: int = 200) -> list[dict]:
    """The period's complaints of these grades (capped), for the quarterly analysis."""
    query = (Complaint.select(Complaint.id, Complaint.number, Complaint.grade, Complaint.status, Category.name,
                              Department.name, Complaint.received_at, Complaint.closed_at, Complaint.description)
             .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .where(_population(grades) & _within(Complaint.received_at, Complaint.tenant, spans([tenant], period)))
             .order_by(Complaint.received_at).limit(cap).tuples())
    z = tenant.timezone
    return [{"id": cid, "number": number, "grade": grade, "status": status, "category": category or "",
             "department": department or "", "received": local(received, z), "closed": local(closed, z),
             "summary": (description or "")[:80]}
            for cid, number, grade, status, category, department, received, closed, description in query]


def hq_monthly(tenants, period: Period) -> dict:
    """The network's month: consolidated figures and one row per tenant (GROUP BY tenant)."""
    tenants = list(tenants)
    per_tenant = tallies(tenants, period)
    total = sum(per_tenant.values(), Tally())
    reports = {r.tenant_id: r for r in Report.select(Report.id, Report.tenant, Report.status, Report.submitted_at)
               .where((Report.kind == "monthly") & (Report.period == period.label))}
    rows = [{"tenant": t, "figures": rules.summarise(per_tenant[t.id]), "report": reports.get(t.id)} for t in tenants]
    names = {t.id: t.name for t in tenants}
    b = period.bounds(tenants[0].timezone if tenants else "Asia/Shanghai")
    others = [{"report": r, "tenant": names.get(r.tenant_id, "")} for r in Report.select(
        Report.id, Report.tenant, Report.kind, Report.period, Report.submitted_at).where(
        (Report.kind != "monthly") & (Report.status == "submitted") & (Report.submitted_at >= b.start)
        & (Report.submitted_at < b.end)).order_by(Report.submitted_at).limit(LIST_CAP)]
    return {"figures": rules.summarise(total), "trend": trend(tenants, period) if tenants else [],
            "events": event_counts(tenants, period) if tenants else {}, "rows": rows, "others": others}


def major(complaint) -> dict:
    """The individual analysis of one major complaint: its facts, deadlines, plans and steps."""
    from ..complaints.models import Customer, Plan
    from ..privacy import mask_name, mask_phone
    tenant = complaint.tenant
    z = tenant.timezone
    c = (Complaint.select(Complaint, Customer, Category, Department)
         .join(Customer, on=(Complaint.customer == Customer.id))
         .join_from(Complaint, Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
         .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
         .where(Complaint.id == complaint.id).get())
    deadlines = [{"kind": d.kind, "started": local(d.started_at, z), "due": local(d.due_at, z),
                  "met": local(d.met_at, z), "on_time": d.on_time}
                 for d in Deadline.select().where(Deadline.complaint == c.id).order_by(Deadline.id)]
    steps = [{"kind": e.kind, "at": local(e.at, z), "by": e.actor_label, "move": (e.loaded("data") or {}).get("move", ""),
              "satisfaction": (e.loaded("data") or {}).get("satisfaction", "")}
             for e in Event.select().where((Event.subject_type == "complaint") & (Event.subject_id == c.id)
                                           & Event.kind.in_(MAJOR_STEPS)).order_by(Event.id)]
    plans = [{"cause": p.cause, "solution": p.solution, "agreed": p.agreed, "opinion": p.customer_opinion or "",
              "proposed": local(p.proposed_at, z)}
             for p in Plan.select().where(Plan.complaint == c.id).order_by(Plan.id)]
    days = rules.handling_days(settings.calendar_for(tenant))(c.received_at, c.closed_at) if c.closed_at else None
    subject = " ".join(x for x in (c.vehicle_model, c.plate, c.project, c.building, c.unit) if x)
    return {"kind": "major", "period": str(c.id), "tenant": tenant.name, "generated_at": local(now(), z),
            "complaint": {"id": c.id, "number": c.number, "grade": c.grade, "crisis": c.crisis, "status": c.status,
                          "channel": c.channel, "category": c.category.name if c.category else "",
                          "department": c.department.name if c.department else "",
                          "customer": mask_name(c.customer.name), "phone": mask_phone(c.customer.phone),
                          "subject": subject, "description": c.description, "request": c.customer_request,
                          "complainants": c.complainants, "received": local(c.received_at, z),
                          "closed": local(c.closed_at, z), "reopened": c.reopen_count, "handling_days": days},
            "deadlines": deadlines, "steps": steps, "plans": plans}


MAJOR_STEPS = ("complaint.received", "complaint.moved", "complaint.assigned", "grade.raised", "grade.lowered",
               "flags.changed", "clock.paused", "clock.resumed", "deadline.overdue", "crisis.declared",
               "supervision.issued", "hq_report.submitted")


def document(tenant, kind: str, period: str, complaint=None) -> dict:
    """The figures of one report, as its page shows them and its snapshot freezes them."""
    if kind == "monthly":
        return monthly(tenant, Period.parse(period))
    if kind in rules.GROUPS:
        return quarterly(tenant, Period.parse(period), kind)
    if kind == "major" and complaint is not None:
        return major(complaint)
    raise ValueError(f"unknown report {kind!r}")


def export_rows(tenant, period: Period):
    """The period's register entries (duplicates left out) for the exports, oldest first, streamed."""
    return (Complaint.select(Complaint.number, Complaint.kind, Complaint.channel, Complaint.grade, Category.name,
                             Department.name, Complaint.status, Complaint.received_at, Complaint.closed_at,
                             Complaint.is_repeat, Complaint.reopen_count, Complaint.crisis, Complaint.description)
            .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
            .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
            .where((Complaint.status != Status.MERGED)
                   & _within(Complaint.received_at, Complaint.tenant, spans([tenant], period)))
            .order_by(Complaint.received_at, Complaint.id).tuples().iterator())
