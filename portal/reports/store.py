"""The monthly figures computed ahead: one `MonthlyFigures` row per tenant and month, kept while it holds.

Computing a busy month takes a second or more (100k complaints: GROUP BYs over the month's rows and
the working time of every handling), so the monthly report, its trend and HQ's network report read
stored months. A stored month is what `queries.tallies` computed (the definitions stay in `rules.py`)
and it is used only while `queries.tallies` would still say the same:

- every event about a complaint, and every complaint move (hooks.py), bumps `changes` of the tenant's
  stored months that end after the complaint was received — a reopening, a merge or a pause can change
  any month from the receipt on — in the transaction of the change. A month whose `computed` lags
  behind is recomputed by the minute's sweep, and by the worker at once when a page finds it so: the page
  shows what was stored, saying when it was computed, and never waits for a busy month (`stale=`);
  exports and submitted reports wait for fresh figures;
- renaming a category or a department bumps all the tenant's months (the tally keeps names);
- the business calendar and time zone the month was counted in are kept: another one recomputes it;
- in a month that has not ended, a running deadline falling due changes the rates: the month holds
  until the first one does (`valid_until`).

Months that have not begun yet are computed, never stored.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import time
import weakref
from array import array
from collections import Counter, defaultdict

from ..complaints.models import Complaint
from .. import jobs, throttle
from ..db import database, now
from ..scope import SYSTEM, scoped
from . import queries
from .models import MonthlyFigures as MF
from .rules import Period, Tally, trailing_months

CHECK = (MF.tenant, MF.period, MF.changes, MF.computed, MF.computed_at, MF.calendar, MF.valid_until, MF.new,
         MF.closed)
SWEEP_SECONDS = 20  # the minute's sweep stops starting new months after this long
CATCH_UP_TASK = "kesu.catch_up_reports"
CATCH_UP_CLAIM_SECONDS = 30  # the same stale months are asked of the worker at most once in this long


# --- reading ----------------------------------------------------------------------------------------

def tallies(tenants, period: Period, cals=None, stale: dict | None = None) -> dict:
    """tenant id -> Tally of the month, as `queries.tallies` computes it, from the stored months (see
    `months` for `stale`)."""
    tenants = list(tenants)
    cals = cals or queries.calendars(tenants)
    rows = months(tenants, [period], cals, MF.tally, MF.handling, stale=stale)
    out = {t.id: _load(rows[t.id, period.label]) for t in tenants if (t.id, period.label) in rows}
    later = [t for t in tenants if t.id not in out]  # the month has not begun where they are
    return out | (queries.tallies(later, period, cals=cals) if later else {})


def month(tenant, period: Period, cals: dict, lists, stale: dict | None = None) -> tuple[Tally, dict]:
    """One tenant's month for its page: the tally, and the page's lists, which `lists()` makes when the
    stored month does not keep them yet (they follow the same changes as the tally; see `months` for `stale`)."""
    row = months([tenant], [period], cals, MF.tally, MF.handling, MF.lists, stale=stale).get((tenant.id, period.label))
    if row is None:  # the month has not begun
        return queries.tallies([tenant], period, cals=cals)[tenant.id], lists()
    if row["lists"] is not None:
        return _load(row), json.loads(row["lists"])
    made = lists()
    if stale and (tenant.id, period.label) in stale:
        return _load(row), made  # lists are kept with figures that hold only
    (MF.update(lists=json.dumps(made, ensure_ascii=False))
     .where((MF.tenant == tenant.id) & (MF.period == period.label) & (MF.changes == row["changes"])
            & (MF.computed == row["changes"])).execute())
    return _load(row), made


def trend(tenants, period: Period, cals=None, stale: dict | None = None) -> list[dict]:
    """New and closed complaints in each of the twelve months up to the period's last, oldest first (see
    `months` for `stale`)."""
    tenants = list(tenants)
    labels = trailing_months(period)
    rows = months(tenants, labels, cals or queries.calendars(tenants), stale=stale) if tenants else {}
    new, closed = Counter(), Counter()
    for (_, label), row in rows.items():
        new[label] += row["new"]
        closed[label] += row["closed"]
    return [{"period": m.label, "new": new[m.label], "closed": closed[m.label]} for m in labels]


def months(tenants, periods: list[Period], cals: dict, *columns, stale: dict | None = None) -> dict:
    """(tenant id, "YYYY-MM") -> stored row (a dict of CHECK and `columns`) of every month that has begun
    where the tenant is; the months that do not hold any more are recomputed and stored first.

    A page passes `stale` (a dict) to show, rather than wait for, a month computed before that no longer
    holds: its stored row is returned and `stale[(tenant id, "YYYY-MM")]` says when it was computed; the page
    then asks the worker to recompute those (`ask_catch_up`). Only a month never computed is computed here.
    """
    at, by_id = now(), {t.id: t for t in tenants}
    wanted = {(t.id, p.label): (t, p) for t in tenants for p in periods if p.bounds(t.timezone).start <= at}
    if not wanted:
        return {}
    found = {(r["tenant"], r["period"]): r for r in MF.select(*CHECK, *columns).where(
        MF.tenant.in_(list(by_id)) & MF.period.in_(sorted({label for _, label in wanted}))).dicts()}
    rows, missing = {}, []
    for key, pair in wanted.items():
        row = found.get(key)
        if row is not None and holds(row, cals[key[0]], at):
            rows[key] = row
        elif row is not None and stale is not None and row["computed_at"] is not None:
            rows[key], stale[key] = row, row["computed_at"]
        else:
            missing.append(pair)
    return rows | (refresh(missing, cals) if missing else {})


def holds(row: dict, cal, at) -> bool:
    """Whether a stored month is still what computing it now would give."""
    return (row["computed"] == row["changes"] and row["calendar"] == fingerprint(cal)
            and (row["valid_until"] is None or at < row["valid_until"]))


@functools.lru_cache(maxsize=256)  # a network's tenants mostly share one calendar
def fingerprint(cal) -> str:
    """The business calendar (and time zone) as a short stable text, to tell when it changed."""
    values = [sorted(v) if isinstance(v, frozenset) else v
              for v in (getattr(cal, f.name) for f in dataclasses.fields(cal))]
    return hashlib.sha1(repr(values).encode(), usedforsecurity=False).hexdigest()  # a fingerprint, not a secret


# --- computing -------------------------------------------------------------------------------------

def refresh(pairs: list, cals: dict) -> dict:
    """Compute these (tenant, month)s now and store them; returns their rows as `months` does.

    The rows exist (committed) before anything is read, and a row is written only if its `changes`
    is still the one read before computing: a change landing meanwhile leaves the month to recompute.
    """
    at = now()
    MF.insert_many([{"tenant": t.id, "period": p.label, "ends_at": p.bounds(t.timezone).end}
                    for t, p in pairs]).on_conflict_ignore().execute()
    ids, labels = {t.id for t, _ in pairs}, {p.label for _, p in pairs}
    seen = {(tenant, label): changes for tenant, label, changes in MF.select(MF.tenant, MF.period, MF.changes)
            .where(MF.tenant.in_(list(ids)) & MF.period.in_(sorted(labels))).tuples()}
    by_period = defaultdict(list)
    for t, p in pairs:
        by_period[p].append(t)
    out = {}
    for p, tenants in by_period.items():
        computed = queries.tallies(tenants, p, as_of=at, cals=cals)
        until = queries.next_due(tenants, p, at)
        for t in tenants:
            key = (t.id, p.label)
            row = {"ends_at": p.bounds(t.timezone).end, "computed": seen[key], "computed_at": at, "lists": None,
                   "valid_until": until.get(t.id), "calendar": fingerprint(cals[t.id]), **_dump(computed[t.id])}
            MF.update(**row).where((MF.tenant == t.id) & (MF.period == p.label) & (MF.changes == seen[key])).execute()
            out[key] = {**row, "tenant": t.id, "period": p.label, "changes": seen[key]}
    return out


def _dump(t: Tally) -> dict:
    rest = {name: value for name, value in vars(t).items() if name != "handling_days"}
    return {"new": t.new, "closed": t.closed, "tally": json.dumps(rest, ensure_ascii=False),
            "handling": array("d", sorted(t.handling_days)).tobytes()}


def _load(row: dict) -> Tally:
    t = Tally()
    for name, value in json.loads(row["tally"]).items():
        setattr(t, name, Counter(value) if isinstance(getattr(t, name), Counter) else value)
    t.handling_days = array("d", bytes(row["handling"] or b"")).tolist()
    return t


# --- catching up in the background -------------------------------------------------------------------

def ask_catch_up(keys) -> bool:
    """Ask the worker to recompute these (tenant id, "YYYY-MM")s once the request is answered; the same
    months asked again within CATCH_UP_CLAIM_SECONDS (50 managers opening the page) queue nothing more.
    True if this call queued the task."""
    keys = sorted(keys)
    if not keys:
        return False
    digest = hashlib.sha1(repr(keys).encode(), usedforsecurity=False).hexdigest()[:20]  # a name, not a secret
    claim = f"reports.catch_up:{digest}"
    if throttle.count(claim, CATCH_UP_CLAIM_SECONDS) or not throttle.claim(claim, CATCH_UP_CLAIM_SECONDS):
        return False  # the read first: viewers of a month already asked for write nothing
    jobs.later(CATCH_UP_TASK, [list(k) for k in keys])
    return True


def catch_up(keys) -> int:
    """The worker's task: recompute those of these (tenant id, "YYYY-MM")s that still do not hold (the
    sweep or another task may have done it meanwhile); returns how many months it looked at."""
    from ..tenancy.models import Tenant
    by_label = defaultdict(set)
    for tenant_id, label in keys:
        by_label[label].add(tenant_id)
    with scoped(SYSTEM):
        tenants = {t.id: t for t in Tenant.select().where(Tenant.id.in_({i for ids in by_label.values() for i in ids}))}
        cals = queries.calendars(tenants.values()) if tenants else {}
        for label in sorted(by_label, reverse=True):
            months([tenants[i] for i in sorted(by_label[label]) if i in tenants], [Period.parse(label)], cals)
    return sum(map(len, by_label.values()))


# --- changes -------------------------------------------------------------------------------------------

def changed(tenant_id: int, since=None) -> None:
    """In the transaction of a change: the tenant's stored months ending after `since` (a moment or a
    subquery giving one; None: all of them) no longer hold."""
    query = MF.update(changes=MF.changes + 1).where(MF.tenant == tenant_id)
    (query if since is None else query.where(MF.ends_at > since)).execute()


_marked = weakref.WeakKeyDictionary()  # open (sub)transaction -> complaints whose months it bumped


def complaint_changed(tenant_id: int, complaint_id: int) -> None:
    """A complaint changed: its months from its receipt on (once per savepoint: intake records several events)."""
    txn = database.top_transaction()  # the innermost: a savepoint rolled back takes its marks with it
    if txn is not None:
        done = _marked.setdefault(txn, set())
        if complaint_id in done:
            return
        done.add(complaint_id)
    changed(tenant_id, Complaint.select(Complaint.received_at).where(Complaint.id == complaint_id))


def sweep(app) -> dict:
    """The minute's work: recompute the stored months that no longer hold, newest first, for a bounded time."""
    from ..tenancy.models import Tenant
    started, done = time.monotonic(), 0
    with scoped(SYSTEM):
        at, rows = now(), list(MF.select(*CHECK).dicts())
        tenants = {t.id: t for t in Tenant.select().where(Tenant.id.in_({r["tenant"] for r in rows}))} if rows else {}
        cals = queries.calendars(tenants.values()) if tenants else {}
        stale = defaultdict(list)
        for r in rows:
            if not holds(r, cals[r["tenant"]], at):
                stale[r["period"]].append(tenants[r["tenant"]])
        for label in sorted(stale, reverse=True):
            if time.monotonic() - started > SWEEP_SECONDS:
                break
            refresh([(t, Period.parse(label)) for t in stale[label]], cals)
            done += len(stale[label])
    return {"recomputed": done, "left": sum(map(len, stale.values())) - done}
