"""Finding a customer and reading everything the tenant keeps about them (all through the scoped models)."""
from dataclasses import dataclass

from .. import privacy
from ..complaints.actions import normalise_phone
from ..complaints.models import Complaint, Customer
from ..complaints.rules import CLOSED_STATES
from ..events import Event, EventKind
from ..sla import settings

SETTINGS = "privacy"
settings.register_defaults(SETTINGS, {"retention_months": privacy.DEFAULT_RETENTION_MONTHS})
SEARCH_LIMIT = 20


def search(q: str) -> list:
    """Customers by full phone number, by name, or by the number of one of their complaints."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    digits = normalise_phone(q)
    by_number = Complaint.select(Complaint.customer).where(Complaint.number == q)
    cond = (Customer.name == q) | Customer.id.in_(by_number)
    if len(digits) >= 7:
        cond |= Customer.phone == digits
    return list(Customer.select().where(cond & Customer.erased_at.is_null()).order_by(Customer.id.desc())
                .limit(SEARCH_LIMIT))


@dataclass
class Retention:
    """Where one customer stands: their complaints, the open ones, and when they may be erased."""

    complaints: list
    open_count: int
    last_closed: object
    months: int
    ends: object
    refusal: str | None  # "open", "retention", "erased" or None (erasure allowed)


def retention(customer, tenant, at) -> Retention:
    complaints = list(Complaint.select(Complaint.id, Complaint.number, Complaint.kind, Complaint.status,
                                       Complaint.grade, Complaint.received_at, Complaint.closed_at)
                      .where(Complaint.customer == customer.id).order_by(Complaint.id.desc()))
    closed = [c.closed_at or c.received_at for c in complaints if c.status in CLOSED_STATES]
    open_count = len(complaints) - len(closed)
    last_closed = max(closed, default=None)
    months = int(settings.load(tenant, SETTINGS)["retention_months"])
    refusal = ("erased" if customer.erased_at is not None
               else privacy.erasure_refusal(open_count, last_closed, months, at))
    return Retention(complaints=complaints, open_count=open_count, last_closed=last_closed, months=months,
                     ends=privacy.retention_ends(last_closed, months), refusal=refusal)


def access_log(customer, limit: int = 50) -> list:
    """Who looked at, exported or erased this customer's record, newest first."""
    kinds = [EventKind.CUSTOMER_VIEWED, EventKind.CUSTOMER_EXPORTED, EventKind.CUSTOMER_ERASED]
    return list(Event.select(Event.id, Event.kind, Event.at, Event.actor_label, Event.ip, Event.data)
                .where((Event.subject_type == "customer") & (Event.subject_id == customer.id)
                       & Event.kind.in_([str(k) for k in kinds]))
                .order_by(Event.id.desc()).limit(limit))

