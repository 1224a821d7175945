"""Queue mail in the outbox and deliver it with retries and backoff.

Other areas write mail with `queue_mail(to, *render_mail("name", **ctx), tenant=t)` inside
their own `atomic()`: the row commits (or rolls back) with the change that caused it, and the
worker sends it later. Nothing here ever deletes a message.
"""
import contextlib
import datetime
import logging
import smtplib

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_mail import Mail, Message

from ..db import atomic, now
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = datetime.timedelta(minutes=5)  # a claimed message comes back if its worker dies mid-send
KICK_FLAG = "kesu_outbox_kick"  # set on flask.g; jobs wakes the worker when the request ends
_MAX_BACKOFF = datetime.timedelta(hours=1)
# The server turned this one message down; the connection is still good for the next.
_REJECTED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class OutboxMail(Mail):
    """flask-mail that sends under TESTING too: the outbox, not flask-mail, decides what leaves."""

    def init_app(self, app):
        # flask-mail suppresses sending when TESTING; tests deliver to a real loopback server.
        app.config.setdefault("MAIL_SUPPRESS_SEND", False)
        return super().init_app(app)


mail = OutboxMail()


def render_mail(name: str, locale: str | None = None, **context) -> tuple[str, str]:
    """Render templates/email/<name>.txt into (subject, body); its first line is the subject."""
    if locale is None and not has_request_context():
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]  # no request to pick a language from
    with force_locale(locale) if locale else contextlib.nullcontext():
        text = render_template(f"email/{name}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip("\n").rstrip() + "\n"


def queue_mail(recipient: str, subject: str, body: str, tenant=None) -> OutboxMessage | None:
    """Put one message in the outbox; it leaves only if the surrounding transaction commits."""
    # Header injection is impossible: recipient and subject are kept to a single line.
    lines = (recipient or "").strip().splitlines()
    recipient = lines[0].strip()[:254] if lines else ""
    if not recipient:
        return None
    subject = " ".join(subject.split())[:200]
    message = OutboxMessage.create(tenant=tenant, recipient=recipient, subject=subject, body=body)
    _wake_worker()
    return message


def send_test_message(actor, tenant) -> OutboxMessage:
    """Queue a test message to an admin, who then sees whether the mail settings work."""
    subject, body = render_mail("test_message", user=actor, tenant=tenant)
    with atomic():
        return queue_mail(actor.email, subject, body, tenant=tenant)


def retry(message: OutboxMessage, actor) -> bool:
    """Put a failed message back in the queue with a fresh set of attempts; False if it was not failed."""
    with atomic():
        requeued = (OutboxMessage.update(status=OutboxStatus.QUEUED, next_attempt_at=now(), attempts=0)
                    .where((OutboxMessage.id == message.id)
                           & (OutboxMessage.status == OutboxStatus.FAILED))
                    .execute())
    if requeued:
        log.info("outbox message %s requeued by user %s", message.id, actor.id)
        _wake_worker()
    return bool(requeued)


def _wake_worker() -> None:
    # Only a flag: the request may still roll back. jobs enqueues delivery once it has ended.
    if has_request_context():
        setattr(g, KICK_FLAG, True)


def backoff(attempts: int) -> datetime.timedelta:
    """Wait 30 s after the first failure, then twice as long each time, at most an hour."""
    return min(datetime.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), _MAX_BACKOFF)


def deliver_due(app, limit: int = 100, clock=now) -> dict:
    """Send the messages whose time has come; returns how many were sent, retried and given up."""
    result = {"sent": 0, "retry": 0, "failed": 0}
    if not app.config.get("MAIL_SERVER"):
        return result  # no SMTP configured: mail stays in the outbox, visible to admins
    smtp = _Smtp()
    try:
        for message_id in _due_ids(clock(), limit):
            # The clock is read again for every message: a lease must start when it is taken.
            message = _claim(message_id, clock())
            if message is None:
                continue  # another worker got there first
            outcome = _send(smtp, message, clock)
            result[outcome] += 1
            if smtp.broken:
                # The server is unreachable: stop here, so each message is charged at most
                # one attempt per round and only when it was actually tried.
                break
    finally:
        smtp.close()
    return result


def _due_ids(at: datetime.datetime, limit: int) -> list[int]:
    query = (OutboxMessage.select(OutboxMessage.id)
             .where((OutboxMessage.status == OutboxStatus.QUEUED) & (OutboxMessage.next_attempt_at <= at))
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    return [row.id for row in query]


def _claim(message_id: int, at: datetime.datetime) -> OutboxMessage | None:
    """Lease one due message to this worker, counting the attempt; None if it is no longer due."""
    with atomic():
        # The WHERE re-checks "still queued and due" under the write lock, so only one
        # worker's UPDATE matches; pushing next_attempt_at out hides the row from the others.
        claimed = (OutboxMessage.update(attempts=OutboxMessage.attempts + 1, next_attempt_at=at + LEASE)
                   .where((OutboxMessage.id == message_id)
                          & (OutboxMessage.status == OutboxStatus.QUEUED)
                          & (OutboxMessage.next_attempt_at <= at))
                   .execute())
        return OutboxMessage.get_by_id(message_id) if claimed else None


def _send(smtp: "_Smtp", message: OutboxMessage, clock) -> str:
    """Hand one claimed message to the SMTP server and record the outcome."""
    try:
        smtp.send(Message(subject=message.subject, recipients=[message.recipient], body=message.body))
    except Exception as exc:  # any failure: the message waits for a later try, never lost
        # Network and SMTP errors, other than a refusal of this message, mean the server is gone.
        smtp.broken = isinstance(exc, OSError) and not isinstance(exc, _REJECTED)
        log.warning("outbox message %s not sent: %s", message.id, exc)
        return _give_back(message, exc, clock())
    with atomic():
        OutboxMessage.update(status=OutboxStatus.SENT, sent_at=clock(), last_error=None).where(
            OutboxMessage.id == message.id).execute()
    return "sent"


def _give_back(message: OutboxMessage, exc: Exception, at: datetime.datetime) -> str:
    """Return a message to the queue for a later try, or mark it failed after the last attempt."""
    gave_up = message.attempts >= MAX_ATTEMPTS
    with atomic():
        OutboxMessage.update(
            status=OutboxStatus.FAILED if gave_up else OutboxStatus.QUEUED,
            next_attempt_at=at + backoff(message.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        ).where(OutboxMessage.id == message.id).execute()
    return "failed" if gave_up else "retry"


class _Smtp:
    """One SMTP connection per round, opened when the first claimed message needs it."""

    def __init__(self):
        self._stack = contextlib.ExitStack()
        self._connection = None
        self.broken = False

    def send(self, message: Message) -> None:
        if self._connection is None:
            self._connection = self._stack.enter_context(mail.connect())
        self._connection.send(message)

    def close(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self._stack.close()  # a server that already hung up cannot be said goodbye to
