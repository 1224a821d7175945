"""The audit log: events filtered by actor, kind, date and subject, newest first, a keyset page at a time."""
import datetime
import json
from dataclasses import dataclass

from peewee import JOIN

from .. import scope
from ..accounts.models import User
from ..complaints.models import Complaint
from ..events import Event
from ..tenancy.models import Tenant

PAGE_SIZE = 50
# Subjects whose events carry no customer data: their before/after values are shown to every auditor.
PLAIN_SUBJECTS = frozenset({"user", "role", "department", "category", "settings", "checklist", "batch", "tenant",
                            "customer", "report", "case"})


@dataclass
class AuditFilter:
    """The viewer's filters, as they appear in the URL."""

    actor: str = ""  # a user id, "customer" or "system"
    kind: str = ""
    start: datetime.date | None = None  # local dates, both included
    end: datetime.date | None = None
    subject_type: str = ""
    subject: str = ""  # a complaint number, or a subject id
    tenant: int = 0  # HQ: one tenant of the network
    own: bool = False  # HQ: only headquarters' own events (tenant empty, this network)
    after: str = ""  # the cursor: "<at ISO>_<id>" of the last row shown

    @classmethod
    def from_args(cls, args) -> "AuditFilter":
        def day(name):
            try:
                return datetime.date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None
        tenant = args.get("tenant", "")
        return cls(actor=args.get("actor", "").strip()[:20], kind=args.get("kind", "").strip()[:40],
                   start=day("start"), end=day("end"), subject_type=args.get("subject_type", "").strip()[:24],
                   subject=args.get("subject", "").strip()[:40], tenant=int(tenant) if tenant.isdigit() else 0,
                   own=tenant == "hq",
                   after=args.get("after", "")[:60])

    def args(self, **changes) -> dict:
        """The filters as URL arguments (empty ones left out), e.g. for the next page's link."""
        values = {"actor": self.actor, "kind": self.kind, "start": self.start.isoformat() if self.start else "",
                  "end": self.end.isoformat() if self.end else "", "subject_type": self.subject_type,
                  "subject": self.subject, "tenant": "hq" if self.own else self.tenant or "", "after": self.after,
                  **changes}
        return {k: v for k, v in values.items() if v}


def _utc_midnight(day: datetime.date, zone) -> datetime.datetime:
    local = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def _conditions(f: AuditFilter, zone) -> list:
    conds = []
    if f.actor in ("customer", "system"):
        conds.append(Event.actor.is_null() & (Event.actor_label == f.actor))
    elif f.actor.isdigit():
        conds.append(Event.actor == int(f.actor))
    if f.kind:
        conds.append(Event.kind == f.kind)
    if f.start:
        conds.append(Event.at >= _utc_midnight(f.start, zone))
    if f.end:
        conds.append(Event.at < _utc_midnight(f.end + datetime.timedelta(days=1), zone))
    if f.tenant:
        conds.append(Event.tenant == f.tenant)
    elif f.own:  # the network of the scope; in a tenant's scope this matches nothing
        conds.append(Event.tenant.is_null() & (Event.network == scope.current().network_id))
    if f.subject_type:
        conds.append(Event.subject_type == f.subject_type)
    if f.subject:
        if f.subject.isdigit():
            conds.append(Event.subject_id == int(f.subject))
        else:  # a complaint number (its events, not those of other subjects with the same id)
            numbered = Complaint.select(Complaint.id).where(Complaint.number == f.subject)
            conds.append((Event.subject_type == "complaint") & Event.subject_id.in_(numbered))
    return conds


def _after(query, cursor: str):
    at_text, _, last_id = cursor.rpartition("_")
    try:
        at, last_id = datetime.datetime.fromisoformat(at_text), int(last_id)
    except ValueError:
        return query
    return query.where((Event.at < at) | ((Event.at == at) & (Event.id < last_id)))


def page(f: AuditFilter, zone) -> tuple[list, str | None]:
    """One page of events (with their actor and tenant), newest first, and the cursor of the next page."""
    query = (Event.select(Event, User.email, Tenant.name.alias("tenant_name"))
             .join(User, JOIN.LEFT_OUTER, on=(Event.actor == User.id))
             .join_from(Event, Tenant, JOIN.LEFT_OUTER, on=(Event.tenant == Tenant.id)))  # none: HQ's own
    for cond in _conditions(f, zone):
        query = query.where(cond)
    if f.after:
        query = _after(query, f.after)
    rows = list(query.order_by(Event.at.desc(), Event.id.desc()).limit(PAGE_SIZE + 1).objects())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    cursor = f"{rows[-1].at.isoformat()}_{rows[-1].id}" if more and rows else None
    return rows, cursor


def changes(event, full: bool) -> list[tuple[str, object, object]]:
    """(field, before, after) of an event; for subjects that may hold customer data and a viewer who does
    not see customers in full, only the names of the fields (values None)."""
    before, after, data = (event.loaded(n) or {} for n in ("before", "after", "data"))
    before, after = (v if isinstance(v, dict) else {"value": v} for v in (before, after))
    data = data if isinstance(data, dict) else {"value": data}
    shown = full or event.subject_type in PLAIN_SUBJECTS
    rows = [(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)]
    rows += [(k, None, v) for k, v in sorted(data.items())]
    return [(k, _text(b), _text(a)) if shown else (k, None, None) for k, b, a in rows]


def _text(value):
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
