"""Headquarters rules: the work-order lifecycle, the HQ handler's permissions, the comparison order. Pure."""
import enum

from ..complaints.rules import Channel, Move
from ..tenancy.rules import Permission as P


class WorkOrderStatus(enum.StrEnum):
    DISPATCHED = "dispatched"  # sent to a tenant, waiting for its first response
    ACCEPTED = "accepted"  # the tenant responded and is handling it
    RETURNED = "returned"  # the tenant sent it back (misrouted); HQ redirects it
    COMPLETED = "completed"  # the complaint behind it was closed


W = WorkOrderStatus
# verb -> the work-order states it may start from
WORK_ORDER_MOVES = {
    "accept": {W.DISPATCHED},
    "return": {W.DISPATCHED, W.ACCEPTED},
    "redirect": {W.DISPATCHED, W.ACCEPTED, W.RETURNED},
    "complete": {W.DISPATCHED, W.ACCEPTED},
    "reopen": {W.COMPLETED},
}

# How HQ received what it dispatches: its hotline, the consumer association, the media, ...
SOURCES = [Channel.PHONE, Channel.CONSUMER_ASSOCIATION, Channel.MEDIA, Channel.EMAIL, Channel.LETTER,
           Channel.WEB, Channel.OTHER]
# Risk flags a source sets on the dispatched complaint, so the grading rules see it (DOMAIN.md §2, §4).
SOURCE_FLAGS = {Channel.CONSUMER_ASSOCIATION: ["consumer_association"], Channel.MEDIA: ["media_risk"]}

# A returned or redirected work order leaves the tenant's register closed as "returned" or "redirected"
# (complaints.rules: the moves RETURN_TO_HQ and REDIRECT): not counted as valid or invalid, skipped by the
# grading and cluster rules like a merged duplicate, counted apart in the monthly report.
# work-order verb -> the register's move it takes on the tenant's entry (the entry it leaves)
COMPLAINT_MOVES = {"return": Move.RETURN_TO_HQ, "redirect": Move.REDIRECT}

# What an HQ handler may do on a complaint HQ took over (a tenant manager's complaint permissions).
HQ_HANDLER_PERMISSIONS = frozenset(str(p) for p in (
    P.COMPLAINT_VIEW, P.COMPLAINT_NOTE, P.COMPLAINT_ASSIGN, P.COMPLAINT_INVESTIGATE, P.COMPLAINT_TRANSFER,
    P.COMPLAINT_PLAN, P.COMPLAINT_CUSTOMER, P.COMPLAINT_IMPLEMENT, P.COMPLAINT_CLOSE, P.CUSTOMER_FULL,
    P.REVISIT, P.CRISIS, P.APPROVE))


class WorkOrderError(ValueError):
    """A refused work-order change; `problems` maps a field (or "__all__") to message ids."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


def check_move(verb: str, status: str) -> dict:
    """Why a work-order verb is refused in this state (empty when allowed)."""
    return {} if status in WORK_ORDER_MOVES[verb] else {"__all__": ["wrong_state"]}


def rate(on_time: int, total: int) -> float | None:
    """A KPI rate in percent, one decimal; None when nothing was counted."""
    return None if not total else round(100.0 * on_time / total, 1)


# The comparison table's columns: key -> True when a higher value is worse.
COLUMNS = {
    "name": False, "open_total": True, "open_major": True, "open_hot": True, "open_important": True,
    "open_general": True, "crises": True, "overdue_reply": True, "overdue_completion": True,
    "work_orders_waiting": True, "work_orders_overdue": True, "reports_pending": True,
    "supervision_open": True, "warnings": True,
    "response_rate": False, "completion_rate": False, "satisfaction_rate": False,
}


def worst_first(row: dict) -> tuple:
    """Worst first: most overdue (replies, completions, responses to HQ, missed supervision milestones), then
    most crises and major complaints, then the lowest timely response rate, completion rate and satisfaction
    (no figure yet: after the rest)."""
    overdue = row["overdue_reply"] + row["overdue_completion"] + row["work_orders_overdue"] + row["warnings"]
    severe = row["crises"] + row["open_major"]
    rates = tuple(row[k] if row[k] is not None else 101.0
                  for k in ("response_rate", "completion_rate", "satisfaction_rate"))
    return (-overdue, -severe, -row["reports_pending"]) + rates + (row["name"],)


def sort_rows(rows: list[dict], sort: str = "worst", descending: bool | None = None) -> list[dict]:
    """The comparison rows in the order asked for; "worst" (the default) puts the worst tenants first."""
    if sort not in COLUMNS:
        return sorted(rows, key=worst_first)
    if descending is None:
        descending = COLUMNS[sort]  # worst first unless told otherwise
    present = [r for r in rows if r[sort] is not None]
    missing = [r for r in rows if r[sort] is None]
    return sorted(present, key=lambda r: (r[sort], r["name"]), reverse=descending) + missing
