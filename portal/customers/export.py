"""Everything the tenant keeps about one customer, as JSON (and a zip with their files): PIPL access."""
import io
import json
import os
import zipfile

from ..complaints.models import Attachment, Complaint, Note, Plan
from ..complaints.uploads import clean_filename
from ..db import now
from ..events import Event
from ..hq.models import WorkOrder
from ..revisits.models import RevisitAnswer, RevisitTask
from ..tenancy.models import Category, Department

FORMAT = "kesu.customer-export/1"


def _time(value):
    return value.isoformat(sep=" ", timespec="seconds") if value else None


def _event(e) -> dict:
    return {"at": _time(e.at), "kind": e.kind, "subject": e.subject_type, "subject_id": e.subject_id,
            "by": e.actor_label, "public": e.public, "before": e.loaded("before"), "after": e.loaded("after"),
            "data": e.loaded("data")}


def _grouped(rows, key) -> dict:
    out = {}
    for row in rows:
        out.setdefault(key(row), []).append(row)
    return out


def collect(customer, tenant) -> tuple[dict, list]:
    """(the export document, [(path in the zip, attachment)]) in a fixed number of queries."""
    complaints = list(Complaint.select().where(Complaint.customer == customer.id).order_by(Complaint.id))
    ids = [c.id for c in complaints] or [0]
    categories = dict(Category.select(Category.id, Category.name).tuples())
    departments = dict(Department.select(Department.id, Department.name).tuples())
    notes = _grouped(Note.select().where(Note.complaint.in_(ids)).order_by(Note.id), lambda n: n.complaint_id)
    plans = _grouped(Plan.select().where(Plan.complaint.in_(ids)).order_by(Plan.id), lambda p: p.complaint_id)
    files = _grouped(Attachment.select().where(Attachment.complaint.in_(ids)).order_by(Attachment.id),
                     lambda a: a.complaint_id)
    tasks = list(RevisitTask.select().where(RevisitTask.complaint.in_(ids)).order_by(RevisitTask.id))
    answers = _grouped(RevisitAnswer.select().where(RevisitAnswer.task.in_([t.id for t in tasks] or [0]))
                       .order_by(RevisitAnswer.position), lambda a: a.task_id)
    orders = [w.id for w in WorkOrder.select(WorkOrder.id).where(WorkOrder.complaint.in_(ids))]
    timeline = _grouped(Event.select().where(subjects(customer.id, ids, [t.id for t in tasks], orders))
                        .order_by(Event.id), lambda e: (e.subject_type, e.subject_id))
    task_of = _grouped(tasks, lambda t: t.complaint_id)
    packed, out = [], []
    for c in complaints:
        attachments = []
        for a in files.get(c.id, []):
            path = f"attachments/{c.number}/{a.id}-{clean_filename(a.filename)}"
            attachments.append({"filename": a.filename, "content_type": a.content_type, "size": a.size,
                                "sha256": a.sha256, "added_at": _time(a.created_at), "from_customer": a.from_customer,
                                "shown_to_customer": a.public, "file": path})
            packed.append((path, a))
        revisits = [{"round": t.round, "status": t.status, "satisfaction": t.satisfaction, "comment": t.comment,
                     "done_at": _time(t.done_at),
                     "answers": [{"question": a.text, "answer": a.value} for a in answers.get(t.id, [])],
                     "events": [_event(e) for e in timeline.get(("revisit", t.id), [])]}
                    for t in task_of.get(c.id, [])]
        out.append({
            "number": c.number, "kind": c.kind, "channel": c.channel, "status": c.status, "grade": c.grade,
            "category": categories.get(c.category_id), "department": departments.get(c.department_id),
            "vehicle_model": c.vehicle_model, "plate": c.plate, "vin": c.vin, "mileage": c.mileage,
            "project": c.project, "building": c.building, "unit": c.unit, "description": c.description,
            "customer_request": c.customer_request, "complainants": c.complainants, "vip": c.vip,
            "received_at": _time(c.received_at), "reply_due_at": _time(c.reply_due_at), "closed_at": _time(c.closed_at),
            "plans": [{"solution": p.solution, "cause": p.cause, "proposed_at": _time(p.proposed_at),
                       "agreed": p.agreed, "customer_opinion": p.customer_opinion} for p in plans.get(c.id, [])],
            "notes": [{"at": _time(n.created_at), "body": n.body, "shown_to_customer": n.public,
                       "from_customer": n.from_customer} for n in notes.get(c.id, [])],
            "attachments": attachments,
            "revisits": revisits,
            "events": [_event(e) for e in timeline.get(("complaint", c.id), [])],
        })
    document = {
        "format": FORMAT, "exported_at": _time(now()), "tenant": tenant.name,
        "customer": {"name": customer.name, "phone": customer.phone, "email": customer.email,
                     "address": customer.address, "language": customer.locale, "since": _time(customer.created_at)},
        "complaints": out,
        "customer_events": [_event(e) for e in timeline.get(("customer", customer.id), [])],
    }
    return document, packed


def subjects(customer_id: int, complaint_ids, task_ids, order_ids):
    """Events about this customer: on them, their complaints, their revisits and HQ's work orders for them."""
    return (((Event.subject_type == "customer") & (Event.subject_id == customer_id))
            | ((Event.subject_type == "complaint") & Event.subject_id.in_(list(complaint_ids) or [0]))
            | ((Event.subject_type == "revisit") & Event.subject_id.in_(list(task_ids) or [0]))
            | ((Event.subject_type == "work_order") & Event.subject_id.in_(list(order_ids) or [0])))


def as_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()


def as_zip(document: dict, packed: list, upload_dir: str) -> io.BytesIO:
    """export.json and every attachment file still on disk (a missing file is listed as missing)."""
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, a in packed:
            source = os.path.join(upload_dir, str(a.tenant_id), a.stored_name)
            if os.path.isfile(source):
                archive.write(source, path, compress_type=zipfile.ZIP_STORED)  # photos and audio: already packed
            else:
                missing.append(path)
        archive.writestr("export.json", as_json({**document, "missing_files": missing}))
    buffer.seek(0)
    return buffer
