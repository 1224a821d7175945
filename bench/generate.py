"""Fill a database with a realistic register, fast: `python -m bench.generate [-n 200000] [--database-url URL]`.

Runs the migrations and the demo seed, then writes N complaints in dealer-sh01 (and a few in
dealer-sh02, so every query has another tenant's rows to skip) with their customers, events,
plans, notes, attachments and links, and the complaint counters, so the next intake gets the
next number. Rows go in with `insert_many`, one transaction per batch, in the SYSTEM scope.
"""
import argparse
import io
import os
import random
import sys
import time

from . import common
from .register import Register, deadline_model

BATCH = 5000  # complaints per transaction


class Ids:
    """The next free id of each table: rows are written with explicit ids so others can point at them."""

    def __init__(self, models):
        self.next = {m: (m.select(m.id).order_by(m.id.desc()).scalar() or 0) + 1 for m in models}

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] += 1
        return value


class Rows:
    """The rows of one batch, per model, as dicts (every row of a model with the same keys)."""

    def __init__(self):
        self.by_model = {}

    def add(self, model, **row) -> dict:
        self.by_model.setdefault(model, []).append(row)
        return row

    def write(self, order) -> int:
        return sum(bulk_insert(model, self.by_model[model]) for model in order if self.by_model.get(model))


def bulk_insert(model, rows: list[dict]) -> int:
    """INSERT rows of one model: the statement is peewee's `insert_many`, the driver binds the whole batch.

    Rendering every value through peewee's SQL builder took 80% of the run (about 2.5 minutes
    for 200k complaints); binding in the driver (executemany on SQLite, COPY on PostgreSQL) takes seconds.
    Values still pass through each field's `db_value`, as they would through peewee.
    """
    from portal.db import database, is_sqlite
    meta, names = model._meta, list(rows[0])
    given = [(name, meta.fields[name].db_value) for name in names]
    defaults = [f for f in meta.sorted_fields if f.name not in rows[0] and f.default is not None]
    fixed = tuple(f.db_value(f.default() if callable(f.default) else f.default) for f in defaults)
    fields = [meta.fields[name] for name in names] + defaults
    values = [tuple(convert(row[name]) for name, convert in given) + fixed for row in rows]
    sql, params = model.insert_many(values[:1], fields=fields).sql()
    assert len(params) == len(fields), (model, sql)  # peewee added no column of its own
    head = sql[:sql.index(" VALUES ")]
    cursor = database.cursor()
    if is_sqlite():
        cursor.executemany(f"{head} VALUES ({', '.join('?' * len(fields))})", values)
    else:  # COPY: a third of the time of multi-row INSERTs (execute_values) on PostgreSQL
        cursor.copy_expert(f"COPY {head[len('INSERT INTO '):]} FROM STDIN", io.StringIO(
            "".join("\t".join(map(_copy_text, row)) + "\n" for row in values)))
    return len(values)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format (NULL is \\N; backslash, tab and line ends escaped)."""
    return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


# --- the run -------------------------------------------------------------------------------------

def _write_order(deadline):
    from portal.complaints.models import Attachment, Complaint, ComplaintLink, Customer, Note, Plan
    from portal.events import Event
    from portal.revisits.models import RevisitTask
    from portal.supervision.models import Milestone, SupervisionOrder
    return ([Customer, Complaint, Plan, Note, Attachment, ComplaintLink, Event] + ([deadline] if deadline else [])
            + [RevisitTask, SupervisionOrder, Milestone] + _cluster_models()[:1])


def _cluster_models() -> list:
    """The cluster rule's register (entries, then each complainant's latest), when the portal has one."""
    try:
        from portal.sla.models import ClusterComplainant, ClusterEntry
    except ImportError:
        return []
    return [ClusterEntry, ClusterComplainant]


def fill(slug: str, n: int, ids: Ids, rng: random.Random, now, report) -> int:
    """Write `n` complaints into one tenant, BATCH per transaction; returns the number of rows."""
    from portal.complaints.models import ComplaintCounter
    from portal.db import database
    from portal.tenancy.models import Tenant
    register = Register(Tenant.get(Tenant.slug == slug), rng, ids, now)
    order, written, started = _write_order(deadline_model()), 0, time.perf_counter()
    moments = register.moments(n)
    for start in range(0, n, BATCH):
        rows = Rows()
        for received in moments[start:start + BATCH]:
            register.complaint(rows, received)
        with database.atomic():
            written += rows.write(order)
        report(f"{slug}: {min(start + BATCH, n):>7} / {n} complaints ({time.perf_counter() - started:.0f} s)")
    counters = dict(register.counters)
    if register.orders:  # supervision orders are numbered in the same table, under their own key
        from portal.supervision.actions import COUNTER_KEY
        counters[COUNTER_KEY] = register.orders
    with database.atomic():
        ComplaintCounter.insert_many([{"tenant": register.tenant.id, "period": period, "last": last}
                                      for period, last in sorted(counters.items())]).execute()
        latest = register.cluster_complainants()
        if latest:
            bulk_insert(_cluster_models()[1], latest)
    return written + len(counters) + len(latest)


def generate(url: str, n: int, others: int, seed: int, report=print) -> dict:
    """Migrate, seed the demo, then write the register; returns row counts and timings."""
    started = time.perf_counter()
    rows = build(url, lambda now: _fill_all(n, others, seed, now, report))
    return {"database_url": url, "complaints": n, "other_tenant_complaints": others, "rows": rows,
            "seconds": round(time.perf_counter() - started, 1)}


def build(url: str, fill) -> int:
    """Migrate, seed the demo, run `fill(now)` in the SYSTEM scope, then ANALYZE/checkpoint; returns fill's result."""
    from portal import demo, scope
    from portal.cli import upgrade
    from portal.db import database, now
    app = common.make_app(url)
    with app.app_context():
        upgrade()
        with database.connection_context():
            if common.sqlite_path(url):  # a throwaway file: durability does not matter while filling it
                database.execute_sql("PRAGMA synchronous = OFF")
                database.execute_sql("PRAGMA cache_size = -262144")
            else:  # nor does a commit's wait for the disk on a bench database
                database.execute_sql("SET synchronous_commit = off")
            demo.seed()
            with scope.scoped(scope.SYSTEM):
                rows = fill(now())
            _finish(url)
    return rows


def new_ids() -> Ids:
    from portal.complaints.models import Attachment, Complaint, Customer, Note, Plan
    from portal.events import Event
    from portal.supervision.models import SupervisionOrder
    return Ids([Customer, Complaint, Plan, Note, Attachment, Event, SupervisionOrder])


def _fill_all(n, others, seed, now, report) -> int:
    ids = new_ids()
    rng = random.Random(seed)
    rows = fill(common.TENANT, n, ids, rng, now, report)
    if others:
        rows += fill("dealer-sh02", others, ids, rng, now, report)
    return rows


def _finish(url: str) -> None:
    from portal.db import database
    if common.is_postgres(url):  # explicit ids were written: move the sequences past them
        for table in ("customer", "complaint", "plan", "note", "attachment", "event", "supervision_order"):
            database.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
        common.pg_vacuum_analyze(url)  # autovacuum would do this soon after a bulk load
    else:
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--complaints", type=int, default=common.DEFAULT_N,
                        help="complaints in dealer-sh01 (default %(default)s)")
    parser.add_argument("--others", type=int, default=5000,
                        help="complaints in dealer-sh02, so queries must skip another tenant's rows (default %(default)s)")
    parser.add_argument("--database-url", help="sqlite:///path or postgresql://user@host:port/db "
                        "(default: KESU_DATABASE_URL, else bench/out/kesu-<n>.db)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace an existing database")
    args = parser.parse_args(argv)
    url = common.database_url(args.database_url, args.complaints)
    target = prepare_target(url, args.force)
    if target is None:
        print(f"{url} already holds a database; --force replaces it", file=sys.stderr)
        return 1
    result = generate(target, args.complaints, args.others, args.seed,
                      report=lambda line: print(line, flush=True))
    publish(url, target)
    print(f"{result['rows']} rows in {result['seconds']} s -> {url}")
    return 0


def prepare_target(url: str, force: bool) -> str | None:
    """Where to write: a PostgreSQL database (created empty), or a SQLite file renamed into place at the end."""
    if common.is_postgres(url):
        if common.pg_exists(url):
            if not force and common.pg_has_tables(url):
                return None
            common.pg_drop(url)
        common.pg_create(url)
        return url
    path = common.sqlite_path(url)
    if path.exists() and not force:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + "-wal"), partial.with_name(partial.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{partial}"


def publish(url: str, target: str) -> None:
    """A half-written SQLite file never takes the final name, so `run_all` cannot mistake it for a finished one."""
    from portal.db import database
    if target == url:
        return
    if hasattr(database.obj, "close_all"):
        database.obj.close_all()
    elif not database.is_closed():
        database.close()
    path = common.sqlite_path(url)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(common.sqlite_path(target), path)


if __name__ == "__main__":
    sys.exit(main())
