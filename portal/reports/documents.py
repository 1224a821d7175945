"""The report documents: what each report page shows and a submitted report freezes.

A document is plain JSON (moments already written in the tenant's time zone), so the page can be
drawn the same way from live figures and from a snapshot taken months ago.
"""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

from ..complaints.models import Complaint
from ..complaints.rules import ELSEWHERE
from ..db import now
from ..events import Event
from ..i18n import DEFAULT_TZ
from ..sla import settings
from ..sla.models import Deadline
from ..tenancy.models import Category, Department
from . import rules, store, worktime
from .models import Report
from .queries import COUNTED_EVENTS, LIST_CAP, calendars, only, population, spans, tallies, within
from .rules import Period, Tally


def local(t: datetime.datetime | None, zone: str) -> str:
    if t is None:
        return ""
    return t.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def overdue(tenant, period: Period, as_of=None, grades=None) -> list[dict]:
    """Deadlines of the period that were missed (late or still unmet), earliest first."""
    as_of = as_of or now()
    s = spans([tenant], period)
    decided = Deadline.met_at.is_null(False) | (Deadline.due_at < as_of)
    counted = (within(Deadline.due_at, Deadline.tenant, s) & decided
               | Deadline.due_at.is_null() & within(Deadline.met_at, Deadline.tenant, s))
    missed = Deadline.met_at.is_null() | (Deadline.on_time != True)  # noqa: E712
    query = (Deadline.select(Deadline.kind, Deadline.due_at, Deadline.met_at, Complaint.id, Complaint.number,
                             Complaint.grade, Department.name)
             .join(Complaint, on=(Deadline.complaint == Complaint.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .where(Deadline.kind.in_(rules.KPI_DEADLINES) & population(grades) & counted & missed)
             .order_by(Deadline.due_at, Deadline.id).limit(LIST_CAP).tuples())
    return [{"kind": kind, "due": local(due, tenant.timezone), "met": local(met, tenant.timezone), "id": cid,
             "number": number, "grade": grade, "department": department or ""}
            for kind, due, met, cid, number, grade, department in query]


def notable(tenant, period: Period) -> list[dict]:
    """Crises and major complaints received in the period."""
    query = (Complaint.select(Complaint.id, Complaint.number, Complaint.grade, Complaint.crisis, Complaint.status,
                              Complaint.received_at)
             .where(population() & within(Complaint.received_at, Complaint.tenant, spans([tenant], period))
                    & ((Complaint.crisis == True) | (Complaint.grade == "major")))  # noqa: E712
             .order_by(Complaint.received_at).limit(LIST_CAP).tuples())
    return [{"id": cid, "number": number, "grade": grade, "crisis": bool(crisis), "status": status,
             "received": local(received, tenant.timezone)} for cid, number, grade, crisis, status, received in query]


def event_counts(tenants, period: Period) -> dict:
    """Supervision orders, warnings, upgrades and crises recorded in the period, by event kind."""
    rows = (Event.select(Event.kind, fn.COUNT(Event.id))
            .where(only(Event.tenant, spans(tenants, period)) & Event.kind.in_(COUNTED_EVENTS)
                   & within(Event.at, Event.tenant, spans(tenants, period)))
            .group_by(Event.kind).tuples())
    found = dict(rows)
    return {kind: found.get(kind, 0) for kind in COUNTED_EVENTS}


def monthly(tenant, period: Period, fresh: bool = True) -> dict:
    """Everything the monthly report shows (and freezes when submitted): from the stored months, but the
    event counts. The page passes fresh=False: months changed since they were computed are shown as stored,
    `stale_as_of` says when they were computed, and the worker recomputes them (see `store.months`)."""
    cals, stale = calendars([tenant]), None if fresh else {}
    t, lists = store.month(tenant, period, cals, lambda: {"overdue": overdue(tenant, period),
                                                           "notable": notable(tenant, period)}, stale=stale)
    doc = {"kind": "monthly", "period": period.label, "tenant": tenant.name,
           "generated_at": local(now(), tenant.timezone),
           "figures": rules.summarise(t), "trend": store.trend([tenant], period, cals, stale=stale), **lists,
           "events": event_counts([tenant], period)}
    return doc | _catching_up(stale, tenant.timezone)


def _catching_up(stale: dict | None, zone: str) -> dict:
    """A page's note on stored months shown although changed since (their recompute is asked of the worker)."""
    if not stale:
        return {}
    store.ask_catch_up(stale)
    return {"stale_as_of": local(min(stale.values()), zone)}


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
             .where(population(grades) & within(Complaint.received_at, Complaint.tenant, spans([tenant], period)))
             .order_by(Complaint.received_at).limit(cap).tuples())
    z = tenant.timezone
    return [{"id": cid, "number": number, "grade": grade, "status": status, "category": category or "",
             "department": department or "", "received": local(received, z), "closed": local(closed, z),
             "summary": (description or "")[:80]}
            for cid, number, grade, status, category, department, received, closed, description in query]


def hq_monthly(tenants, period: Period, fresh: bool = True) -> dict:
    """The network's month: consolidated figures and one row per tenant (GROUP BY tenant). The page passes
    fresh=False, as the tenant's page does (`monthly`): a row shown from a month computed before a change
    carries `stale_as_of`."""
    tenants = list(tenants)
    cals, stale = calendars(tenants) if tenants else {}, None if fresh else {}
    per_tenant = store.tallies(tenants, period, cals, stale=stale) if tenants else {}
    total = Tally.total(per_tenant.values())
    reports = {r.tenant_id: r for r in Report.select(Report.id, Report.tenant, Report.status, Report.submitted_at)
               .where((Report.kind == "monthly") & (Report.period == period.label))}
    rows = [{"tenant": t, "figures": rules.summarise(per_tenant[t.id]), "report": reports.get(t.id),
             "stale_as_of": local(stale[t.id, period.label], t.timezone) if stale and (t.id, period.label) in stale
             else ""} for t in tenants]
    names = {t.id: t.name for t in tenants}
    b = period.bounds(tenants[0].timezone if tenants else "Asia/Shanghai")
    others = [{"report": r, "tenant": names.get(r.tenant_id, "")} for r in Report.select(
        Report.id, Report.tenant, Report.kind, Report.period, Report.submitted_at).where(
        (Report.kind != "monthly") & (Report.status == "submitted") & (Report.submitted_at >= b.start)
        & (Report.submitted_at < b.end)).order_by(Report.submitted_at).limit(LIST_CAP)]
    doc = {"figures": rules.summarise(total), "trend": store.trend(tenants, period, cals, stale=stale),
           "events": event_counts(tenants, period) if tenants else {}, "rows": rows, "others": others}
    return doc | _catching_up(stale, DEFAULT_TZ)


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
    steps = [{"kind": e.kind, "at": local(e.at, z), "by": e.actor_label, "move": data.get("move", ""),
              "satisfaction": data.get("satisfaction", "")}
             for e in Event.select().where((Event.subject_type == "complaint") & (Event.subject_id == c.id)
                                           & Event.kind.in_(MAJOR_STEPS)).order_by(Event.id)
             for data in [e.loaded("data") or {}]]
    plans = [{"cause": p.cause, "solution": p.solution, "agreed": p.agreed, "opinion": p.customer_opinion or "",
              "proposed": local(p.proposed_at, z)}
             for p in Plan.select().where(Plan.complaint == c.id).order_by(Plan.id)]
    days = worktime.handling_days(settings.calendar_for(tenant))(c.received_at, c.closed_at) if c.closed_at else None
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


def document(tenant, kind: str, period: str, complaint=None, fresh: bool = True) -> dict:
    """The figures of one report, as its page shows them (fresh=False: see `monthly`), and as its exports and
    its snapshot take them (fresh)."""
    if kind == "monthly":
        return monthly(tenant, Period.parse(period), fresh)
    if kind in rules.GROUPS:
        return quarterly(tenant, Period.parse(period), kind)
    if kind == "major" and complaint is not None:
        return major(complaint)
    raise ValueError(f"unknown report {kind!r}")


EXPORT_CHUNK = 5000  # register entries per statement of an export


def export_rows(tenant, period: Period, chunk: int = EXPORT_CHUNK):
    """The period's register entries (duplicates left out) for the exports, oldest first, `chunk` rows per
    statement (keyset on receipt and id): a 100k-complaint month is never in memory at once, on PostgreSQL
    either, whose driver would otherwise fetch the whole result before the first row."""
    query = (Complaint.select(Complaint.number, Complaint.kind, Complaint.channel, Complaint.grade, Category.name,
                              Department.name, Complaint.status, Complaint.received_at, Complaint.closed_at,
                              Complaint.is_repeat, Complaint.reopen_count, Complaint.crisis, Complaint.description,
                              Complaint.id)
             .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .where(Complaint.status.not_in(sorted(ELSEWHERE))
                    & within(Complaint.received_at, Complaint.tenant, spans([tenant], period)))
             .order_by(Complaint.received_at, Complaint.id).limit(chunk))
    page = list(query.tuples())
    while page:
        yield from (row[:-1] for row in page)
        if len(page) < chunk:
            return
        received, last = page[-1][7], page[-1][-1]
        page = list(query.where((Complaint.received_at >= received)  # where the index range starts
                                & ((Complaint.received_at > received) | (Complaint.id > last))).tuples())
