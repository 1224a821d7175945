"""The outbox viewer for tenant admins: what mail the portal sent, is sending, or gave up on."""
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import get_or_404, requires, tenant_blueprint
from ..htmx import render
from ..tenancy.rules import Permission
from . import actions
from .models import OutboxMessage, OutboxStatus

bp = tenant_blueprint("outbox", __name__, "/admin/outbox")

PAGE_SIZE = 50


@bp.get("/")
@requires(Permission.ADMIN_AUDIT)
def index():
    """This tenant's mail, newest first, optionally of one status, a page at a time."""
    wanted = request.args.get("status")
    wanted = wanted if wanted in set(OutboxStatus) else None
    messages, older = _page(wanted, request.args.get("before", type=int))
    return render("notify/outbox.html", "notify/_messages.html", messages=messages, older=older,
                  wanted=wanted, statuses=list(OutboxStatus))


def _page(status: str | None, before: int | None) -> tuple[list, int | None]:
    """One page of messages below the id `before` (keyset: no COUNT, no OFFSET); and the next cursor."""
    m = OutboxMessage
    query = (m.select(m.id, m.recipient, m.subject, m.status, m.attempts, m.last_error, m.created_at,
                      m.sent_at)  # not the bodies: the list never shows them
             .order_by(m.id.desc()).limit(PAGE_SIZE + 1))
    if status:
        query = query.where(m.status == status)
    if before:
        query = query.where(m.id < before)
    rows = list(query)
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], older


@bp.get("/<int:message_id>")
@requires(Permission.ADMIN_AUDIT)
def detail(message_id):
    """One message as it was (or will be) sent, with its delivery history."""
    return render("notify/message.html", message=get_or_404(OutboxMessage, message_id))


@bp.post("/<int:message_id>/retry")
@requires(Permission.ADMIN_AUDIT)
def retry(message_id):
    """Send a message that was given up on once more."""
    message = get_or_404(OutboxMessage, message_id)
    if not actions.retry(message, actor=current_user):  # not failed (any more): show it as it is
        return render("notify/message.html", message=get_or_404(OutboxMessage, message_id), status=409)
    flash(_("The message is queued again."))
    return redirect(url_for("outbox.detail", message_id=message.id), code=303)


@bp.post("/test")
@requires(Permission.ADMIN_AUDIT)
def send_test():
    """Queue a test message to the admin themself, to check the mail settings end to end."""
    message = actions.send_test_message(current_user, g.tenant)
    flash(_("A test message to %(email)s is in the outbox.", email=current_user.email))
    return redirect(url_for("outbox.detail", message_id=message.id), code=303)
