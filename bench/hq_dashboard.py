"""Time HQ's dashboard on a big network: `python -m bench.hq_dashboard [--tenants 200] [-n 1000000]
[--database-url postgresql://postgres@127.0.0.1:5432/kesu_bench_hq] [--force] [-r 50]`.

Builds (or reuses) a database with one network of `--tenants` dealers and `-n` complaints spread over
them, written with set-based SQL (PostgreSQL `generate_series`): the complaint rows the dashboard
counts (status, kind, grade, crisis, written-report flag), three clocks per complaint (reply,
completion, handover; met in time, met late or still running, some overdue), a satisfaction revisit
for half the closed ones, supervision orders with missed milestones, work orders waiting for a
response. Then signs in as hq@svw.demo and times, in-process: the dashboard page, the comparison
panel (HTMX fragment and full page), the inbox and the work-order panels; prints p50/p95 and the
number of queries each ran. PostgreSQL only.
"""
import argparse
import os
import statistics
import time

from . import common

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/kesu_bench_hq"


def build(url: str, tenants: int, n: int) -> None:
    from portal import demo
    from portal.cli import upgrade
    from portal.db import database
    from portal.scope import SYSTEM, scoped
    from portal.tenancy.actions import create_tenant
    from portal.tenancy.models import Network, Tenant
    app = common.make_app(url)
    with app.app_context():
        upgrade()
        with database.connection_context(), scoped(SYSTEM):
            demo.seed("scrypt:1024:8:1")
            network = Network.get(Network.slug == "svw")
            for i in range(tenants - 2):
                create_tenant(network, f"dealer-b{i:03d}", f"经销商{i:03d}", f"B{i:03d}")
            ids = [t.id for t in Tenant.select(Tenant.id).where(Tenant.network == network.id).order_by(Tenant.id)]
            _fill(database, ids, n)


def _draw(salt: int) -> str:
    """A number 0..99 drawn from g, independent of the tenant (g mod tenants) and of the other draws."""
    return f"(abs(hashint4(g * 7 + {salt})) % 100)"


COMPLAINT_COLUMNS = {  # column -> SQL over g (1..n); columns not named take the model's default
    "tenant_id": "{tenant}", "number": "'B-' || g", "customer_id": "cu.id", "channel": "'phone'",
    "kind": f"CASE WHEN {_draw(1)} < 62 THEN 'complaint' WHEN {_draw(1)} < 85 THEN 'repair' ELSE 'inquiry' END",
    # 2% open, in every tenant
    "status": f"CASE WHEN {_draw(2)} < 2 THEN (ARRAY['received','investigating','transferred','plan_proposed',"
              f"'implementing','revisit_pending'])[1 + {_draw(3)} % 6] ELSE 'closed' END",
    "grade": f"CASE WHEN {_draw(4)} < 85 THEN 'general' WHEN {_draw(4)} < 95 THEN 'important' "
             f"WHEN {_draw(4)} < 99 THEN 'hot' ELSE 'major' END",
    "description": "'首保收费'", "crisis": f"{_draw(5)} = 0 AND {_draw(6)} < 20",  # 0.2%
    "report_required": f"{_draw(7)} = 0 AND {_draw(8)} < 50",  # 0.5%
    # spread over 24 months, in an order unrelated to the tenant (g mod tenants)
    "received_at": "now() - make_interval(secs => ((g::bigint * 7919) % {n}) * 63072000 / {n})",
    "open_clock_from": "now() - make_interval(secs => ((g::bigint * 7919) % {n}) * 63072000 / {n})",
    "closed_at": f"CASE WHEN {_draw(2)} < 2 THEN NULL ELSE now() END",
}


def _literal(field):
    default = field.default
    if callable(default):
        return "now()"
    if default is None:
        return "NULL"
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, int | float):
        return str(default)
    return "'" + str(default).replace("'", "''") + "'"


def _complaint_insert(n: int, tenant_of: str) -> str:
    from portal.complaints.models import Complaint
    fields = [f for f in Complaint._meta.sorted_fields if f.column_name != "id"]
    columns = ", ".join(f.column_name for f in fields)
    values = ", ".join(COMPLAINT_COLUMNS.get(f.column_name, _literal(f)).replace("{tenant}", tenant_of)
                       .replace("{n}", str(n)) for f in fields)
    return (f"INSERT INTO complaint ({columns}) SELECT {values} FROM generate_series(1, {n}) AS g "
            f"JOIN customer cu ON cu.tenant_id = {tenant_of}")


def _fill(db, ids: list[int], n: int) -> None:
    """Set-based inserts: one statement per table."""
    t = len(ids)
    arr = "ARRAY[" + ",".join(map(str, ids)) + "]"
    tenant_of = f"({arr})[1 + (g % {t})]"
    steps = [
        f"""INSERT INTO customer (tenant_id, name, phone, locale, created_at)
            SELECT x, '客户', '1380000' || lpad(x::text, 4, '0'), 'zh_Hans', now() FROM unnest({arr}) AS x""",
        _complaint_insert(n, tenant_of),
        """INSERT INTO deadline (tenant_id, complaint_id, kind, started_at, budget_seconds, clock, due_at, warn_at,
                met_at, on_time, warned, overdue_notified)
            SELECT c.tenant_id, c.id, k.kind, c.received_at, 3600, false,
                   CASE WHEN c.status = 'closed' THEN c.received_at + interval '5 days'
                        WHEN c.id % 3 = 0 THEN now() - interval '1 day' ELSE now() + interval '2 days' END,
                   NULL,
                   CASE WHEN c.status = 'closed' THEN c.received_at + make_interval(days => (c.id % 7)) END,
                   CASE WHEN c.status = 'closed' THEN (c.id % 7) < 5 END, false, false
            FROM complaint c CROSS JOIN (VALUES ('reply'), ('completion'), ('handover')) AS k(kind)""",
        """INSERT INTO revisit_task (tenant_id, complaint_id, round, status, due_at, next_attempt_at, attempts,
                unreachable_count, satisfaction, comment, done_at, created_at, version)
            SELECT c.tenant_id, c.id, 1, 'done', c.received_at + interval '10 days', now(), 1, 0,
                   (ARRAY['very_satisfied','satisfied','satisfied','neutral','dissatisfied'])[1 + c.id % 5], '',
                   c.received_at + make_interval(days => (c.id % 9)), now(), 1
            FROM complaint c WHERE c.status = 'closed' AND c.kind = 'complaint' AND c.id % 2 = 0""",
        """INSERT INTO supervision_order (tenant_id, seq, complaint_id, cc, reason, trigger, status, follow_up_days,
                issued_at, version)
            SELECT c.tenant_id, row_number() OVER (PARTITION BY c.tenant_id ORDER BY c.id), c.id, '', 'bench',
                   'manual', 'open', 1, now(), 1
            FROM complaint c WHERE c.status <> 'closed' AND c.grade IN ('hot', 'major')""",
        """INSERT INTO milestone (tenant_id, order_id, position, key, title, due_at, status, waived_reason, warned_at)
            SELECT o.tenant_id, o.id, 0, 'plan', '', now() - interval '1 day', 'open', '',
                   CASE WHEN o.id % 4 = 0 THEN now() END
            FROM supervision_order o""",
        f"""INSERT INTO work_order (tenant_id, complaint_id, source, summary, payload, status, response_hours,
                dispatched_at, response_due_at, response_note, created_at, version)
            SELECT c.tenant_id, c.id, 'phone', 'bench', '{{}}', 'dispatched', 24, now(),
                   now() + make_interval(hours => (c.id % 48) - 24), '', now(), 1
            FROM complaint c WHERE c.status <> 'closed' AND c.id % 10 = 0""",
        "VACUUM ANALYZE",  # as autovacuum would: index-only scans need the visibility map
    ]
    for sql in steps:
        started = time.perf_counter()
        db.execute_sql(sql.replace("%", "%%"))  # psycopg2 formats parameters even without any
        print(f"  {sql.split()[0]} {sql.split()[2] if sql.split()[0] == 'INSERT' else ''}: "
              f"{time.perf_counter() - started:.1f} s", flush=True)


def measure(url: str, requests: int, only=()) -> None:
    from bench.http_bench import QueryLog
    from portal.db import database
    app = common.make_app(url)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    import re
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": "hq@svw.demo", "password": "kesu-demo",
                                       "csrf_token": token}).status_code == 303
    log = QueryLog(database.obj)
    hx = {"HX-Request": "true"}
    shell, panel = ("/hq/", {}), ("/hq/comparison", hx)
    endpoints = [("dashboard page /hq/ (shell)", [shell]), ("comparison panel (HTMX)", [panel]),
                 ("page + comparison panel", [shell, panel]), ("comparison, full page", [("/hq/comparison", {})]),
                 ("inbox panel (HTMX)", [("/hq/inbox?compact=1", hx)]),
                 ("work orders panel (HTMX)", [("/hq/work-orders?status=dispatched&compact=1", hx)]),
                 ("complaints list", [("/hq/complaints?status=open", {})])]
    endpoints = [e for e in endpoints if not only or any(o in e[0] for o in only)]
    backends = set()  # the PostgreSQL server processes serving us: their CPU time is the database's work
    database.obj.query_hooks.append(lambda e: backends.add(database.obj.connection().get_backend_pid())
                                    if not backends else None)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {requests} timed requests each. "
          "Wall clock p50/p95; CPU = this process (Python) + its PostgreSQL backend, mean per request "
          "(what the request costs on an idle core); DB = wall time in the database calls, p50")
    print(f"{'endpoint':30} {'p50 ms':>7} {'p95 ms':>7} {'CPU py':>7} {'CPU pg':>7} {'DB p50':>7} {'queries':>7}")
    for name, steps in endpoints:
        for path, headers in steps:
            client.get(path, headers=headers)  # warm
        times, db = [], []
        py_started, pg_started = time.process_time(), _backend_cpu(backends)
        for _ in range(requests):
            with log.recording():
                started = time.perf_counter()
                for path, headers in steps:
                    response = client.get(path, headers=headers)
                    assert response.status_code == 200, (path, response.status_code)
                times.append((time.perf_counter() - started) * 1000)
            statements = [e for e in log.events if str(e.sql).split(None, 1)[0].upper() not in ("BEGIN", "COMMIT")]
            db.append(sum(e.duration for e in statements) * 1000)
        py = (time.process_time() - py_started) * 1000 / requests
        pg = (_backend_cpu(backends) - pg_started) * 1000 / requests
        print(f"{name:30} {_pct(times, 50):7.1f} {_pct(times, 95):7.1f} {py:7.1f} {pg:7.1f} "
              f"{_pct(db, 50):7.1f} {len(statements):7d}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _backend_cpu(pids) -> float:
    """Seconds of CPU the PostgreSQL backends used so far (/proc: the server runs on this machine)."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _pct(values, p):
    values = sorted(values)
    return statistics.median(values) if p == 50 else values[int(p / 100 * (len(values) - 1))]


def explain(url: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the comparison runs; written to bench/out/."""
    from bench.http_bench import QueryLog
    from portal.db import database
    from portal.hq import queries
    from portal.scope import for_network, scoped
    from portal.tenancy.models import Network
    app = common.make_app(url)
    log = QueryLog(database.obj)
    out = []
    with app.app_context(), database.connection_context():
        network = Network.get(Network.slug == "svw")
        with scoped(for_network(network)):
            queries.comparison(network)  # warm
            with log.recording() as events:
                started = time.perf_counter()
                queries.comparison(network)
                total = (time.perf_counter() - started) * 1000
        out.append(f"comparison(): {len(events)} statements, {total:.1f} ms in all "
                   f"({sum(e.duration for e in events) * 1000:.1f} ms in the database calls)\n")
        for event in events:
            plan = database.execute_sql("EXPLAIN (ANALYZE, BUFFERS) " + event.sql, event.params).fetchall()
            out.append(f"-- {event.duration * 1000:.1f} ms\n{event.sql}\n{event.params}\n"
                       + "\n".join(line for (line,) in plan) + "\n")
    text = "\n".join(out)
    path = common.OUT / "hq_comparison_explain.txt"
    path.write_text(text)
    print(f"wrote {path}")
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=PG_DEFAULT)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("-n", "--complaints", type=int, default=1_000_000)
    parser.add_argument("-r", "--requests", type=int, default=50)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the comparison's queries, no timing")
    parser.add_argument("--only", action="append", default=[], help="time only endpoints whose name has this text")
    args = parser.parse_args(argv)
    url = args.database_url
    if args.force and common.pg_exists(url):
        common.pg_drop(url)
    if not common.pg_exists(url):
        common.pg_create(url)
    if not common.pg_has_tables(url):
        started = time.perf_counter()
        print(f"building {args.tenants} tenants, {args.complaints} complaints ...", flush=True)
        build(url, args.tenants, args.complaints)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    if args.explain:
        explain(url)
    else:
        measure(url, args.requests, args.only)


if __name__ == "__main__":
    main()
