"""Named read queries of the register: the queue with its filters, and one complaint's file."""
import base64
import datetime
import json
import re
from dataclasses import dataclass, field

from peewee import JOIN, fn

from ..accounts.models import User
from ..db import now
from ..events import Event
from ..hq.context import complaint_context as hq_context
from ..revisits.queries import revisit_context
from ..status.staff import link_context
from ..supervision.context import panel_context
from ..tenancy.models import Category, Department
from .models import Attachment, Complaint, ComplaintLink, Customer, Plan
from .rules import CLOSED_STATES, OPEN_STATES, Status, available_moves

PAGE_SIZE = 50
COUNT_CAP = 1000
SORTS = {"newest": (Complaint.id, True), "oldest": (Complaint.id, False),
         "due": (Complaint.next_due_at, False)}
DUE_SOON = datetime.timedelta(hours=24)


@dataclass
class QueueFilter:
    """The queue's filters, as they appear in the URL."""

    status: str = ""  # "", "open", "closed" or one Status
    kind: str = ""
    grade: str = ""
    category: int = 0
    channel: str = ""
    department: int = 0
    assignee: int = 0
    overdue: bool = False
    due_soon: bool = False
    vip: bool = False
    q: str = ""
    sort: str = "newest"
    after: str = ""
    extra: dict = field(default_factory=dict)
    indexed: object = field(default=None, repr=False, compare=False)  # `q` answered through an index (memo)

    @classmethod
    def from_args(cls, args, me_id: int | None = None) -> "QueueFilter":
        def integer(name):
            value = args.get(name, "")
            return me_id if value == "me" and me_id else (int(value) if value.isdigit() else 0)
        sort = args.get("sort", "newest")
        return cls(status=args.get("status", ""), kind=args.get("kind", ""), grade=args.get("grade", ""),
                   category=integer("category"), channel=args.get("channel", ""),
                   department=integer("department"), assignee=integer("assignee"),
                   overdue=args.get("overdue") == "1", due_soon=args.get("due_soon") == "1",
                   vip=args.get("vip") == "1",
                   q=args.get("q", "").strip()[:100], sort=sort if sort in SORTS else "newest",
                   after=args.get("after", ""))


def _conditions(f: QueueFilter):
    conds = []
    if f.status == "open":
        conds.append(Complaint.status.in_(list(OPEN_STATES)))
    elif f.status == "closed":
        conds.append(Complaint.status.in_(list(CLOSED_STATES)))
    elif f.status in set(Status):
        conds.append(Complaint.status == f.status)
    for name in ("kind", "grade", "channel"):
        if getattr(f, name):
            conds.append(getattr(Complaint, name) == getattr(f, name))
    for name in ("category", "department", "assignee"):
        if getattr(f, name):
            conds.append(getattr(Complaint, name) == getattr(f, name))
    if f.overdue:  # next_due_at is kept only for open complaints with a running clock
        conds.append(Complaint.next_due_at < now())
    if f.due_soon:
        conds.append(Complaint.next_due_at.between(now(), now() + DUE_SOON))
    if f.vip:
        conds.append(Complaint.vip == True)  # noqa: E712 (peewee expression)
    if f.q:
        conds.append(_search(f))
    return conds


PHONE_TYPED = re.compile(r"\+?[\d\s-]+")
NUMBER_TYPED = re.compile(r"[A-Za-z0-9]+-\d{6}-\d{4,}")


def _search(f: QueueFilter):
    """What `q` finds. A phone number that some customer's number starts with (7 digits or more): that
    customer's complaints; a complaint number that exists: that complaint; both through an index.
    Anything else: the number, customer name, phone, description or plate containing it (a scan)."""
    if f.indexed is None:
        f.indexed = _indexed_search(f.q) or False
    if f.indexed is not False:
        return f.indexed
    digits = "".join(ch for ch in f.q if ch.isdigit())
    text = (Complaint.number.contains(f.q) | Customer.name.contains(f.q) | Complaint.description.contains(f.q)
            | Complaint.plate.contains(f.q))
    return text | Customer.phone.contains(digits) if len(digits) >= 4 else text


def _indexed_search(q: str):
    """The complaints a whole phone number or complaint number names, by id (None: not one, or none found)."""
    digits = "".join(ch for ch in q if ch.isdigit())
    if PHONE_TYPED.fullmatch(q) and len(digits) >= 7:
        # a prefix as a range of digit strings (the same order in any collation), so the index serves it
        head = digits.rstrip("9")
        within = Customer.phone >= digits
        if head:
            within &= Customer.phone < head[:-1] + str(int(head[-1]) + 1)
        found = Complaint.select(Complaint.id).where(Complaint.customer.in_(Customer.select(Customer.id).where(within)))
    elif NUMBER_TYPED.fullmatch(q):
        found = Complaint.select(Complaint.id).where(Complaint.number.in_({q, q.upper()}))
    else:
        return None
    ids = [i for i, in found.limit(COUNT_CAP + 1).tuples()]
    # by id, so the page is read through the primary key rather than by walking the register in order
    return Complaint.id.in_(ids) if 0 < len(ids) <= COUNT_CAP else None


def _base(f: QueueFilter, *fields, with_customer=True):
    conds = _conditions(f)
    query = Complaint.select(*fields)
    if with_customer or (f.q and f.indexed is False):  # the customer is shown, or its name and phone searched
        query = query.join(Customer, on=(Complaint.customer == Customer.id))
    for cond in conds:
        query = query.where(cond)
    return query


def encode_cursor(row, sort: str) -> str:
    column, _ = SORTS[sort]
    key = getattr(row, column.name)
    raw = json.dumps([key.isoformat() if hasattr(key, "isoformat") else key, row.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _cursor(f: QueueFilter) -> tuple | None:
    """The (sort key, id) of the last row of the previous page, or None (first page, or a mangled cursor)."""
    if not f.after:
        return None
    try:
        key, last_id = json.loads(base64.urlsafe_b64decode(f.after.encode()))
    except (ValueError, TypeError):
        return None
    return key, last_id


def _after(query, f: QueueFilter):
    if (cursor := _cursor(f)) is None:
        return query
    key, last_id = cursor
    column, desc = SORTS[f.sort]
    if column is Complaint.id:
        return query.where(Complaint.id < last_id if desc else Complaint.id > last_id)
    # next_due_at ascending, ties by id; rows without a date come last, by id
    if key is None:
        return query.where(column.is_null() & (Complaint.id > last_id))
    key = datetime.datetime.fromisoformat(key)  # compared as a datetime, not as ISO text
    return query.where((column > key) | ((column == key) & (Complaint.id > last_id)) | column.is_null())


def row_columns(Assignee) -> tuple:
    """What a queue row shows (complaints/_queue.html, hq/_complaints.html) and its cursor needs. Every column
    of the five tables made turning a page's rows into objects most of the queue's time."""
    return (Complaint.id, Complaint.tenant, Complaint.number, Complaint.kind, Complaint.channel, Complaint.status,
            Complaint.grade, Complaint.vip, Complaint.crisis, Complaint.batch_incident, Complaint.report_required,
            Complaint.is_repeat, Complaint.complainants, Complaint.received_at, Complaint.next_due_at,
            Complaint.customer, Complaint.category, Complaint.department, Complaint.assignee,
            Customer.id, Customer.name, Customer.phone, Customer.erased_at, Category.id, Category.name,
            Department.id, Department.name, Assignee.id, Assignee.name)


def queue_page(f: QueueFilter) -> tuple[list, str | None]:
    """One page of the queue (rows with their customer, category, department and handler) and the next cursor."""
    Assignee = User.alias()
    query = (_base(f, *row_columns(Assignee))
             .join_from(Complaint, Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
             .join_from(Complaint, Assignee, JOIN.LEFT_OUTER, on=(Complaint.assignee == Assignee.id)))
    column, desc = SORTS[f.sort]
    if column is Complaint.id and _cursor(f) is None:
        # Start at this workspace's own newest (oldest) complaint. PostgreSQL may walk the primary key
        # and filter by tenant; for a tenant whose complaints are all older than other tenants' (one
        # that imported its history, or went quiet) that read every newer row of the table first:
        # 830k rows, 0.8 s, on bench.network's database. With the bound it seeks (tenant, id).
        # A later page has its cursor as the bound: both bounds made SQLite range over the subquery's
        # and filter by the cursor, walking half the workspace for a page in the middle (20 ms).
        edge = Complaint.select(fn.MAX(Complaint.id) if desc else fn.MIN(Complaint.id))
        query = query.where(Complaint.id <= edge if desc else Complaint.id >= edge)
    order = [column.desc() if desc else column.asc(nulls="LAST") if column is not Complaint.id else column.asc()]
    order.append(Complaint.id.desc() if desc else Complaint.id.asc())
    rows = list(_after(query, f).order_by(*order).limit(PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (encode_cursor(rows[-1], f.sort) if more and rows else None)


def capped_count(f: QueueFilter) -> tuple[int, bool]:
    """How many complaints match, counted up to COUNT_CAP (then shown as "1000+")."""
    n = _base(f, Complaint.id, with_customer=False).limit(COUNT_CAP + 1).count()  # COUNT over a LIMITed subquery
    return min(n, COUNT_CAP), n > COUNT_CAP


def in_full(complaint_id: int) -> Complaint | None:
    """The complaint with its customer, category, department and handler, in one query (None if not here)."""
    Assignee = User.alias()
    row = (Complaint.select(Complaint, Customer, Category, Department, Assignee)
           .join(Customer, on=(Complaint.customer == Customer.id))
           .join_from(Complaint, Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
           .join_from(Complaint, Department, JOIN.LEFT_OUTER, on=(Complaint.department == Department.id))
           .join_from(Complaint, Assignee, JOIN.LEFT_OUTER, on=(Complaint.assignee == Assignee.id))
           .where(Complaint.id == complaint_id).get_or_none())
    if row is not None:
        row.in_full = True
    return row


def detail_context(complaint: Complaint, permissions) -> dict:
    """Everything the detail page shows, in a handful of queries."""
    full = complaint if getattr(complaint, "in_full", False) else in_full(complaint.id)
    timeline = list(Event.select().where((Event.subject_type == "complaint") & (Event.subject_id == complaint.id))
                    .order_by(Event.id))
    links = list(ComplaintLink.select(ComplaintLink, Complaint)
                 .join(Complaint, on=(ComplaintLink.target == Complaint.id))
                 .where(ComplaintLink.source == complaint.id))
    back = list(ComplaintLink.select(ComplaintLink, Complaint)
                .join(Complaint, on=(ComplaintLink.source == Complaint.id))
                .where(ComplaintLink.target == complaint.id))
    history = list(Complaint.select(Complaint.id, Complaint.number, Complaint.status, Complaint.received_at)
                   .where((Complaint.customer == full.customer_id) & (Complaint.id != complaint.id))
                   .order_by(Complaint.id.desc()).limit(10))
    return {
        "complaint": full, "timeline": timeline, "history": history,
        "attachments": list(Attachment.select().where(Attachment.complaint == complaint.id).order_by(Attachment.id)),
        "plans": list(Plan.select().where(Plan.complaint == complaint.id).order_by(Plan.id)),
        "links": [(link.kind, link.target) for link in links] + [(link.kind + "_of", link.source) for link in back],
        "moves": available_moves(full.status, full.kind, permissions),
        **clock_context(complaint),
        **link_context(full),
        **hq_context(full),
        **revisit_context(full),
        **panel_context(full),
    }


def clock_context(complaint: Complaint) -> dict:
    """The complaint's deadlines and pauses, for the "why due when" panel."""
    from ..sla.models import Deadline, Pause
    deadlines = list(Deadline.select().where(Deadline.complaint == complaint.id).order_by(Deadline.id))
    pauses = list(Pause.select().where(Pause.complaint == complaint.id).order_by(Pause.id))
    return {"deadlines": deadlines, "pauses": pauses}


def customer_history(phone_digits: str, limit: int = 10):
    """The known customer with this phone and their latest complaints."""
    customer = Customer.select().where(Customer.phone == phone_digits).order_by(Customer.id.desc()).first()
    if customer is None:
        return None, []
    rows = list(Complaint.select(Complaint.id, Complaint.number, Complaint.status, Complaint.received_at,
                                 Complaint.description)
                .where(Complaint.customer == customer.id).order_by(Complaint.id.desc()).limit(limit))
    return customer, rows
