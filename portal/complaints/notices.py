"""E-mails about complaints, queued in the outbox inside the caller's transaction."""

from flask import current_app

from ..accounts.models import User
from ..notify.actions import queue_mail, render_mail
from ..tenancy.models import Department


def send(recipient: str, template: str, tenant_id, locale=None, **context) -> None:
    """Queue one mail in the recipient's language (the portal's default when they have none)."""
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    queue_mail(recipient, *render_mail(template, locale, **context), tenant=tenant_id)


def assigned(complaint, actor) -> None:
    """Tell the assignee and the department's leader that a complaint is theirs."""
    recipients = {}
    if complaint.assignee_id:
        user = User.get_or_none(User.id == complaint.assignee_id)
        if user and user.active:
            recipients[user.email] = user
    if complaint.department_id:
        dept = Department.get_or_none(Department.id == complaint.department_id)
        if dept and dept.leader_id:
            leader = User.get_or_none(User.id == dept.leader_id)
            if leader and leader.active:
                recipients.setdefault(leader.email, leader)
    for email, user in recipients.items():
        if actor is not None and user.id == actor.id:
            continue  # no mail to yourself about your own action
        send(email, "complaint_assigned", complaint.tenant_id, user.locale, complaint=complaint, user=user,
              actor=actor)


def merged(duplicate, original) -> None:
    """Tell the customer which number to follow from now on."""
    customer = duplicate.customer
    if customer.email:
        send(customer.email, "complaint_merged", duplicate.tenant_id, customer.locale, duplicate=duplicate,
              original=original, customer=customer)
