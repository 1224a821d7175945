"""The cluster rule's own register, so an intake counts complainants in a few index reads (DOMAIN.md §2).

`ClusterEntry` holds every complaint the rule counts (a complaint with a category, not merged, returned or redirected) with
its complainant (`grading.complainant_key`); `ClusterComplainant` holds each complainant's latest
entry per category. Whatever changes what the rule counts calls `recount(complaint)` in its
transaction: intake, conversion into a complaint, merge and HQ withdrawal do (hooks below); a change
of category or of a customer's phone (erasure) must too.

For the newest complaint of a category (every intake) the busiest window is the one ending at it
(`grading`: the earliest start holds every later one), so its complainants are the
`ClusterComplainant` rows from `received_at - window` on: one index count, however busy the category.
"""
import datetime
from dataclasses import dataclass

from peewee import EXCLUDED, Case, fn

from ..complaints import hooks
from ..complaints.models import Complaint
from ..complaints.rules import ELSEWHERE, Kind, Move
from . import grading
from .models import ClusterComplainant, ClusterEntry

MATES_LIMIT = 500  # members read when a cluster forms: they come from cluster_size - 1 complainants


def counted(c: Complaint) -> bool:
    """Whether the cluster rule counts this complaint."""
    return c.kind == Kind.COMPLAINT and c.category_id is not None and c.status not in ELSEWHERE


def add(c: Complaint, key: str) -> None:
    """Count a complaint that was not counted before (an intake): its entry, and its complainant's latest."""
    ClusterEntry.insert(tenant=c.tenant_id, complaint=c.id, category=c.category_id, received_at=c.received_at,
                        complainant=key).execute()
    later = Case(None, [(ClusterComplainant.last_at < EXCLUDED.last_at, EXCLUDED.last_at)], ClusterComplainant.last_at)
    (ClusterComplainant.insert(tenant=c.tenant_id, category=c.category_id, complainant=key, last_at=c.received_at)
     .on_conflict(conflict_target=[ClusterComplainant.tenant, ClusterComplainant.category,
                                   ClusterComplainant.complainant], update={ClusterComplainant.last_at: later})
     .execute())


def recount(c: Complaint, phone: str | None = None) -> None:
    """Bring the complaint's entry in line with what it is now (any change: kind, category, status, phone)."""
    old = ClusterEntry.select().where(ClusterEntry.complaint == c.id).first()
    ClusterEntry.delete().where(ClusterEntry.complaint == c.id).execute()
    if old is not None:
        _latest(c.tenant_id, old.category_id, old.complainant)
    if counted(c):
        phone = c.customer.phone if phone is None else phone
        add(c, grading.complainant_key(phone, c.id))


def _latest(tenant_id: int, category_id: int, key: str) -> None:
    """Set (or drop) a complainant's latest complaint about a category from their entries."""
    last = (ClusterEntry.select(fn.MAX(ClusterEntry.received_at))
            .where((ClusterEntry.tenant == tenant_id) & (ClusterEntry.category == category_id)
                   & (ClusterEntry.complainant == key)).scalar())
    row = ((ClusterComplainant.tenant == tenant_id) & (ClusterComplainant.category == category_id)
           & (ClusterComplainant.complainant == key))
    if last is None:
        ClusterComplainant.delete().where(row).execute()
    else:
        ClusterComplainant.update(last_at=last).where(row).execute()


def on_intake(complaint, actor) -> None:
    """A new complaint counts at once, before anything grades it."""
    if counted(complaint):
        add(complaint, grading.complainant_key(complaint.customer.phone, complaint.id))


def on_move(complaint, step, actor, data, before_status) -> None:
    """A request converted into a complaint starts to count; a merged, returned or redirected one stops."""
    if step == Move.CONVERT or (complaint.status in ELSEWHERE and before_status not in ELSEWHERE):
        recount(complaint)


hooks.AFTER_INTAKE.insert(0, on_intake)  # first: escalation's intake grading reads the new entry
hooks.AFTER_MOVE.append(on_move)


@dataclass(frozen=True)
class Newest:
    """The cluster rule for the newest complaint of its category: its findings, and the members that
    were in no cluster before it came (only they need grading again: the others were graded then)."""

    findings: list
    forming: tuple = ()


def for_newest(c: Complaint, key: str, t: grading.Thresholds) -> Newest | None:
    """The cluster finding of a just-counted complaint from the count of complainants; None when it is
    not the latest of its category (then the rule must read the window on both sides)."""
    if not counted(c):
        return Newest([])
    since = c.received_at - datetime.timedelta(days=t.cluster_window_days)
    count, last = (ClusterComplainant.select(fn.COUNT(ClusterComplainant.last_at), fn.MAX(ClusterComplainant.last_at))
                   .where((ClusterComplainant.tenant == c.tenant_id) & (ClusterComplainant.category == c.category_id)
                          & (ClusterComplainant.last_at >= since))
                   .tuples().get())
    if last != c.received_at:  # its own entry must be the category's latest
        return None
    if count < t.cluster_size:
        return Newest([])
    window = (ClusterEntry.select(ClusterEntry.complaint, ClusterEntry.received_at, ClusterEntry.complainant)
              .where((ClusterEntry.tenant == c.tenant_id) & (ClusterEntry.category == c.category_id)
                     & (ClusterEntry.received_at >= since))
              .order_by(ClusterEntry.received_at.desc(), ClusterEntry.complaint.desc()))
    nearest = list(window.limit(grading.RELATED_LIMIT).tuples())
    finding = grading.cluster_finding(count, tuple(i for i, _, _ in sorted(nearest, key=_in_order)), t)
    if count > t.cluster_size:
        return Newest([finding])
    members = list(window.limit(MATES_LIMIT).tuples())  # the complainant made it a cluster, or was in it
    others = {who for i, _, who in members if i != c.id}
    return Newest([finding], tuple(i for i, _, _ in members if i != c.id) if key not in others else ())


def _in_order(row):
    """The rule's order of a window: by time, then by id as text."""
    return row[1], str(row[0])
