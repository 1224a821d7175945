"""Reads of the case library: search (own cases and the network's shared ones), drafts from a complaint."""
from flask_babel import gettext as _
from peewee import JOIN, fn

from .. import scope
from ..complaints.forms import CHANNEL_LABELS, SATISFACTION_LABELS
from ..complaints.models import Complaint, Customer, Plan
from ..complaints.rules import CLOSED_STATES, Status
from ..events import Event
from ..sla.models import Deadline, DeadlineKind
from ..tenancy.models import Category, Tenant
from . import rules
from .models import Case, CaseGram

RESULTS_CAP = 50
WRITABLE = frozenset({Status.CLOSED, Status.CLOSED_INVALID})


def search(q: str, *, tenant=None, network=None, limit: int = RESULTS_CAP):
    """(cases, terms): a tenant's own cases and the network's shared ones, or (HQ) all shared cases.

    Two queries: the bigram match with the exact-text check, then nothing per row.
    """
    words = rules.terms(q)
    network_id = tenant.network_id if tenant is not None else network.id
    with scope.scoped(scope.Scope(network_id=network_id)):  # a tenant reads the network's shared cases too
        query = (Case.select(Case, Category.name.alias("category_name"), Tenant.name.alias("tenant_name"))
                 .join(Category, JOIN.LEFT_OUTER, on=(Case.category == Category.id))
                 .join_from(Case, Tenant, on=(Case.tenant == Tenant.id)))
        query = query.where(((Case.tenant == tenant.id) | Case.shared) if tenant is not None else Case.shared)
        grams = rules.query_grams(words)
        if grams:
            matching = (CaseGram.select(CaseGram.case).where(CaseGram.gram.in_(sorted(grams)))
                        .group_by(CaseGram.case).having(fn.COUNT(fn.DISTINCT(CaseGram.gram)) == len(grams)))
            query = query.where(Case.id.in_(matching))
        for word in words:
            query = query.where(Case.search_text.contains(word))
        rows = list(query.order_by(Case.featured.desc(), Case.id.desc()).limit(limit).objects())
    return rows, words


def get_readable(case_id, tenant):
    """A case the tenant may read: its own, or one another tenant shared with the network; else None."""
    with scope.scoped(scope.Scope(network_id=tenant.network_id)):
        return (Case.select(Case, Tenant.name.alias("tenant_name")).join(Tenant, on=(Case.tenant == Tenant.id))
                .where((Case.id == case_id) & ((Case.tenant == tenant.id) | Case.shared)).objects().first())


def case_of(complaint):
    return Case.select().where(Case.complaint == complaint.id).first()


def can_write_up(complaint) -> bool:
    """A closed complaint, or a crisis whose case is due (the week runs from implementation)."""
    if complaint.status in WRITABLE:
        return True
    return complaint.crisis and complaint.status not in CLOSED_STATES and Deadline.select().where(
        (Deadline.complaint == complaint.id) & (Deadline.kind == DeadlineKind.CASE_WRITEUP)
        & Deadline.met_at.is_null()).exists()


def waiting(limit: int = 20) -> dict:
    """Crisis cases due (the case write-up clock runs) and recently closed complaints not yet written up."""
    due = list(Deadline.select(Deadline, Complaint).join(Complaint, on=(Deadline.complaint == Complaint.id))
               .where((Deadline.kind == DeadlineKind.CASE_WRITEUP) & Deadline.met_at.is_null())
               .order_by(Deadline.due_at).limit(limit))
    closed = list(Complaint.select(Complaint.id, Complaint.number, Complaint.grade, Complaint.crisis,
                                   Complaint.closed_at, Complaint.description)
                  .join(Case, JOIN.LEFT_OUTER, on=(Case.complaint == Complaint.id))
                  .where(Complaint.status.in_(list(WRITABLE)) & Case.id.is_null() & (Complaint.kind == "complaint"))
                  .order_by(Complaint.closed_at.desc()).limit(limit))
    return {"due": due, "closed": closed}


def identifiers(complaint) -> dict:
    """The customer's personal data to mask wherever it appears in the case."""
    customer = Customer.get_by_id(complaint.customer_id)
    return {"names": [customer.name], "phones": [customer.phone], "emails": [customer.email or ""],
            "addresses": [customer.address or ""], "plates": [complaint.plate or ""], "vins": [complaint.vin or ""]}


def draft_from(complaint) -> dict:
    """The five sections pre-filled from the complaint's history, the customer's data already masked."""
    moves = {}
    for e in (Event.select().where((Event.subject_type == "complaint") & (Event.subject_id == complaint.id)
                                   & (Event.kind == "complaint.moved")).order_by(Event.id)):
        data = e.loaded("data") or {}
        moves.setdefault(data.get("move"), []).append(data)
    plans = list(Plan.select().where(Plan.complaint == complaint.id).order_by(Plan.id))
    category = Category.get_or_none(Category.id == complaint.category_id) if complaint.category_id else None
    subject = " ".join(x for x in (complaint.vehicle_model, complaint.project, complaint.building) if x)
    scenario = [_("%(date)s, by %(channel)s%(subject)s:", date=complaint.received_at.strftime("%Y-%m-%d"),
                  channel=CHANNEL_LABELS.get(complaint.channel, complaint.channel),
                  subject=f" ({subject})" if subject else ""), complaint.description]
    if complaint.customer_request:
        scenario.append(_("The customer asked for: %(request)s", request=complaint.customer_request))
    cause = [d.get("findings", "") for d in moves.get("transfer", []) + moves.get("close_invalid", [])]
    cause += [p.cause for p in plans]
    handling = [_("Plan: %(solution)s", solution=p.solution) for p in plans]
    handling += [_("Customer: %(opinion)s", opinion=p.customer_opinion) for p in plans if p.customer_opinion]
    handling += [_("Done: %(summary)s", summary=d.get("summary", "")) for d in moves.get("implement", [])]
    handling += [_("Revisit: %(answer)s", answer=SATISFACTION_LABELS.get(d.get("satisfaction"), d.get("satisfaction")))
                 for d in moves.get("revisit", [])]
    known = identifiers(complaint)
    sections = {"scenario": "\n".join(scenario), "cause": "\n".join(x for x in cause if x),
                "practice": "", "handling": "\n".join(handling), "improvements": ""}
    title = f"{category.name}：" if category else ""
    return {"title": rules.scrub(title + (complaint.description.splitlines() or [""])[0][:40], **known),
            "category": complaint.category_id or 0, "grade": complaint.grade, "tags": "",
            **{k: rules.scrub(v, **known) for k, v in sections.items()}}
