"""Erasing a customer after the tenant's retention period (PIPL): personal data out, statistics kept.

What goes: the customer's name, phone, e-mail and address; the complaints' plate, VIN and flat number;
the customer's own words (description, request, opinions, revisit comments and text answers) and every
note; the attachment files and their rows; the tenant's prepared report exports; mail to the customer; the
rate-limit key holding their address.
Staff texts about the complaint (plans, supervision, crisis, support and its part lines, approvals, HQ work
orders, takeovers and reviews, outbox mail naming the complaint) keep their words but lose the customer's
identifiers. Reports: a submitted snapshot's entries for the complaints lose the customer's words
(description, request, summary, masked name and phone, plate and flat), every analysis and snapshot text
loses the identifiers; the major-complaint report of one of them is redacted as its events are.
Written-up cases stay as anonymised case studies (the network may read them): their texts lose the
identifiers and the masked forms the write-up left ("欧***", "139****0001"), and their search index is
rebuilt. Events about the customer, their complaints, revisits, work orders and cases are scrubbed through
`events.redact`.
What stays: every complaint row with its number, kind, channel, grade, category, department, flags,
dates, deadlines and revisit scores, so reports and statistics come out the same; the monthly figures
(numbers, ids and complaint numbers only); the customer's row, marked `erased_at`, with a blank phone.
Intake and erasure serialise on the customer row (`complaints.actions.find_customer`): a complaint taken
in during an erasure goes to a new customer, an erasure coming after an intake sees the open complaint.
A form the customer sends through their link as the erasure commits is refused (`status.actions._once`).
"""
import dataclasses
import json
import os
from dataclasses import dataclass

from flask import current_app

from .. import events, privacy, throttle
from ..approvals.models import Approval
from ..cases import actions as cases
from ..cases.rules import MASKS
from ..complaints.models import Attachment, Complaint, Customer, Note, Plan
from ..crisis.models import CrisisFile, CrisisPlan, CrisisStatement, HqReport
from ..db import atomic, is_sqlite, now
from ..events import Event, EventKind
from ..hq.models import ReportReview, Takeover, WorkOrder
from ..notify.models import OutboxMessage, OutboxStatus
from ..privacy import ERASED
from ..reports import background
from ..reports.models import Report
from ..revisits.models import RevisitAnswer, RevisitTask
from ..revisits.rules import AnswerType
from ..sla import clusters
from ..sla.models import Pause
from ..supervision.models import EarlyWarning, Milestone, ProgressReport, SupervisionOrder
from ..status.actions import recipient_key
from ..support.models import PartLine, SupportRequest
from . import queries
from .export import subjects


class ErasureRefused(Exception):
    """The customer cannot be erased now: "open" complaints, "retention" not over, or already "erased"."""

    def __init__(self, reason: str, ends=None):
        super().__init__(reason)
        self.reason = reason
        self.ends = ends


@dataclass
class Erased:
    complaints: int
    events: int
    files: int


# Staff texts keyed to a complaint: (model, the column naming the complaint, text columns to scrub).
_BY_COMPLAINT = [
    (Plan, "complaint", ("cause", "solution")),
    (Pause, "complaint", ("note",)),
    (SupervisionOrder, "complaint", ("reason",)),
    (EarlyWarning, "complaint", ("note",)),
    (CrisisFile, "complaint", ("summary", "case_writeup")),
    (HqReport, "complaint", ("facts", "measures")),
    (SupportRequest, "complaint", ("description", "answer")),
    (Approval, "complaint", ("summary", "comment")),
    (WorkOrder, "complaint", ("summary", "response_note")),
    (Takeover, "complaint", ("reason",)),
    (ReportReview, "complaint", ("note",)),
]


def identifiers(customer, complaints) -> privacy.Identifiers:
    return privacy.Identifiers(
        names=(customer.name,), phones=(customer.phone,), emails=(customer.email or "",),
        addresses=(customer.address or "",), plates=tuple(c.plate or "" for c in complaints),
        vins=tuple(c.vin or "" for c in complaints))


def with_masks(known: privacy.Identifiers) -> privacy.Identifiers:
    """The identifiers and their masked forms ("欧***", "139****0001"), as case write-ups and the
    major-complaint report hold them: masked, they still point at the customer."""
    def masked(kind):
        forms = (MASKS[kind](v.strip()) for v in getattr(known, kind) if v and v.strip())
        return tuple(m for m in forms if m.strip("*"))  # a mask of stars alone names nobody
    return dataclasses.replace(known, **{k: getattr(known, k) + masked(k) for k in MASKS})


def erase(customer, tenant, actor, at=None) -> Erased:
    """Replace the customer's personal data with placeholders, if the retention period is over."""
    at = at or now()
    with atomic():
        locked = Customer.select().where(Customer.id == customer.id)
        customer = (locked if is_sqlite() else locked.for_update()).get()  # SQLite: the write lock is ours
        state = queries.retention(customer, tenant, at)
        if state.refusal:
            raise ErasureRefused(state.refusal, state.ends)
        complaints = list(Complaint.select().where(Complaint.customer == customer.id))
        ids = [c.id for c in complaints] or [0]
        known = identifiers(customer, complaints)
        masked = with_masks(known)  # for texts about these complaints alone
        files = _delete_attachments(ids)
        _erase_rows(customer, ids, known, at)
        _scrub_reports(ids, known, masked)
        case_ids = cases.forget_customer(ids, lambda text: privacy.scrub(text, masked))
        for c in complaints:  # the cluster register keys complainants by phone: count them anonymously now
            clusters.recount(c, phone="")
        tasks = [t.id for t in RevisitTask.select(RevisitTask.id).where(RevisitTask.complaint.in_(ids))]
        orders = [w.id for w in WorkOrder.select(WorkOrder.id).where(WorkOrder.complaint.in_(ids))]
        _scrub_outbox(customer, complaints, known)
        about_cases = (Event.subject_type == "case") & Event.subject_id.in_(case_ids or [0])
        redacted = events.redact(
            subjects(customer.id, ids, tasks, orders) | about_cases,
            lambda value: privacy.redact_json(value, masked),
            actor=actor, tenant=tenant, reason=str(EventKind.CUSTOMER_ERASED), subject_type="customer",
            subject_id=customer.id, forget_client=lambda e: e.actor_id is None and e.actor_label == "customer")
        summary = {"complaints": len(complaints), "events_redacted": redacted, "files_deleted": len(files),
                   "cases_anonymised": len(case_ids),
                   "retention_months": state.months, "last_closed_at": state.last_closed}
        events.record(EventKind.CUSTOMER_ERASED, "customer", customer.id, actor, tenant=tenant, data=summary)
        for c in complaints:
            events.record(EventKind.CUSTOMER_ERASED, "complaint", c.id, actor, tenant=tenant,
                          data={"customer": customer.id})
    _unlink(files)  # after the commit: a rolled-back erasure keeps its files
    background.forget(tenant.id)  # the month's prepared XLSX files hold what staff wrote about the customer
    if customer.email:  # the limit on mail to the customer counts under their address (in Redis: no rollback)
        throttle.clear(recipient_key(customer.email))
    return Erased(complaints=len(complaints), events=redacted, files=len(files))


def _erase_rows(customer, ids, known, at) -> None:
    Customer.update(name=ERASED, phone="", email=None, address=None, erased_at=at).where(
        Customer.id == customer.id).execute()
    # The customer's link stops working: every token names the old link version.
    Complaint.update(description=ERASED, plate=None, vin=None, unit=None, link_version=Complaint.link_version + 1,
                     version=Complaint.version + 1).where(Complaint.id.in_(ids)).execute()
    Complaint.update(customer_request=ERASED).where(
        Complaint.id.in_(ids) & (Complaint.customer_request != "")).execute()
    Note.update(body=ERASED).where(Note.complaint.in_(ids)).execute()
    Plan.update(customer_opinion=ERASED).where(
        Plan.complaint.in_(ids) & Plan.customer_opinion.is_null(False)).execute()
    RevisitTask.update(comment=ERASED).where(RevisitTask.complaint.in_(ids) & (RevisitTask.comment != "")).execute()
    tasks = RevisitTask.select(RevisitTask.id).where(RevisitTask.complaint.in_(ids))
    RevisitAnswer.update(value=ERASED).where(
        RevisitAnswer.task.in_(tasks) & (RevisitAnswer.answer_type == AnswerType.TEXT)
        & RevisitAnswer.value.is_null(False) & (RevisitAnswer.value != "")).execute()
    for model, column, fields in _BY_COMPLAINT:
        _scrub(model, getattr(model, column).in_(ids), fields, known)
    orders = SupervisionOrder.select(SupervisionOrder.id).where(SupervisionOrder.complaint.in_(ids))
    _scrub(ProgressReport, ProgressReport.order.in_(orders), ("body",), known)
    _scrub(Milestone, Milestone.order.in_(orders), ("title", "waived_reason"), known)
    requests = SupportRequest.select(SupportRequest.id).where(SupportRequest.complaint.in_(ids))
    _scrub(PartLine, PartLine.request.in_(requests), ("part_name",), known)
    crises = CrisisFile.select(CrisisFile.id).where(CrisisFile.complaint.in_(ids))
    _scrub(CrisisPlan, CrisisPlan.file.in_(crises), ("body",), known)
    _scrub(CrisisStatement, CrisisStatement.file.in_(crises), ("body",), known)
    for model in (Approval, WorkOrder):  # their JSON payloads carry the intake fields
        for row in model.select(model.id, model.payload).where(model.complaint.in_(ids) & model.payload.is_null(False)):
            cleaned = json.dumps(privacy.redact_json(json.loads(row.payload), known), ensure_ascii=False)
            if cleaned != row.payload:
                model.update(payload=cleaned).where(model.id == row.id).execute()


# What a report's entry for one complaint quotes of the customer (reports.documents: major, complaint_list).
REPORT_ENTRY_WORDS = frozenset({"customer", "phone", "subject", "description", "request", "summary"})


def _scrub_reports(ids, known, masked) -> None:
    """Submitted snapshots and analyses: the customer's complaints' entries lose the customer's words, every
    text loses their identifiers, figures stay. A major complaint's own report is redacted as its events are."""
    mine = set(ids)
    for row in Report.select(Report.id, Report.complaint, Report.analysis, Report.snapshot):
        own = row.complaint_id in mine
        changes = {"analysis": privacy.scrub(row.analysis, masked if own else known, patterns=own)}
        if row.snapshot:
            doc = json.loads(row.snapshot)
            doc = _forget_entries(privacy.redact_json(doc, masked) if own else doc, mine, known)
            changes["snapshot"] = json.dumps(doc, ensure_ascii=False)
        changes = {k: v for k, v in changes.items() if v != getattr(row, k)}
        if changes:
            Report.update(**changes).where(Report.id == row.id).execute()


def _forget_entries(value, ids, known):
    """A snapshot with the customer's complaints' entries erased and their identifiers out of every text
    (numbers and other customers' entries stay: the report is the tenant's, not only this customer's)."""
    if isinstance(value, dict):
        entry = value.get("id") in ids and "number" in value
        return {k: ERASED if entry and k in REPORT_ENTRY_WORDS and isinstance(v, str) and v
                else _forget_entries(v, ids, known) for k, v in value.items()}
    if isinstance(value, list):
        return [_forget_entries(v, ids, known) for v in value]
    if isinstance(value, str):
        return privacy.scrub(value, known, patterns=False)
    return value


def _scrub(model, where, fields, known) -> None:
    """Each row's text columns without the customer's identifiers (rows are few: one customer's files)."""
    for row in model.select(model.id, *(getattr(model, f) for f in fields)).where(where):
        changes = {f: _fit(getattr(model, f), privacy.scrub(getattr(row, f), known)) for f in fields}
        changes = {f: v for f, v in changes.items() if v != getattr(row, f)}
        if changes:
            model.update(**changes).where(model.id == row.id).execute()


def _fit(field, text):
    """A placeholder is longer than a two-character name: keep a CharField within its length."""
    limit = getattr(field, "max_length", None)
    return text[:limit] if text and limit else text


def _scrub_outbox(customer, complaints, known) -> None:
    """Mail to the customer is blanked (and never sent); staff mail naming their complaints loses the identifiers."""
    m = OutboxMessage
    if customer.email:
        m.update(recipient=privacy.ERASED_EMAIL_RECIPIENT, subject=ERASED, body=ERASED).where(
            m.recipient == customer.email).execute()
        m.update(status=OutboxStatus.FAILED, last_error=ERASED).where(
            (m.recipient == privacy.ERASED_EMAIL_RECIPIENT) & (m.status == OutboxStatus.QUEUED)).execute()
    if complaints:
        mentions = None
        for c in complaints:
            cond = m.body.contains(c.number) | m.subject.contains(c.number)
            mentions = cond if mentions is None else mentions | cond
        _scrub(m, mentions, ("subject", "body"), known)


def _delete_attachments(ids) -> list[str]:
    """Remove the attachment rows; returns the files to unlink once the transaction has committed."""
    rows = list(Attachment.select(Attachment.id, Attachment.tenant, Attachment.stored_name)
                .where(Attachment.complaint.in_(ids)))
    if rows:
        Attachment.delete().where(Attachment.id.in_([a.id for a in rows])).execute()
    folder = current_app.config["UPLOAD_DIR"]
    return [os.path.join(folder, str(a.tenant_id), a.stored_name) for a in rows]


def _unlink(paths) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
