"""The forms of the complaint page's supervision panel (its data: `context.panel_context`)."""
import datetime

from flask import g

from ..complaints.views import department_choices, member_choices
from ..forms import options
from ..sla import settings
from .forms import IssueForm


def new_issue_form(complaint, formdata=None) -> IssueForm:
    """The issue form with its choices; the complaint's department is the default addressee."""
    form = IssueForm(formdata=formdata, department=complaint.department_id or 0)
    form.department.choices = options(department_choices("—"))
    members = options(member_choices("—"))
    form.cc.choices = members[1:]
    for entry in form.milestones.entries:
        entry.form.owner.choices = members
    return form


def _local_due(tenant, day: datetime.date, at: datetime.time | None) -> datetime.datetime:
    """A local date and time (end of business when no time is given) as naive UTC."""
    if at is None:
        at = datetime.time.fromisoformat(settings.load(tenant, "calendar")["work_end"])
    local = datetime.datetime.combine(day, at, settings.calendar_for(tenant).zone)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def issue_milestones(form) -> list[tuple[int, dict]]:
    """(row index, milestone) for each filled row, as the action wants them; blank rows are left out."""
    rows = []
    for index, entry in enumerate(form.milestones.entries):
        row = entry.form
        if row.blank:
            continue
        rows.append((index, {"title": row.title.data or "", "owner": row.owner.data or None,
                     "due_at": _local_due(g.tenant, row.due_date.data, row.due_time.data) if row.due_date.data
                     else None}))
    return rows
