"""The queue of complaints (HTMX partial + full page), "my queue" and bulk assignment."""
from flask import g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import requires
from ..db import atomic
from ..htmx import render
from ..tenancy.rules import Permission as P
from . import actions, queries
from .models import Complaint
from .rules import Channel, Grade, Kind, Status
from .views import bp, category_choices, department_choices, department_or_none, member_choices, member_or_none


@bp.get("/")
@requires(P.COMPLAINT_VIEW)
def queue():
    f = queries.QueueFilter.from_args(request.args, g.user.id)
    rows, cursor = queries.queue_page(f)
    count, capped = queries.capped_count(f) if not f.after else (None, False)
    return render("complaints/queue.html", "complaints/_queue.html", rows=rows, cursor=cursor, f=f,
                  count=count, capped=capped, args=request.args, options=_options())


@bp.get("/mine")
@requires(P.COMPLAINT_VIEW)
def mine():
    """What waits for the current user: open complaints assigned to them."""
    return redirect(url_for("complaints.queue", assignee="me", status="open"))


def _options() -> dict:
    return {"statuses": list(Status), "kinds": list(Kind), "grades": list(Grade), "channels": list(Channel),
            "categories": category_choices(), "departments": department_choices(),
            "members": member_choices(_("Anyone"))[1:]}


@bp.post("/bulk-assign")
@requires(P.COMPLAINT_ASSIGN)
def bulk_assign():
    """Assign the ticked complaints to one department and/or handler."""
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:200]
    try:
        department = department_or_none(int(request.form.get("department") or 0))
        assignee = member_or_none(int(request.form.get("assignee") or 0))
    except (actions.MoveError, ValueError):
        return redirect(url_for("complaints.queue"), code=303)
    with atomic():
        for complaint in Complaint.select().where(Complaint.id.in_(ids)):
            actions.assign(complaint, g.user, department=department or complaint.department_id,
                           assignee=assignee or complaint.assignee_id)
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("complaints.queue"), code=303)


@bp.get("/customer-lookup")
@requires(P.COMPLAINT_CREATE)
def customer_lookup():
    """While the phone is typed at intake: the known customer and their history."""
    digits = actions.normalise_phone(request.args.get("phone", ""))
    customer, rows = queries.customer_history(digits) if len(digits) >= 7 else (None, [])
    return render("complaints/_customer_history.html", "complaints/_customer_history.html",
                  customer=customer, rows=rows)
