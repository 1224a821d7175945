"""Time the periodic sweep over 100k open complaints in 200 tenants (deadline issue's target: ≤ 2 s).

    python -m bench.sweep [--tenants 200] [--per-tenant 500] [--database-url URL] [--drop]

Builds (or reuses) a database with N tenants in one network, each with open complaints whose
clocks run (handover met, reply and completion running; due moments spread over the next weeks,
a few already past), then times `portal.sla.sweep.run` at three moments: an ordinary minute
(a handful due), the first sweep after the data arrived (everything already past is announced),
and the repeat of that minute (idempotent: nothing left to do). Loopback/in-process only.
"""
import argparse
import datetime
import json
import random
import time

from bench.common import OUT, make_app, pg_create, pg_drop, pg_exists, sqlite_path

BATCH = 5000


def build(app, tenants: int, per_tenant: int, seed: int = 1) -> None:
    """Tenants via the tenancy verbs; complaints, customers and deadlines in bulk (the hooks' result)."""
    from portal import scope
    from portal.cli import upgrade
    from portal.complaints.models import Complaint, Customer
    from portal.db import database, now
    from portal.sla.models import Deadline
    from portal.tenancy.actions import create_network, create_tenant
    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        with database.connection_context(), scope.scoped(scope.SYSTEM):
            network = create_network("bench", "基准网络")
            start = now()
            for t in range(tenants):
                tenant = create_tenant(network, f"bench-{t:03d}", f"基准单位{t:03d}", f"B{t:03d}")
                _fill(tenant, per_tenant, start, rng, Complaint, Customer, Deadline, database)
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        from bench.common import pg_vacuum_analyze
        pg_vacuum_analyze(app.config["DATABASE_URL"])  # as autovacuum would, soon after 300k inserts


def _fill(tenant, n, start, rng, Complaint, Customer, Deadline, database):
    day = datetime.timedelta(days=1)
    with database.atomic():
        Customer.insert_many([{"tenant": tenant.id, "name": f"客户{i}", "phone": f"139{tenant.id:04d}{i:04d}"}
                              for i in range(n)]).execute()
        first = Customer.select(Customer.id).where(Customer.tenant == tenant.id).order_by(Customer.id).first().id
        rows = []
        for i in range(n):
            received = start - rng.random() * 6 * day
            rows.append({"tenant": tenant.id, "number": f"{tenant.code}-BENCH-{i:05d}", "kind": "complaint",
                         "channel": "phone", "status": "transferred", "grade": "hot", "customer": first + i,
                         "description": "首保收费争议", "received_at": received, "open_clock_from": received,
                         "updated_at": received})
        Complaint.insert_many(rows).execute()
        ids = [c.id for c in Complaint.select(Complaint.id, Complaint.received_at)
               .where(Complaint.tenant == tenant.id).order_by(Complaint.id)]
        deadlines = []
        for cid in ids:
            for kind in ("reply", "completion"):
                due = start + rng.uniform(-0.02, 20) * day  # about 0.1% already past
                deadlines.append({"tenant": tenant.id, "complaint": cid, "kind": kind, "started_at": start - day,
                                  "budget_seconds": 3600.0, "due_at": due, "warn_at": due - 4 * 3600 * datetime.timedelta(seconds=1)})
        for i in range(0, len(deadlines), BATCH):
            Deadline.insert_many(deadlines[i:i + BATCH]).execute()


def time_sweeps(app) -> dict:
    """Wall time of each sweep, and its CPU time: this process's, plus its PostgreSQL backend's. On a
    shared machine the wall time includes waiting for a core; the CPU time is what the sweep costs."""
    from bench.load import cpu_of
    from portal import scope
    from portal.db import database, is_sqlite, now
    from portal.sla import sweep
    results = {}
    with app.app_context():
        at = now()
        for name, moment in (("first sweep after loading", at), ("same minute again", at),
                             ("an ordinary minute later", at + datetime.timedelta(minutes=1))):
            with database.connection_context(), scope.scoped(scope.SYSTEM):
                backend = [] if is_sqlite() else [database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]]
                db_before, cpu_before = cpu_of(backend), time.process_time()
                started = time.perf_counter()
                counts = sweep.run(at=moment)
                seconds = time.perf_counter() - started
                cpu = time.process_time() - cpu_before + sum(cpu_of(backend).values()) - sum(db_before.values())
                results[name] = {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), **counts}
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--per-tenant", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time an existing database again (no rebuild)")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{OUT / f'sweep-{args.tenants}x{args.per_tenant}.db'}"
    path = sqlite_path(url)
    if not args.reuse:
        if path is not None:
            OUT.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
        elif not pg_exists(url):
            pg_create(url)
    app = make_app(url)
    if not args.reuse:
        started = time.perf_counter()
        build(app, args.tenants, args.per_tenant)
        print(f"built {args.tenants * args.per_tenant} open complaints in {args.tenants} tenants "
              f"in {time.perf_counter() - started:.0f} s")
    results = time_sweeps(app)
    for name, r in results.items():
        print(f"{name:28s} {r['seconds']:7.3f} s (CPU {r['cpu_seconds']:.3f} s)  "
              f"{json.dumps({k: v for k, v in r.items() if k not in ('seconds', 'cpu_seconds')})}")
    (OUT / "sweep.json").write_text(json.dumps(results, indent=1))
    if args.drop and path is None:
        pg_drop(url)


if __name__ == "__main__":
    main()
