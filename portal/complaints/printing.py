"""Printable forms: acceptance receipt, investigation form, transfer slip, customer opinion form."""
from flask import abort, render_template

from ..access import get_or_404, requires
from ..tenancy.rules import Permission as P
from . import queries
from .models import Complaint
from .views import bp

DOCUMENTS = ("receipt", "investigation", "transfer", "opinion")


@bp.get("/<int:cid>/print/<doc>")
@requires(P.COMPLAINT_VIEW)
def printable(cid, doc):
    if doc not in DOCUMENTS:
        abort(404)
    complaint = get_or_404(Complaint, cid)
    ctx = queries.detail_context(complaint, frozenset())
    steps = {}
    for event in ctx["timeline"]:
        if event.kind == "complaint.moved":
            data = event.loaded("data") or {}
            steps[data.get("move")] = {"data": data, "event": event}
    return render_template(f"complaints/print/{doc}.html", **dict(ctx, moves=steps))


@bp.get("/<int:cid>/receipt")
@requires(P.COMPLAINT_VIEW)
def receipt(cid):
    return printable(cid, "receipt")
