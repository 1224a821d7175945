"""Support verbs: ask the parts centre or technical support for help, and record the answer.

Asking marks the complaint as needing outside support (the grading rules then make it
important), pauses its deadlines when the tenant allows it (the customer's page says it is
waiting for a part), and raises the early-warning chain's flag. The answer resumes the
deadlines this request paused and tells the handler; the customer can be told too.
"""
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import events
from ..complaints import actions as complaint_actions
from ..complaints import notices
from ..complaints.models import Complaint
from ..db import atomic, now
from ..events import EventKind
from ..sla import clocks, escalation, settings
from ..supervision import actions as supervision
from ..supervision import chain
from . import rules
from .models import PartLine, SupportRequest
from .rules import Kind, Status


class SupportError(ValueError):
    """A refused request or answer; `problems` maps a field to (message id, values)."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


def _clean(lines) -> list[dict]:
    return [{"part_name": str(line.get("part_name") or "").strip(),
             "part_number": str(line.get("part_number") or "").strip(), "quantity": line.get("quantity")}
            for line in lines]


def request(complaint, actor, kind: str, *, description: str = "", lines=(), files=()) -> SupportRequest:
    """Ask for a part (up to six lines) or technical guidance (a description and files)."""
    lines = _clean(lines)
    problems = rules.request_problems(kind, description, lines)
    if problems:
        raise SupportError(problems)
    with atomic():
        from ..complaints.files import save_uploads  # late: the files module carries routes
        saved = save_uploads(complaint, files, actor) if files else []
        row = SupportRequest.create(tenant=complaint.tenant_id, complaint=complaint.id, kind=kind,
                                    description=(description or "").strip(), requested_by=actor,
                                    attachment_ids=" ".join(str(a.id) for a in saved))
        filled = [line for line in lines if not rules.blank_line(line)]
        for position, line in enumerate(filled, 1):
            PartLine.create(tenant=complaint.tenant_id, request=row, position=position, **line)
        row.paused_clocks = _pause(complaint, kind, actor)
        if row.paused_clocks:
            SupportRequest.update(paused_clocks=True).where(SupportRequest.id == row.id).execute()
        events.record(EventKind.SUPPORT_REQUESTED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"request": row.id, "kind": kind, "lines": filled, "description": row.description,
                            "paused": row.paused_clocks})
        if not complaint.outside_support:
            escalation.set_risk(complaint, complaint.risk_flags.split(), True, actor)  # §2: outside support
        chain.raise_warning(complaint, "missing_part" if kind == Kind.PARTS else "technical", actor,
                            note=row.description, automatic=True)
    return row


def _pause(complaint, kind: str, actor) -> bool:
    """Stop the clocks while waiting, if the tenant allows it and nothing paused them already."""
    if complaint.paused_since is not None or not settings.load(complaint.tenant, "deadlines")["pause_allowed"]:
        return False
    note = _("Waiting for the parts centre") if kind == Kind.PARTS else _("Waiting for technical support")
    clocks.pause(complaint, "parts" if kind == Kind.PARTS else "outside", str(note), actor)
    return True


def answer(row: SupportRequest, actor, text: str, *, by_hq: bool = False, tell_customer: bool = False) -> None:
    """The part arrived or guidance came back: the handler is told, the clocks run again."""
    problems = rules.answer_problems(row.status, text)
    if problems:
        raise SupportError(problems)
    complaint = Complaint.get_by_id(row.complaint_id)
    with atomic():
        updated = SupportRequest.update(status=Status.ANSWERED, answer=text.strip(), answered_by=actor.id,
                                        answered_at=now(), answered_by_hq=by_hq,
                                        version=SupportRequest.version + 1).where(
            (SupportRequest.id == row.id) & (SupportRequest.status == Status.OPEN)).execute()
        if updated != 1:
            raise SupportError({"__all__": ("already_answered", {})})
        row.status, row.answer = Status.ANSWERED, text.strip()
        if row.paused_clocks and not _still_waiting(complaint, row) and complaint.paused_since is not None:
            clocks.resume(complaint, actor)
        events.record(EventKind.SUPPORT_ANSWERED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"request": row.id, "kind": row.kind, "answer": row.answer, "by_hq": by_hq})
        people = supervision.users_by_id([complaint.assignee_id, row.requested_by_id])
        for user in people.values():
            if user.id != actor.id:
                notices.send(user.email, "support_answered", complaint.tenant_id, user.locale, support_request=row,
                             complaint=complaint, user=user, actor=actor)
        if tell_customer:
            tell(complaint, row, actor)


def _still_waiting(complaint, answered) -> bool:
    return SupportRequest.select().where(
        (SupportRequest.complaint == complaint.id) & (SupportRequest.id != answered.id)
        & (SupportRequest.status == Status.OPEN) & SupportRequest.paused_clocks).exists()


def tell(complaint, row, actor) -> None:
    """A published note in the customer's language: their page shows that the part or guidance arrived."""
    with force_locale(complaint.customer.locale or "zh_Hans"):
        body = str(_("The part we were waiting for has arrived. We will continue with your complaint now.")
                   if row.kind == Kind.PARTS else
                   _("We have received the technical guidance we were waiting for and continue with your complaint."))
    complaint_actions.add_note(complaint, actor, body, public=True)
