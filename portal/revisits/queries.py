"""Named read queries of revisits: the queue with its filters (keyset pages), one revisit, a complaint's panel."""
import base64
import datetime
import json
from dataclasses import dataclass

from peewee import JOIN

from ..accounts.models import User
from ..complaints.models import Complaint, Customer, Plan
from ..db import now
from ..events import Event
from ..tenancy.models import Department
from .models import RevisitAnswer, RevisitTask
from .rules import SHOW, TaskStatus

PAGE_SIZE = 50


@dataclass
class QueueFilter:
    """The queue's filters, as they appear in the URL."""

    show: str = "open"  # open | due | overdue | unreachable | done
    handler: int = 0  # who is calling (0: anyone)
    after: str = ""

    @classmethod
    def from_args(cls, args, me_id: int | None = None) -> "QueueFilter":
        show = args.get("show", "open")
        handler = args.get("handler", "")
        return cls(show=show if show in SHOW else "open",
                   handler=me_id if handler == "me" and me_id else int(handler) if handler.isdigit() else 0,
                   after=args.get("after", ""))

    @property
    def newest_first(self) -> bool:
        return self.show == "done"


def _conditions(f: QueueFilter, at: datetime.datetime) -> list:
    T = RevisitTask
    conds = {
        "open": [T.status == TaskStatus.OPEN],
        "due": [T.status == TaskStatus.OPEN, (T.due_at >= at) | T.due_at.is_null()],
        "overdue": [T.status == TaskStatus.OPEN, T.due_at < at],
        "unreachable": [T.status == TaskStatus.UNREACHABLE],
        "done": [T.status == TaskStatus.DONE],
    }[f.show]
    if f.handler:
        conds.append(T.assignee == f.handler)
    return conds


def _cursor(row, f: QueueFilter) -> str:
    key = row.done_at if f.newest_first else row.due_at
    raw = json.dumps([key.isoformat() if key else None, row.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _after(query, f: QueueFilter):
    if not f.after:
        return query
    try:
        key, last_id = json.loads(base64.urlsafe_b64decode(f.after.encode()))
        key = datetime.datetime.fromisoformat(key) if key else None
        last_id = int(last_id)
    except (ValueError, TypeError):
        return query
    T = RevisitTask
    if f.newest_first:  # done_at descending, ties by id descending
        return query.where((T.done_at < key) | ((T.done_at == key) & (T.id < last_id)))
    if key is None:  # already among the rows without a due date (they come last)
        return query.where(T.due_at.is_null() & (T.id > last_id))
    return query.where((T.due_at > key) | ((T.due_at == key) & (T.id > last_id)) | T.due_at.is_null())


def queue_page(f: QueueFilter, at=None) -> tuple[list, str | None]:
    """One page of revisits with their complaint, customer, department and caller, and the next cursor."""
    at = at or now()
    T, Caller = RevisitTask, User.alias()
    query = (T.select(T, Complaint, Customer, Department, Caller)
             .join(Complaint, on=(T.complaint == Complaint.id))
             .join(Customer, on=(Complaint.customer == Customer.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .join_from(T, Caller, JOIN.LEFT_OUTER, on=(T.assignee == Caller.id)))
    for cond in _conditions(f, at):
        query = query.where(cond)
    order = [T.done_at.desc(), T.id.desc()] if f.newest_first else [T.due_at.asc(nulls="LAST"), T.id.asc()]
    rows = list(_after(query, f).order_by(*order).limit(PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (_cursor(rows[-1], f) if more and rows else None)


def task_with_complaint(task_id: int) -> RevisitTask | None:
    """One revisit with its complaint, customer and department (the revisit form's header)."""
    T = RevisitTask
    return (T.select(T, Complaint, Customer, Department)
            .join(Complaint, on=(T.complaint == Complaint.id))
            .join(Customer, on=(Complaint.customer == Customer.id))
            .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
            .where(T.id == task_id).first())


def call_context(complaint) -> dict:
    """What the caller reads out: the solution the customer agreed to and what was done."""
    plan = (Plan.select().where((Plan.complaint == complaint.id) & (Plan.agreed == True))  # noqa: E712
            .order_by(Plan.id.desc()).first())
    implemented = (Event.select().where((Event.subject_type == "complaint") & (Event.subject_id == complaint.id)
                                        & (Event.kind == "complaint.moved")
                                        & Event.data.contains('"move": "implement"'))
                   .order_by(Event.id.desc()).first())
    return {"plan": plan, "implemented": (implemented.loaded("data") or {}) if implemented else {}}


def answers_of(task) -> list[RevisitAnswer]:
    return list(RevisitAnswer.select().where(RevisitAnswer.task == task.id).order_by(RevisitAnswer.position))


def revisit_context(complaint) -> dict:
    """The complaint page's revisit panel: its revisits, oldest first (one indexed query)."""
    tasks = list(RevisitTask.select().where(RevisitTask.complaint == complaint.id).order_by(RevisitTask.id))
    return {"revisits": tasks}
