"""Time the monthly report (客服月报) on big data: `python -m bench.reports [--tenants 200] [-n 1000000]
[--month-complaints 100000] [--database-url postgresql://postgres@127.0.0.1:5432/kesu_bench_reports]
[--sqlite URL | --no-sqlite] [-r 20] [--max-seconds 60] [--force]`.

Builds (or reuses) a PostgreSQL database with the HQ bench's set-based builder (`bench.hq_dashboard`:
one network of `--tenants` dealers, `-n` complaints, their clocks, revisit tasks, supervision orders,
work orders), shaped for the report: `--month-complaints` of the complaints are dealer-sh01's, all of
kind "complaint" and received in the last complete month (the report's default month), the others
spread over the last twelve months; categories, departments and channels vary; closing times spread
over 17 days after receipt; every complaint gets its "received" event, a transfer and, once closed, a
revisit event with a satisfaction answer (the report counts revisits from the event log). A SQLite
file for the tenant case is copied from it (dealer-sh01's and dealer-sh02's rows). Then times,
in-process through the Flask test client: the tenant's monthly page (its first view computes and
stores the months), the same page right after a change to one of the month's complaints, the minute's
sweep after such a change, the XLSX export, and HQ's monthly page over the whole network; prints
p50/p95, the statements of the last request and their summed time (db p50). Every endpoint stops
after `--max-seconds`.
"""
import argparse
import os
import sqlite3
import statistics
import time
from unittest import mock

from . import common, hq_dashboard as network
from .http_bench import QueryLog, RequestTimeout, percentile, signed_in_client, time_limit

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/kesu_bench_reports"
SQLITE_DEFAULT = f"sqlite:///{common.OUT / 'kesu-reports.db'}"
TENANT, OTHER = common.TENANT, "dealer-sh02"
ZONE = "Asia/Shanghai"  # the demo tenants' time zone
SH01 = f"(SELECT id FROM tenant WHERE slug = '{TENANT}')"


def report_month():
    """The last complete month in the tenants' time zone: what the report page shows by default."""
    from datetime import date

    from portal.db import now
    from portal.reports.documents import local
    from portal.reports.rules import Period
    return Period.month_of(date.fromisoformat(local(now(), ZONE)[:10])).shift(-1)


def complaint_columns(month, m: int) -> dict:
    """`bench.hq_dashboard`'s complaint columns, changed: complaints 1..m are dealer-sh01's in `month` (all of
    kind "complaint"); the others spread over the last twelve months with the HQ bench's mix of kinds."""
    b = month.bounds(ZONE)
    span = (b.end - b.start).total_seconds()
    own = f"g <= {m}"
    tenant = f"CASE WHEN {own} THEN {SH01} ELSE {{tenant}} END"
    received = (f"(CASE WHEN {own} THEN timestamp '{b.start}' + make_interval(secs => ((g::bigint * 7919) % {m})"
                f" * {span} / {m}) ELSE now() - make_interval(secs => ((g::bigint * 7919) % {{n}}) * 31536000.0"
                f" / {{n}}) END)")
    return {
        "tenant_id": tenant, "kind": f"CASE WHEN {own} THEN 'complaint' ELSE {network.COMPLAINT_COLUMNS['kind']} END",
        "customer_id": f"CASE WHEN {own} THEN (SELECT min(id) FROM customer WHERE tenant_id = {SH01}) ELSE cu.id END",
        "channel": "(ARRAY['phone','walk_in','web','email','hq_dispatch','letter'])[1 + (g / 7) % 6]",
        "category_id": f"(SELECT id FROM category WHERE tenant_id = {tenant} ORDER BY id LIMIT 1 OFFSET g % 7)",
        "department_id": f"(SELECT id FROM department WHERE tenant_id = {tenant} ORDER BY id LIMIT 1 OFFSET g % 3)",
        "is_repeat": "g % 23 = 0",
        "received_at": received, "open_clock_from": received,
        "closed_at": f"CASE WHEN ({network.COMPLAINT_COLUMNS['closed_at']}) IS NULL THEN NULL "  # open ones stay open
                     f"ELSE LEAST(now(), {received} + make_interval(mins => 30 + (g * 37) % 24000)) END",
    }


def _insert(model, values: dict, source: str) -> str:
    """INSERT ... SELECT over `source`: the given column expressions, the model's defaults for the rest."""
    fields = [f for f in model._meta.sorted_fields if f.column_name != "id"]
    return (f"INSERT INTO {model._meta.table_name} ({', '.join(f.column_name for f in fields)}) "
            f"SELECT {', '.join(values.get(f.column_name, network._literal(f)) for f in fields)} FROM {source}")


def event_steps() -> list[str]:
    """What the report reads from the event log: every complaint received, transferred, revisited once closed."""
    from portal.events import Event
    common_ = {"tenant_id": "c.tenant_id", "subject_type": "'complaint'", "subject_id": "c.id",
               "actor_label": "'bench'", "public": "true"}
    satisfaction = "(ARRAY['very_satisfied','satisfied','satisfied','neutral','dissatisfied'])[1 + c.id % 5]"
    return [
        _insert(Event, {**common_, "kind": "'complaint.received'", "at": "c.received_at"}, "complaint c"),
        _insert(Event, {**common_, "kind": "'complaint.moved'", "at": "c.received_at + interval '1 hour'",
                        "data": "'{\"move\": \"transfer\"}'"}, "complaint c WHERE c.kind = 'complaint'"),
        _insert(Event, {**common_, "kind": "'complaint.moved'", "at": "c.closed_at",
                        "data": f"'{{\"move\": \"revisit\", \"satisfaction\": \"' || {satisfaction} || '\"}}'"},
                "complaint c WHERE c.kind = 'complaint' AND c.status = 'closed'"),
        "ANALYZE",
    ]


def build_pg(url: str, tenants: int, n: int, m: int) -> None:
    from portal.db import database
    month = report_month()
    with mock.patch.dict(network.COMPLAINT_COLUMNS, complaint_columns(month, m)):
        network.build(url, tenants, n)
    app = common.make_app(url)
    with app.app_context(), database.connection_context():
        for sql in event_steps():
            started = time.perf_counter()
            database.execute_sql(sql.replace("%", "%%"))
            print(f"  {' '.join(sql.split()[:3])}: {time.perf_counter() - started:.1f} s", flush=True)


COPIED = ("customer", "complaint", "deadline", "event")  # what the tenant's report reads


def build_sqlite(url: str, pg_url: str) -> None:
    """dealer-sh01's and dealer-sh02's rows, copied from the PostgreSQL bench database into a fresh SQLite file."""
    import psycopg2

    from portal import demo
    from portal.cli import upgrade
    from portal.db import database
    app = common.make_app(url)
    with app.app_context():
        upgrade()
        with database.connection_context():
            demo.seed("scrypt:1024:8:1")
    path = common.sqlite_path(url)
    target, source = sqlite3.connect(path), psycopg2.connect(pg_url)
    try:
        target.execute("PRAGMA synchronous = OFF")
        pick = "SELECT id, slug FROM tenant WHERE slug IN (%s, %s) ORDER BY slug"
        with source.cursor() as cur:
            cur.execute(pick, (TENANT, OTHER))
            ids = cur.fetchall()
        assert ids == target.execute(pick.replace("%s", "?"), (TENANT, OTHER)).fetchall(), "seeded differently"
        for table in COPIED:
            started, count = time.perf_counter(), 0
            with source.cursor(name=f"copy_{table}") as cur:  # server-side: rows arrive in batches
                cur.execute(f"SELECT * FROM {table} WHERE tenant_id IN %s ORDER BY id", (tuple(i for i, _ in ids),))
                while rows := cur.fetchmany(10000):
                    columns = [d.name for d in cur.description]
                    target.executemany(f"INSERT OR IGNORE INTO \"{table}\" ({', '.join(columns)}) "
                                       f"VALUES ({', '.join('?' * len(columns))})", rows)
                    count += len(rows)
            target.commit()
            print(f"  copy {table}: {count} rows, {time.perf_counter() - started:.1f} s", flush=True)
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        target.close()
        source.close()


# --- timing -------------------------------------------------------------------------------------------

def _timed(name: str, request, log: QueryLog, requests: int, max_seconds: float, expect: int = 200) -> dict:
    """`requests` calls of `request()` (fewer when `max_seconds` run out): p50/p95 ms and statements."""
    times, db_ms, statements, deadline = [], [], 0, time.monotonic() + max_seconds
    for _ in range(requests):
        if times and time.monotonic() > deadline:
            break
        try:
            with log.recording() as events, time_limit(max_seconds):
                started = time.perf_counter()
                response = request()
                times.append((time.perf_counter() - started) * 1000)
        except RequestTimeout:
            times.append(max_seconds * 1000)  # reported as the limit: "more than"
            print(f"{name}: stopped after {max_seconds:.0f} s", flush=True)
            break
        assert response.status_code == expect, (name, response.status_code)
        statements = len([e for e in events if str(e.sql).split(None, 1)[0].upper() not in ("BEGIN", "COMMIT")])
        db_ms.append(sum(e.duration for e in events) * 1000)
    row = {"endpoint": name, "n": len(times), "p50": statistics.median(times), "p95": percentile(times, 95),
           "queries": statements, "db_p50": statistics.median(db_ms or [0])}
    print(f"{name:44} {row['n']:4d} {row['p50']:9.1f} {row['p95']:9.1f} {statements:8d} {row['db_p50']:9.1f}",
          flush=True)
    return row


def _touch(app, slug: str, month):
    """A change to one of the month's complaints, as staff make it (reassigned to another department)."""
    from portal.accounts.models import User
    from portal.complaints import actions
    from portal.complaints.models import Complaint
    from portal.db import database
    from portal.scope import for_tenant, scoped
    from portal.tenancy.models import Department, Tenant
    with app.app_context(), database.connection_context():
        tenant = Tenant.get(Tenant.slug == slug)
        with scoped(for_tenant(tenant)):
            b = month.bounds(tenant.timezone)
            c = (Complaint.select().where((Complaint.received_at >= b.start) & (Complaint.received_at < b.end)
                                          & (Complaint.kind == "complaint")).order_by(Complaint.id).first())
            departments = [d.id for d in Department.select(Department.id).order_by(Department.id)]
            other = departments[(departments.index(c.department_id) + 1) % len(departments)] \
                if c.department_id in departments else departments[0]
            actions.assign(c, User.get(User.email == f"manager@{slug}.demo"), department=other)


class _Done:
    status_code = 200


def _swept(app, month):
    """A change, then the minute's sweep recomputing the months it touched (what keeps the pages fast)."""
    from portal.db import database
    from portal.reports import store
    _touch(app, TENANT, month)
    with app.app_context(), database.connection_context():
        assert store.sweep(app)["recomputed"] >= 1
    return _Done()


def measure(url: str, opts, hq: bool) -> list[dict]:
    from portal.cli import upgrade
    from portal.db import database
    app = common.make_app(url)
    with app.app_context():
        upgrade()
    log = QueryLog(database.obj)
    month = report_month()
    staff, rows = signed_in_client(app, f"manager@{TENANT}.demo"), []
    page = f"/t/{TENANT}/reports/monthly?month={month.label}"
    print(f"{url}: month {month.label}", flush=True)
    print(f"{'endpoint':44} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'db p50':>9}", flush=True)
    rows.append(_timed("tenant page, first view", lambda: staff.get(page), log, 1, opts.max_seconds))
    rows.append(_timed("tenant page", lambda: staff.get(page), log, opts.requests, opts.max_seconds))

    def after_change():
        _touch(app, TENANT, month)
        return staff.get(page)
    rows.append(_timed("tenant page after a change (incl. the change)", after_change, log,
                       max(3, opts.requests // 4), opts.max_seconds))
    rows.append(_timed("minute sweep after a change (incl. the change)", lambda: _swept(app, month), log,
                       max(3, opts.requests // 4), opts.max_seconds))
    rows.append(_timed("tenant XLSX export", lambda: staff.get(page.replace("monthly?", "monthly.xlsx?")), log,
                       max(2, opts.requests // 10), opts.max_seconds))
    if hq:
        boss = signed_in_client(app, "hq@svw.demo")
        network_page = f"/hq/reports/monthly?month={month.label}"
        rows.append(_timed("HQ page, first view", lambda: boss.get(network_page), log, 1, 10 * opts.max_seconds))
        rows.append(_timed("HQ page", lambda: boss.get(network_page), log, opts.requests, opts.max_seconds))

        def hq_after_change():
            _touch(app, TENANT, month)
            return boss.get(network_page)
        rows.append(_timed("HQ page after a change (incl. the change)", hq_after_change, log,
                           max(3, opts.requests // 4), opts.max_seconds))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=PG_DEFAULT, help="PostgreSQL (default %(default)s)")
    parser.add_argument("--sqlite", default=SQLITE_DEFAULT, help="the tenant case on SQLite (default %(default)s)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite tenant case")
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("-n", "--complaints", type=int, default=1_000_000, help="in the whole network")
    parser.add_argument("--month-complaints", type=int, default=100_000, help="dealer-sh01's in the month")
    parser.add_argument("-r", "--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--max-seconds", type=float, default=60, help="time limit per endpoint")
    parser.add_argument("--force", action="store_true", help="rebuild the databases")
    opts = parser.parse_args(argv)
    url = opts.database_url
    if opts.force and common.pg_exists(url):
        common.pg_drop(url)
    if not common.pg_exists(url):
        common.pg_create(url)
    if not common.pg_has_tables(url):
        started = time.perf_counter()
        print(f"building {opts.tenants} tenants, {opts.complaints} complaints, {opts.month_complaints} of them "
              f"in {TENANT}'s month ...", flush=True)
        build_pg(url, opts.tenants, opts.complaints, opts.month_complaints)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    path = common.sqlite_path(opts.sqlite)
    if not opts.no_sqlite and (opts.force or not path.exists()):
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        build_sqlite(opts.sqlite, url)
        print(f"copied in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not opts.no_sqlite:
        measure(opts.sqlite, opts, hq=False)
    measure(url, opts, hq=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
