"""Attachments: upload (checked by content and size), and download by authorised users only."""
import hashlib
import os
import uuid

from flask import current_app, g, send_file
from flask_babel import gettext as _

from .. import events
from ..access import get_or_404, requires
from ..db import atomic
from ..events import EventKind
from ..tenancy.rules import Permission as P
from .models import Attachment, Complaint
from .uploads import INLINE_TYPES, MAX_BYTES, MAX_FILES, clean_filename, sniff
from .views import bp, done, render_detail


def check_uploads(files) -> list[str]:
    """Reasons to refuse these uploads (empty when all are acceptable); reads only the first bytes."""
    files = [f for f in files if f and f.filename]
    problems = []
    if len(files) > MAX_FILES:
        problems.append(_("At most %(n)d files at a time.", n=MAX_FILES))
    for f in files:
        f.stream.seek(0, os.SEEK_END)
        size = f.stream.tell()
        f.stream.seek(0)
        if size > MAX_BYTES:
            problems.append(_("%(name)s is larger than %(mb)d MB.", name=clean_filename(f.filename), mb=MAX_BYTES // 2**20))
        elif sniff(f.stream.read(16)) is None:
            problems.append(_("%(name)s is not a photo, PDF or audio recording.", name=clean_filename(f.filename)))
        f.stream.seek(0)
    return problems


def _store(tenant_id: int, data: bytes) -> str:
    folder = os.path.join(current_app.config["UPLOAD_DIR"], str(tenant_id))
    os.makedirs(folder, exist_ok=True)
    name = uuid.uuid4().hex
    with open(os.path.join(folder, name), "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return name


def save_uploads(complaint, files, actor, from_customer=False) -> list[Attachment]:
    """Keep each (already checked) file unaltered, with its hash, and record an event."""
    saved = []
    with atomic():
        for f in (f for f in files if f and f.filename):
            data = f.stream.read(MAX_BYTES + 1)
            content_type, _ext = sniff(data[:16])
            att = Attachment.create(
                tenant=complaint.tenant_id, complaint=complaint, filename=clean_filename(f.filename),
                content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                stored_name=_store(complaint.tenant_id, data), uploaded_by=actor, from_customer=from_customer,
                public=from_customer)
            events.record(EventKind.ATTACHMENT_ADDED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                          data={"attachment": att.id, "filename": att.filename, "sha256": att.sha256},
                          public=from_customer, actor_label=None if actor else "customer")
            saved.append(att)
    return saved


@bp.post("/<int:cid>/attachments")
@requires(P.COMPLAINT_NOTE)
def upload(cid):
    from flask import request
    complaint = get_or_404(Complaint, cid)
    files = request.files.getlist("attachments")
    problems = check_uploads(files) or ([] if any(f.filename for f in files) else [_("Choose a file to upload.")])
    if problems:
        return render_detail(complaint, status=422, upload_errors=problems)
    save_uploads(complaint, files, g.user)
    return done(complaint)


@bp.get("/<int:cid>/attachments/<int:aid>")
@requires(P.COMPLAINT_VIEW)
def download(cid, aid):
    att = get_or_404(Attachment, aid)
    if att.complaint_id != cid:
        from flask import abort
        abort(404)
    path = os.path.join(current_app.config["UPLOAD_DIR"], str(att.tenant_id), att.stored_name)
    response = send_file(path, mimetype=att.content_type, as_attachment=att.content_type not in INLINE_TYPES,
                         download_name=att.filename, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
