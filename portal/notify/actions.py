"""Queue mail in the outbox and deliver it with retries and backoff."""
import datetime
import logging

from flask_mail import Mail, Message

from ..db import atomic, now
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
mail = Mail()

MAX_ATTEMPTS = 8
_MAX_BACKOFF = datetime.timedelta(hours=1)


def queue_mail(recipient: str, subject: str, body: str, tenant=None) -> OutboxMessage | None:
    """Put one message in the outbox; it leaves when the surrounding transaction commits."""
    if not recipient:
        return None
    # Header injection is impossible: subjects and recipients are single lines.
    subject = " ".join(subject.split())[:200]
    recipient = recipient.strip().splitlines()[0] if recipient.strip() else ""
    return OutboxMessage.create(tenant=tenant, recipient=recipient, subject=subject, body=body)


def backoff(attempts: int) -> datetime.timedelta:
    """Wait 30 s, 1 min, 2 min, ... up to an hour before the next try."""
    return min(datetime.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), _MAX_BACKOFF)


def deliver_due(app, limit: int = 100) -> dict:
    """Send queued messages whose time has come; returns counts of sent and retried messages."""
    result = {"sent": 0, "retry": 0, "failed": 0}
    if not app.config.get("MAIL_SERVER"):
        return result  # no SMTP configured: mail stays in the outbox, visible to admins
    due = list(OutboxMessage.select()
               .where((OutboxMessage.status == OutboxStatus.QUEUED)
                      & (OutboxMessage.next_attempt_at <= now()))
               .order_by(OutboxMessage.id).limit(limit))
    if not due:
        return result
    try:
        with mail.connect() as conn:
            for msg in due:
                _send_one(conn, msg, result)
    except Exception as exc:  # server down: every due message waits for the next try
        log.warning("SMTP unavailable: %s", exc)
        for msg in due:
            if msg.status == OutboxStatus.QUEUED and msg.sent_at is None:
                _failed_attempt(msg, exc, result)
    return result


def _send_one(conn, msg: OutboxMessage, result: dict) -> None:
    # Claim the row first so a second worker never sends it twice.
    with atomic():
        claimed = (OutboxMessage.update(attempts=OutboxMessage.attempts + 1)
                   .where((OutboxMessage.id == msg.id) & (OutboxMessage.status == OutboxStatus.QUEUED)
                          & (OutboxMessage.attempts == msg.attempts))
                   .execute())
    if not claimed:
        msg.sent_at = now()  # someone else has it; do not count it as failed
        return
    msg.attempts += 1
    conn.send(Message(subject=msg.subject, recipients=[msg.recipient], body=msg.body))
    with atomic():
        OutboxMessage.update(status=OutboxStatus.SENT, sent_at=now(), last_error=None).where(
            OutboxMessage.id == msg.id).execute()
    msg.sent_at = now()
    result["sent"] += 1


def _failed_attempt(msg: OutboxMessage, exc: Exception, result: dict) -> None:
    attempts = max(msg.attempts, 1)
    gave_up = attempts >= MAX_ATTEMPTS
    with atomic():
        OutboxMessage.update(
            attempts=attempts,
            status=OutboxStatus.FAILED if gave_up else OutboxStatus.QUEUED,
            next_attempt_at=now() + backoff(attempts),
            last_error=str(exc)[:500],
        ).where(OutboxMessage.id == msg.id).execute()
    result["failed" if gave_up else "retry"] += 1


def retry(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (admin action)."""
    with atomic():
        OutboxMessage.update(status=OutboxStatus.QUEUED, next_attempt_at=now(), attempts=0).where(
            OutboxMessage.id == message.id).execute()
