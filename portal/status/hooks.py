"""Telling the customer, by e-mail with their link, when something is published to them.

Four moments (and no others, so the customer is not flooded with every internal step): staff
publish a note to the customer, a plan is put to them, the complaint closes, an HQ work order is sent
back to HQ or passed to another company (the page says which; news, not "closed"). A merge has its own
mail (complaints.notices.merged). Mail goes through the outbox, in the customer's language.
"""
from ..complaints import hooks, notices
from ..complaints.models import Customer
from ..complaints.rules import CLOSED_STATES, ELSEWHERE, PASSED_ON, Status
from . import links

_CLOSED_MAIL = CLOSED_STATES - ELSEWHERE


def notify_customer(complaint, template: str) -> None:
    customer = Customer.get_or_none(Customer.id == complaint.customer_id)
    if customer is None or not customer.email:
        return
    notices.send(customer.email, template, complaint.tenant_id, customer.locale, complaint=complaint,
                 customer=customer, link=links.url_for_complaint(complaint), tenant=complaint.tenant)


def on_move(complaint, step, actor, data, before_status) -> None:
    if complaint.status == Status.PLAN_PROPOSED and before_status != Status.PLAN_PROPOSED:
        notify_customer(complaint, "status_plan")
    elif complaint.status in _CLOSED_MAIL and before_status not in CLOSED_STATES:
        notify_customer(complaint, "status_closed")
    elif complaint.status in PASSED_ON and before_status != complaint.status:
        notify_customer(complaint, "status_news")


def on_note(complaint, note, actor) -> None:
    if note.public and actor is not None:  # published by staff; the customer's own notes need no mail
        notify_customer(complaint, "status_news")


hooks.AFTER_MOVE.append(on_move)
hooks.AFTER_NOTE.append(on_note)
