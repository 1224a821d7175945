"""Deadline verbs: start, meet, pause and resume a complaint's clocks (called from complaint hooks)."""
import datetime

from .. import events
from ..complaints.models import Complaint
from ..db import atomic, now
from ..events import EventKind
from . import settings
from .calendar import add_working_days, due_with_pauses, working_seconds_between
from .models import Deadline, DeadlineKind, Pause

K = DeadlineKind
# kind -> (settings key, unit); units: working_days, working_hours, clock_hours, clock_days
BUDGETS = {
    K.HANDOVER: ("handover_hours", "working_hours"), K.REPLY: ("reply_days", "working_days"),
    K.PLAN: ("plan_days", "working_days"), K.REVISIT: ("revisit_days", "working_days"),
    K.COMPLETION: ("completion_days", "working_days"), K.CRISIS_PLAN: ("crisis_plan_hours", "clock_hours"),
    K.CRISIS_CONTACT: ("crisis_contact_hours", "clock_hours"),
    K.CRISIS_ADJUST: ("crisis_adjust_hours", "clock_hours"), K.CASE_WRITEUP: ("case_writeup_days", "clock_days"),
}
CRISIS_REVISIT = ("revisit_crisis_days", "clock_days")
# A crisis does not wait for a part or the customer: its clocks run through pauses.
UNPAUSED = {K.CRISIS_PLAN, K.CRISIS_CONTACT, K.CRISIS_ADJUST, K.CASE_WRITEUP}


def budget(cal, cfg: dict, kind: str, start: datetime.datetime, crisis: bool = False) -> tuple[float, bool]:
    """(seconds, counted on the clock?) for a new deadline of this kind."""
    key, unit = CRISIS_REVISIT if (kind == K.REVISIT and crisis) else BUDGETS[kind]
    amount = cfg[key]
    if unit == "working_days":
        return working_seconds_between(cal, start, add_working_days(cal, start, int(amount))), False
    if unit == "working_hours":
        return float(amount) * 3600, False
    return float(amount) * (86400 if unit == "clock_days" else 3600), True


def clock_due(start, seconds, pauses):
    """Plain-clock due moment, pushed on by pauses after the start; None inside an open pause."""
    due = start + datetime.timedelta(seconds=seconds)
    for p_start, p_end in sorted(pauses):
        if p_start >= due:
            break
        if p_end is None:
            return None
        if p_end > start:
            due += p_end - max(p_start, start)
    return due


def due_and_warn(cal, cfg, deadline, pauses):
    """(due_at, warn_at) of a deadline given the complaint's pauses."""
    warn = float(cfg["warn_hours"]) * 3600
    if deadline.kind in UNPAUSED:
        pauses = []
    if deadline.clock:
        due = clock_due(deadline.started_at, deadline.budget_seconds, pauses)
        return due, (due - datetime.timedelta(seconds=min(warn, deadline.budget_seconds)) if due else None)
    due = due_with_pauses(cal, deadline.started_at, deadline.budget_seconds, pauses)
    early = due_with_pauses(cal, deadline.started_at, max(deadline.budget_seconds - warn, 0), pauses)
    return due, (early if due else None)


def _pauses(complaint):
    return [(p.started_at, p.ended_at) for p in Pause.select().where(Pause.complaint == complaint.id)]


def _context(complaint):
    tenant = complaint.tenant
    return settings.calendar_for(tenant), settings.load(tenant, "deadlines")


def start(complaint, kind: str, at=None) -> Deadline:
    """Start a clock now (a running clock of the same kind is replaced)."""
    at = at or now()
    cal, cfg = _context(complaint)
    Deadline.delete().where((Deadline.complaint == complaint.id) & (Deadline.kind == kind)
                            & Deadline.met_at.is_null()).execute()
    seconds, clock = budget(cal, cfg, kind, at, crisis=complaint.crisis)
    deadline = Deadline(tenant=complaint.tenant_id, complaint=complaint, kind=kind, started_at=at,
                        budget_seconds=seconds, clock=clock)
    deadline.due_at, deadline.warn_at = due_and_warn(cal, cfg, deadline, _pauses(complaint))
    deadline.save()
    refresh_next_due(complaint)
    return deadline


def start_first(complaint, kinds, at) -> None:
    """A new complaint's clocks (none running, no pause yet): one insert, and the columns the queue sorts on."""
    cal, cfg = _context(complaint)
    rows = []
    for kind in kinds:
        seconds, clock = budget(cal, cfg, kind, at, crisis=complaint.crisis)
        deadline = Deadline(started_at=at, budget_seconds=seconds, clock=clock)
        due, warn = due_and_warn(cal, cfg, deadline, [])
        rows.append({"tenant": complaint.tenant_id, "complaint": complaint.id, "kind": kind, "started_at": at,
                     "budget_seconds": seconds, "clock": clock, "due_at": due, "warn_at": warn})
    Deadline.insert_many(rows).execute()
    earliest = min((r["due_at"] for r in rows if r["due_at"]), default=None)
    Complaint.update(open_clock_from=at, next_due_at=earliest).where(Complaint.id == complaint.id).execute()
    complaint.open_clock_from, complaint.next_due_at = at, earliest


def meet(complaint, kinds, at=None) -> None:
    """Stop running clocks of these kinds, recording whether each was met in time."""
    at = at or now()
    running = Deadline.select().where((Deadline.complaint == complaint.id) & Deadline.met_at.is_null()
                                      & Deadline.kind.in_([str(k) for k in kinds]))
    for d in running:
        Deadline.update(met_at=at, on_time=d.due_at is None or at <= d.due_at).where(Deadline.id == d.id).execute()
    refresh_next_due(complaint)


def refresh_next_due(complaint) -> None:
    """Keep complaint.next_due_at = the earliest running due moment (the queue sorts on it)."""
    earliest = (Deadline.select(Deadline.due_at)
                .where((Deadline.complaint == complaint.id) & Deadline.met_at.is_null() & Deadline.due_at.is_null(False))
                .order_by(Deadline.due_at).limit(1).scalar())
    Complaint.update(next_due_at=earliest).where(Complaint.id == complaint.id).execute()
    complaint.next_due_at = earliest


def _recompute(complaint) -> None:
    cal, cfg = _context(complaint)
    pauses = _pauses(complaint)
    for d in Deadline.select().where((Deadline.complaint == complaint.id) & Deadline.met_at.is_null()):
        due, warn = due_and_warn(cal, cfg, d, pauses)
        Deadline.update(due_at=due, warn_at=warn).where(Deadline.id == d.id).execute()
    refresh_next_due(complaint)


class PauseError(ValueError):
    """A pause refused: not allowed by the tenant, already paused, or not paused."""


def pause(complaint, reason: str, note: str, actor) -> Pause:
    """Stop the complaint's clocks while waiting for the customer, a part or an outside party."""
    with atomic():
        if not settings.load(complaint.tenant, "deadlines")["pause_allowed"]:
            raise PauseError("pause_not_allowed")
        if complaint.paused_since is not None:
            raise PauseError("already_paused")
        p = Pause.create(tenant=complaint.tenant_id, complaint=complaint, reason=reason, note=note, started_by=actor)
        Complaint.update(paused_since=p.started_at).where(Complaint.id == complaint.id).execute()
        complaint.paused_since = p.started_at
        _recompute(complaint)
        events.record(EventKind.CLOCK_PAUSED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"reason": reason, "note": note}, public=reason != "internal")
    return p


def resume(complaint, actor) -> None:
    """Start the clocks again; the paused time is not counted against anyone."""
    with atomic():
        p = Pause.select().where((Pause.complaint == complaint.id) & Pause.ended_at.is_null()).first()
        if p is None:
            raise PauseError("not_paused")
        ended = now()
        Pause.update(ended_at=ended).where(Pause.id == p.id).execute()
        anchor = (complaint.open_clock_from or complaint.received_at) + (ended - p.started_at)
        Complaint.update(paused_since=None, open_clock_from=anchor).where(Complaint.id == complaint.id).execute()
        complaint.paused_since, complaint.open_clock_from = None, anchor
        _recompute(complaint)
        events.record(EventKind.CLOCK_RESUMED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"reason": p.reason, "paused_seconds": (ended - p.started_at).total_seconds()})
