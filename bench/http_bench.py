"""Time the hot pages on a generated database: `python -m bench.http_bench [--database-url URL] [-r 200]`.

Builds the app as in production (TESTING off), signs in as cs@dealer-sh01.demo through the real
login form, then times each endpoint in-process through the Flask test client: a warm-up, then
`--requests` timed requests, each endpoint bounded by `--max-seconds`. Prints p50/p95/p99 and
req/s per endpoint, writes them as JSON to bench/out/, and writes the query plans of the
queue and detail queries to bench/out/explain[-pg].txt.
"""
import argparse
import datetime
import json
import os
import platform
import random
import re
import signal
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import common
from .corpus import MODELS, STORIES

BASE = f"/t/{common.TENANT}/complaints"
HX = {"HX-Request": "true"}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TARGET_MS = 50.0


@dataclass
class Endpoint:
    """One thing to time: a name, and a function that makes one request and returns the response."""

    name: str
    request: object
    expect: int = 200
    times: list = field(default_factory=list)
    cpu: list = field(default_factory=list)  # CPU time of this process: less sensitive to a busy machine
    slow: dict = field(default_factory=dict)  # statement shape -> durations (ms)
    timed_out: float | None = None  # the limit a request ran past, if one did
    queries: list = field(default_factory=list)
    db_ms: list = field(default_factory=list)


class QueryLog:
    """Every statement the database runs while `recording`, with its duration (peewee's query hooks)."""

    def __init__(self, database):
        self.database, self.events, self.on = database, [], False
        database.query_hooks.append(self._hook)

    def _hook(self, event):
        if self.on:
            self.events.append(event)

    @contextmanager
    def recording(self):
        self.events, self.on = [], True
        try:
            yield self.events
        finally:
            self.on = False


# --- the client ------------------------------------------------------------------------------

def signed_in_client(app, email="cs@dealer-sh01.demo", password="kesu-demo"):
    """A test client signed in through the login form (CSRF token taken from the page, as a browser does)."""
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if response.status_code != 303:
        raise SystemExit(f"login failed ({response.status_code}): is this a generated database?")
    return client


def facts(app) -> dict:
    """Ids the requests need: the tenant's complaint ids, a category, cursors deep in the queue."""
    from portal import scope
    from portal.complaints import queries
    from portal.complaints.models import Complaint, Customer
    from portal.db import database
    from portal.tenancy.models import Category, Tenant
    with app.app_context(), database.connection_context():
        tenant = Tenant.get(Tenant.slug == common.TENANT)
        with scope.scoped(scope.for_tenant(tenant)):
            ids = [row[0] for row in Complaint.select(Complaint.id).tuples()]
            category = Category.select().where(Category.name == "收费争议").first() or Category.select().first()
            middle = Complaint.select().order_by(Complaint.id.desc()).offset(len(ids) // 2).first()
            due_column = queries.SORTS["due"][0]
            phone = Customer.select(Customer.phone).order_by(Customer.id).offset(len(ids) // 4).scalar()
            due_middle = (Complaint.select().where(due_column.is_null(False)).order_by(due_column, Complaint.id)
                          .offset(Complaint.select().where(due_column.is_null(False)).count() // 2).first())
    return {"ids": ids, "category": category.id, "phone": phone, "after": queries.encode_cursor(middle, "newest"),
            "due_after": queries.encode_cursor(due_middle, "due") if due_middle else None}


def endpoints(client, known: dict, rng: random.Random) -> list[Endpoint]:
    """The hot pages: the queue partial (first, filtered, due-sorted, deep pages), full queue, detail, intake."""
    ids, token = known["ids"], TOKEN.search(client.get(f"{BASE}/new").get_data(as_text=True)).group(1)
    partial = lambda query: (lambda: client.get(f"{BASE}/{query}", headers=HX))  # noqa: E731
    found = [
        Endpoint("queue partial: first page", partial("")),
        Endpoint("queue partial: status=open&category", partial(f"?status=open&category={known['category']}")),
        Endpoint("queue partial: sort=due", partial("?sort=due")),
        Endpoint("queue partial: deep (after cursor)", partial(f"?after={known['after']}")),
    ]
    if known["phone"]:  # staff type a customer's phone number into the search box
        found.append(Endpoint("queue partial: search q=<phone>", partial(f"?q={known['phone']}")))
    if known["due_after"]:
        found.append(Endpoint("queue partial: sort=due, deep", partial(f"?sort=due&after={known['due_after']}")))
    found += [
        Endpoint("queue full page", lambda: client.get(f"{BASE}/")),
        Endpoint("complaint detail", lambda: client.get(f"{BASE}/{rng.choice(ids)}")),
        Endpoint("intake POST", lambda: client.post(f"{BASE}/new", data=intake_form(rng, token, known["category"]),
                                                    content_type="multipart/form-data"), expect=303),
    ]
    return found


def intake_form(rng: random.Random, token: str, category: int) -> dict:
    story = rng.choice(STORIES)
    return {"csrf_token": token, "intake_key": uuid.uuid4().hex, "kind": "complaint", "channel": "phone",
            "customer_name": "王芳", "phone": f"139{rng.randrange(10**8):08d}", "email": "", "address": "",
            "category": str(category), "vehicle_model": rng.choice(MODELS), "plate": "沪C11111",
            "description": story.description.format(model="朗逸", plate="沪C11111", amount=380, days=5, hours=2),
            "customer_request": story.request, "complainants": "1"}


# --- timing --------------------------------------------------------------------------------------

class RequestTimeout(BaseException):
    """Raised inside a request that runs past --request-timeout (BaseException: Flask does not catch it)."""


@contextmanager
def time_limit(seconds: float):
    """Interrupt the block after `seconds` (SIGALRM; the request's transaction rolls back)."""
    def _expired(signum, frame):
        raise RequestTimeout()
    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(endpoint: Endpoint, log: QueryLog, opts) -> None:
    """Warm up, then time up to `opts.requests` requests; stop after `opts.max_seconds` or at a request that
    runs past `opts.request_timeout`."""
    requests, warmup, max_seconds, request_timeout = opts.requests, opts.warmup, opts.max_seconds, opts.request_timeout
    started = time.perf_counter()
    try:
        for _ in range(warmup):
            if time.perf_counter() - started > max_seconds / 4:
                break
            with time_limit(request_timeout):
                check(endpoint, endpoint.request())
        started = time.perf_counter()
        while len(endpoint.times) < requests and time.perf_counter() - started < max_seconds:
            with log.recording() as statements, time_limit(request_timeout):
                t0, c0 = time.perf_counter(), time.process_time()
                response = endpoint.request()
                endpoint.times.append((time.perf_counter() - t0) * 1000)
                endpoint.cpu.append((time.process_time() - c0) * 1000)
            check(endpoint, response)
            endpoint.queries.append(sum(1 for s in statements if not _transaction_control(s.sql)))
            endpoint.db_ms.append(sum(s.duration for s in statements) * 1000)
            for s in statements:
                endpoint.slow.setdefault(shape(s.sql), []).append(s.duration * 1000)
    except RequestTimeout:
        endpoint.timed_out = request_timeout
        print(f"  {endpoint.name}: a request ran past {request_timeout} s and was stopped", flush=True)


def shape(sql: str) -> str:
    """A statement without its column list: `SELECT … FROM "event" AS "t1" WHERE …`."""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.S)[:400]


def _transaction_control(sql: str) -> bool:
    return sql.split(None, 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def check(endpoint: Endpoint, response) -> None:
    if response.status_code != endpoint.expect:
        body = response.get_data(as_text=True)[:800]
        raise SystemExit(f"{endpoint.name}: status {response.status_code}, expected {endpoint.expect}\n{body}")


def percentile(values: list, p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(e: Endpoint) -> dict:
    if not e.times:
        return {"endpoint": e.name, "requests": 0, "timed_out_after_s": e.timed_out, "meets_50ms_p95": False}
    total_s = sum(e.times) / 1000
    return {"timed_out_after_s": e.timed_out, "endpoint": e.name, "requests": len(e.times), "p50_ms": round(percentile(e.times, 50), 2),
            "p95_ms": round(percentile(e.times, 95), 2), "p99_ms": round(percentile(e.times, 99), 2),
            "max_ms": round(max(e.times), 2), "req_per_s": round(len(e.times) / total_s, 1),
            "cpu_p50_ms": round(percentile(e.cpu, 50), 2), "cpu_p95_ms": round(percentile(e.cpu, 95), 2),
            "queries_per_request": max(e.queries), "db_ms_p50": round(percentile(e.db_ms, 50), 2),
            "meets_50ms_p95": percentile(e.times, 95) <= TARGET_MS,
            "slowest_statements": _slowest(e.slow)}


def _slowest(slow: dict, n: int = 3) -> list[dict]:
    """The statements that took most of the database time, with their median and worst duration."""
    ranked = sorted(slow.items(), key=lambda item: -sum(item[1]))[:n]
    return [{"sql": sql, "count": len(d), "p50_ms": round(percentile(d, 50), 3), "max_ms": round(max(d), 3)}
            for sql, d in ranked]


def table(rows: list[dict]) -> str:
    head = ("| endpoint | n | p50 ms | p95 ms | p99 ms | req/s | CPU p50 / p95 ms | queries | db ms p50 "
            "| p95 ≤ 50 ms |")
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        if not r["requests"]:
            lines.append(f"| {r['endpoint']} | 0 | > {r['timed_out_after_s'] * 1000:.0f} | | | | | | | **no** |")
            continue
        lines.append(f"| {r['endpoint']} | {r['requests']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                     f"{r['p99_ms']:.1f} | {r['req_per_s']:.0f} | {r['cpu_p50_ms']:.1f} / {r['cpu_p95_ms']:.1f} | "
                     f"{r['queries_per_request']} | {r['db_ms_p50']:.1f} | {'yes' if r['meets_50ms_p95'] else '**no**'} |")
    return "\n".join(lines)


# --- query plans -----------------------------------------------------------------------------------

def explain(endpoints_: list[Endpoint], log: QueryLog, postgres: bool) -> str:
    """The plan of every SELECT one request of each read endpoint runs, with its measured time."""
    from portal.db import database
    out = []
    for e in endpoints_:
        if e.expect != 200:
            continue
        with log.recording() as statements:
            e.request()
        out.append(f"===== {e.name}: {len(statements)} statements")
        with database.connection_context():
            for s in statements:
                if not s.sql.lstrip().upper().startswith("SELECT"):
                    continue
                out.append(f"\n-- {s.duration * 1000:.2f} ms\n{s.sql}\n   params: {list(s.params)}")
                out.extend("   " + line for line in _plan(database, s.sql, s.params, postgres))
        out.append("")
    return "\n".join(out)


def _plan(database, sql, params, postgres) -> list[str]:
    if postgres:
        rows = database.execute_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
        return [r[0] for r in rows]
    rows = database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    # flag full scans of the big tables and sorts the index does not give
    return [("!! " if ("SCAN" in r[3] and "USING" not in r[3] and "CONSTANT" not in r[3])
             or "TEMP B-TREE" in r[3] else "   ") + r[3] for r in rows]


# --- the run -----------------------------------------------------------------------------------------

def machine(url: str) -> dict:
    from portal.db import database
    with database.connection_context():
        if common.is_postgres(url):
            version = database.execute_sql("SHOW server_version").fetchone()[0]
            engine = f"PostgreSQL {version}"
        else:
            engine = "SQLite " + database.execute_sql("SELECT sqlite_version()").fetchone()[0]
    return {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "engine": engine, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()]}


def bench(url: str, opts) -> dict:
    from portal.db import database
    from portal.cli import upgrade
    app = common.make_app(url)
    with app.app_context():
        applied = upgrade()  # migrations newer than the generated database: their tables start empty
    if applied:
        print(f"  applied migrations {', '.join(applied)}", flush=True)
    log = QueryLog(database.obj)
    info = machine(url)
    info["skipped_hooks"] = skip_hooks(opts.skip_hook or [])
    known = facts(app)
    client = signed_in_client(app)
    chosen = [e for e in endpoints(client, known, random.Random(opts.seed)) if not opts.only or opts.only in e.name]
    results = []
    for e in chosen:
        if opts.profile and opts.profile in e.name:
            _profiled(e, log, opts)
        else:
            run(e, log, opts)
        results.append(summary(e))
        if e.times:
            print(f"  {e.name}: p50 {results[-1]['p50_ms']} ms, p95 {results[-1]['p95_ms']} ms", flush=True)
    plans = explain([e for e in chosen if "detail" in e.name or "queue" in e.name], log, common.is_postgres(url))
    info["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    with app.app_context(), database.connection_context():
        from portal import scope
        from portal.complaints.models import Complaint
        with scope.scoped(scope.SYSTEM):
            info["complaints_in_database"] = Complaint.select().count()
    return {"database_url": _safe(url), "machine": info, "requests": opts.requests, "warmup": opts.warmup,
            "request_timeout_s": opts.request_timeout, "results": results, "plans": plans}


def skip_hooks(names: list[str]) -> list[str]:
    """Take complaint hooks whose module or name contains one of `names` out (to see what the rest costs)."""
    from portal.complaints import hooks
    skipped = []
    for chain in (hooks.AFTER_INTAKE, hooks.AFTER_MOVE):
        for fn in list(chain):
            label = f"{fn.__module__}.{fn.__qualname__}"
            if any(name in label for name in names):
                chain.remove(fn)
                skipped.append(label)
    if names and not skipped:
        raise SystemExit(f"no complaint hook matches {names}")
    return skipped


def _profiled(e, log, opts) -> None:
    import cProfile
    import io
    import pstats
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run(e, log, opts)
    finally:
        profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    path = common.OUT / f"profile-{_slug(e.name)}.txt"
    path.write_text(text.getvalue())
    print(f"  profile written to {path}")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _safe(url: str) -> str:
    return re.sub(r"//([^:@/]+):[^@/]*@", r"//\1:***@", url)  # never write a password to bench/out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a database made by bench.generate (default: KESU_DATABASE_URL, "
                        "else bench/out/kesu-<n>.db)")
    parser.add_argument("-n", "--complaints", type=int, default=common.DEFAULT_N,
                        help="which default SQLite file to use (bench/out/kesu-<n>.db; default %(default)s)")
    parser.add_argument("-r", "--requests", type=int, default=200, help="timed requests per endpoint (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default %(default)s)")
    parser.add_argument("--max-seconds", type=float, default=60, help="time limit per endpoint (default %(default)s)")
    parser.add_argument("--request-timeout", type=float, default=30,
                        help="stop an endpoint at a request slower than this many seconds (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for ids and forms (default %(default)s)")
    parser.add_argument("--only", help="time only endpoints whose name contains this text")
    parser.add_argument("--profile", help="cProfile the endpoints whose name contains this text (to bench/out/)")
    parser.add_argument("--skip-hook", action="append", metavar="TEXT",
                        help="leave out complaint hooks whose module.name contains TEXT, e.g. escalation (repeatable)")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards (PostgreSQL: DROP "
                        "DATABASE; SQLite: delete the file)")
    args = parser.parse_args(argv)
    url = common.database_url(args.database_url, args.complaints)
    if not common.is_generated(url):
        print(f"no generated database at {_safe(url)}: run python -m bench.generate first", file=sys.stderr)
        return 1
    try:
        report = bench(url, args)
    finally:
        if args.drop:
            drop(url)
    write(report, url)
    return 0


def write(report: dict, url: str) -> None:
    backend = "pg" if common.is_postgres(url) else "sqlite"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    common.OUT.mkdir(parents=True, exist_ok=True)
    plans = report.pop("plans")
    if plans:  # a run with --only intake has none: keep the last plans
        (common.OUT / f"explain{'-pg' if backend == 'pg' else ''}.txt").write_text(plans)
    path = common.OUT / f"http-{backend}-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    m = report["machine"]
    print(f"\n{m['engine']}, {m['complaints_in_database']} complaints, {m['cores']} cores, "
          f"load {m['loadavg_before']} -> {m['loadavg_after']}, {m['date']}"
          + (f", without {', '.join(m['skipped_hooks'])}" if m["skipped_hooks"] else "") + "\n")
    print(table(report["results"]))
    print(f"\nJSON: {path}\nquery plans: {common.OUT / ('explain-pg.txt' if backend == 'pg' else 'explain.txt')}")


def drop(url: str) -> None:
    from portal.db import database
    if hasattr(database.obj, "close_all"):
        database.obj.close_all()
    elif database.obj is not None and not database.is_closed():
        database.close()
    if common.is_postgres(url):
        common.pg_drop(url)
    else:
        path = common.sqlite_path(url)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
