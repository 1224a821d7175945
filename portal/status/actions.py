"""Verbs of the status link: the customer's (answer a plan, survey, add information, urge, language)
and staff's (revoke and re-issue, send by e-mail, send again on request).

The customer acts with actor None through the same complaint verbs staff use
(`complaints.actions.move` with CUSTOMER_PERMISSIONS, `add_note`, `save_uploads`), so every rule
of the process holds whichever door a change comes through. Each customer form carries a one-time
nonce: a second submission of the same form (a double tap, a reload) records nothing.
"""
import hmac

from flask import current_app
from peewee import IntegrityError

from .. import events, throttle
from ..accounts.models import User
from ..complaints import actions as complaint_actions
from ..complaints import notices
from ..complaints.actions import CUSTOMER_PERMISSIONS, normalise_phone
from ..complaints.models import Complaint, Customer
from ..complaints.rules import Move, MoveError, Status
from ..db import atomic, is_sqlite, now
from ..events import EventKind
from ..i18n import LANGUAGES
from ..revisits.actions import customer_survey
from ..scope import SYSTEM, for_tenant, scoped
from ..sla.settings import calendar_for
from ..tenancy.models import Department, Tenant
from . import links, rules
from .models import CustomerAction


class Replayed(Exception):
    """This form was sent before: nothing new is recorded."""


class LinkGone(Exception):
    """The link stopped working while the form was on its way (the customer erased, the link reissued)."""


class AlreadyUrged(Exception):
    """The customer already urged on this working day."""


class NoEmail(Exception):
    """The customer gave no e-mail address."""


def _once(complaint, key: str) -> None:
    """Claim a one-time key for this complaint, or raise Replayed if it was claimed before.

    First the complaint's row is read again, locked (PostgreSQL; SQLite's writers run one at a time): a link
    version changed since the token was checked means an erasure (or a reissue) committed meanwhile, and
    the customer's words must not land on an erased complaint (LinkGone)."""
    current = Complaint.select(Complaint.link_version).where(Complaint.id == complaint.id)
    if (current if is_sqlite() else current.for_update()).scalar() != complaint.link_version:
        raise LinkGone()
    try:
        with atomic():  # a savepoint: the surrounding transaction stays usable after a refusal
            CustomerAction.create(tenant=complaint.tenant_id, complaint=complaint.id, key=key[:64])
    except IntegrityError:
        raise Replayed() from None


# --- the customer --------------------------------------------------------------------------------

def respond(complaint, nonce: str, plan_id: int, agreed: bool, opinion: str) -> None:
    """Accept or reject the proposed plan (step 4), exactly as staff record the customer's opinion."""
    with atomic():
        _once(complaint, f"form:{nonce}")
        plan = complaint_actions.latest_plan(complaint)
        if plan is None or plan.id != plan_id or complaint.status != Status.PLAN_PROPOSED:
            raise MoveError({"__all__": ["wrong_step"]})  # the customer answered an older plan
        complaint_actions.move(complaint, Move.CUSTOMER_RESPONSE, None, CUSTOMER_PERMISSIONS,
                               {"agreed": agreed, "opinion": opinion})


def survey(complaint, nonce: str, satisfaction: str, comment: str) -> None:
    """The satisfaction survey after implementation (step 6): the same outcome as a phone revisit.

    revisits.actions.customer_survey is `move(Move.REVISIT)` with actor None, except for the first
    revisit of a crisis, which it records without closing (DOMAIN.md §5: a second revisit follows).
    """
    with atomic():
        _once(complaint, f"form:{nonce}")
        customer_survey(complaint, satisfaction, comment)


def add_info(complaint, nonce: str, text: str, files) -> None:
    """More information or photos from the customer: a note and attachments, and the handler is told."""
    from ..complaints.files import save_uploads  # late: that module carries staff routes
    with atomic():
        _once(complaint, f"form:{nonce}")
        if text.strip():
            complaint_actions.add_note(complaint, None, text.strip())
        saved = save_uploads(complaint, files, None, from_customer=True)
        _tell_staff(complaint, "status_info_added", leader=False, files=len(saved))


def urge(complaint, at=None) -> None:
    """催办: at most once per working day, for an open complaint; the handler and their leader are told."""
    if not rules.can_urge(complaint.status):
        raise MoveError({"__all__": ["wrong_step"]})
    day = rules.urge_day(calendar_for(complaint.tenant), at or now())
    with atomic():
        try:
            _once(complaint, f"urge:{day.isoformat()}")
        except Replayed:
            raise AlreadyUrged() from None
        events.record(EventKind.COMPLAINT_URGED, "complaint", complaint.id, None, tenant=complaint.tenant_id,
                      data={"day": day.isoformat()}, public=True, actor_label="customer")
        _tell_staff(complaint, "status_urged", leader=True)


def urged_on(complaint, at=None) -> bool:
    """Whether the customer already urged on the working day of `at`."""
    day = rules.urge_day(calendar_for(complaint.tenant), at or now())
    return CustomerAction.select().where((CustomerAction.complaint == complaint.id)
                                         & (CustomerAction.key == f"urge:{day.isoformat()}")).exists()


def set_language(customer, locale: str) -> None:
    """The language of the customer's page and of the mails they get."""
    if locale not in LANGUAGES or locale == customer.locale:
        return
    with atomic():
        Customer.update(locale=locale).where(Customer.id == customer.id).execute()
        events.record(EventKind.CUSTOMER_LANGUAGE, "customer", customer.id, None, tenant=customer.tenant_id,
                      before={"locale": customer.locale}, after={"locale": locale}, actor_label="customer")
        customer.locale = locale


def may_mail(address: str) -> bool:
    """Count one customer-caused mail to `address`; False once the address had its share this hour.

    Whatever a customer does (asks for the link again, urges, adds information), one address gets
    at most STATUS_MAILS_PER_RECIPIENT of these mails an hour, so Kesu cannot be used to flood it.
    """
    limit, window = current_app.config.get("STATUS_MAILS_PER_RECIPIENT", rules.MAILS_PER_RECIPIENT)
    return throttle.hit(recipient_key(address), window) <= limit


def recipient_key(address: str) -> str:
    """The throttle key counting customer-caused mail to one address (erasure forgets it)."""
    return f"status:to:{address.strip().lower()}"


def _tell_staff(complaint, template: str, leader: bool, **context) -> None:
    """Mail the handler (and their department's leader); nobody assigned yet: whoever logged it."""
    people = []
    if complaint.assignee_id:
        people.append(complaint.assignee_id)
    if leader and complaint.department_id:
        dept = Department.get_or_none(Department.id == complaint.department_id)
        if dept and dept.leader_id:
            people.append(dept.leader_id)
    if not people and complaint.created_by_id:
        people.append(complaint.created_by_id)
    for user in User.select().where(User.id.in_(people) & User.active):
        if not may_mail(user.email):
            continue  # the event is on the complaint; only the mail is spared
        notices.send(user.email, template, complaint.tenant_id, user.locale, complaint=complaint, user=user,
                     **context)


# --- staff -----------------------------------------------------------------------------------------

def reissue(complaint, actor) -> None:
    """Revoke the customer's link and issue a new one: every earlier link stops working at once."""
    with atomic():
        Complaint.update(link_version=Complaint.link_version + 1).where(Complaint.id == complaint.id).execute()
        before = complaint.link_version
        complaint.link_version = (Complaint.select(Complaint.link_version)
                                  .where(Complaint.id == complaint.id).scalar())
        events.record(EventKind.LINK_REISSUED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      before={"link_version": before}, after={"link_version": complaint.link_version})


def send_link(complaint, actor, locale: str | None = None, via: str = "staff") -> None:
    """E-mail the current link to the customer, in their language (which staff may set here)."""
    customer = Customer.get_by_id(complaint.customer_id)
    if not customer.email:
        raise NoEmail()
    with atomic():
        if locale:
            set_language(customer, locale)
        notices.send(customer.email, "status_link", complaint.tenant_id, customer.locale, complaint=complaint,
                     customer=customer, link=links.url_for_complaint(complaint), tenant=complaint.tenant)
        events.record(EventKind.LINK_SENT, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"via": via}, actor_label=None if actor else "customer")


def _same_phone(entered: str, stored: str) -> bool:
    """The phone on file, typed with or without a country code (+86 ...)."""
    if len(entered) < 7 or len(stored) < 7:
        return False
    if len(entered) > len(stored) and len(entered) - len(stored) <= 4:
        entered = entered[-len(stored):]
    return hmac.compare_digest(entered, stored)


def request_link(number: str, phone: str, at=None) -> bool:
    """A customer lost the link: send it to the e-mail on file if number and phone match.

    Returns whether a mail was queued; the page never tells (it always says the same).
    """
    digits = normalise_phone(phone)
    with scoped(SYSTEM):
        rows = list(Complaint.select(Complaint, Tenant, Customer)
                    .join(Tenant, on=(Complaint.tenant == Tenant.id))
                    .join_from(Complaint, Customer, on=(Complaint.customer == Customer.id))
                    .where(Complaint.number.in_({number.strip(), number.strip().upper()})).limit(5))
    for row in rows:
        if not (_same_phone(digits, row.customer.phone) and row.customer.email and row.tenant.active):
            continue
        with scoped(for_tenant(row.tenant)):
            if rules.is_expired(row.closed_at, links.link_settings(row.tenant)["expiry_days"], at or now()):
                return False
            limit, window = rules.MAILS_PER_COMPLAINT
            if throttle.hit(f"status:mail:{row.id}", window) > limit or not may_mail(row.customer.email):
                return False
            send_link(row, None, via="lookup")
        return True
    return False
