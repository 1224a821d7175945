"""What the customer's page shows: built only from the public timeline and a whitelist of fields.

Templates under templates/status/ get a `CustomerPage`, never a complaint, customer or event
row, so nothing internal can be reached from a template by accident.
"""
import datetime
from dataclasses import dataclass, field

from ..complaints.actions import latest_plan
from ..complaints.disclosure import public_timeline
from ..complaints.rules import CUSTOMER_LABELS, OPEN_STATES, Status
from ..events import Event
from ..privacy import mask_email, mask_phone
from . import actions, links, rules
from .links import Opened


@dataclass(frozen=True)
class CustomerPage:
    """The whitelist: every fact the customer's page may show."""

    number: str
    step: str  # a key of complaints.messages.CUSTOMER_STEP_LABELS
    is_open: bool
    reply_due_at: datetime.datetime | None
    answering: bool  # a plan waits for the customer's answer
    plan_id: int | None
    solution: str | None  # the proposed plan's solution, only while it waits for an answer
    surveying: bool  # implemented: the satisfaction survey is open
    can_urge: bool
    urged_today: bool
    expires_at: datetime.datetime | None
    tenant_name: str
    contact: dict
    phone: str  # masked
    email: str  # masked
    locale: str
    timeline: list = field(default_factory=list)
    passed_to: dict | None = None  # redirected: {"company", "number"} the complaint continues under


def build(opened: Opened) -> CustomerPage:
    c, cfg = opened.complaint, opened.settings
    # only the columns the customer's timeline reads (public_timeline): no addresses, no browsers, no `before`
    events = (Event.select(Event.id, Event.kind, Event.at, Event.actor, Event.actor_label, Event.data, Event.after,
                           Event.public)
              .where((Event.subject_type == "complaint") & (Event.subject_id == c.id)
                     & (Event.public == True))  # noqa: E712 (peewee expression)
              .order_by(Event.id))
    answering = c.status == Status.PLAN_PROPOSED
    plan = latest_plan(c) if answering else None
    can_urge = rules.can_urge(c.status)
    timeline = public_timeline(events, staff_names=bool(cfg["show_staff_names"]))
    passed = [e for e in timeline if e.get("follow")] if c.status == Status.REDIRECTED else []
    return CustomerPage(
        number=c.number, step=CUSTOMER_LABELS[c.status], is_open=c.status in OPEN_STATES,
        reply_due_at=c.reply_due_at, answering=answering and plan is not None,
        plan_id=plan.id if plan else None, solution=plan.solution if plan else None,
        surveying=c.status == Status.REVISIT_PENDING, can_urge=can_urge,
        urged_today=can_urge and actions.urged_on(c), expires_at=links.expires_at(c, cfg),
        tenant_name=opened.tenant.name,
        contact={k: cfg[k] for k in ("contact_phone", "contact_email", "contact_address", "contact_hours") if cfg[k]},
        phone=mask_phone(opened.customer.phone), email=mask_email(opened.customer.email),
        locale=opened.customer.locale,
        timeline=timeline,
        passed_to={"company": passed[-1]["passed_to"], "number": passed[-1]["follow"]} if passed else None)
