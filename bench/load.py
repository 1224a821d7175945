"""HTTP load on gunicorn with wrk: `python -m bench.load [--database-url URL] [--seconds 30]`.

Starts the portal as in production (`KESU_ENV=production`, `gunicorn -c gunicorn.conf.py wsgi:app`,
random secrets) on a free loopback port against a database made by `bench.network`, signs in
through the login form as a few tenants' customer-service staff and both HQs, then drives each
endpoint with wrk (`bench/load.lua`) for `--seconds` after `--warmup` seconds: the tenant queue
partial (largest tenant, and tenants of every size), complaint detail, intake POST, the customer
status page, the HQ dashboard and comparison panel, the monthly report (tenant and HQ). Writes
p50/p90/p95/p99 and requests/s to bench/out/load-<sqlite|pg>-<time>.{json,md} and the query plans
of one request of each read endpoint to bench/out/load-explain-<sqlite|pg>.txt.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from . import common, http_bench, network

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load.lua"
PASSWORD = "kesu-demo"
TARGETS = {"queue partial": ("p95_ms", 30.0, "PostgreSQL, p95 ≤ 30 ms"),
           "status page": ("req_per_s", 300.0, "≥ 300 requests/s")}
QUEUES = ["", "?status=open", "?sort=due"]  # the variants staff use most (first page, open only, by due time)


@dataclass
class Load:
    """One endpoint to drive: requests (method, path, headers, body), the status each must get."""

    name: str
    requests: list
    expect: int = 200
    connections: int | None = None  # at most this many (slow pages)


# --- what to ask for -------------------------------------------------------------------------

def facts(app, tenants: int, rng: random.Random) -> dict:
    """Tenants by size (the largest, then a spread), sample complaint ids, valid status links."""
    from peewee import fn
    from portal import scope
    from portal.complaints.models import Complaint
    from portal.db import database, now
    from portal.status import rules as link_rules
    from portal.tenancy.models import Category, Network, Tenant
    with app.app_context(), database.connection_context(), scope.scoped(scope.SYSTEM):
        sizes = dict(Complaint.select(Complaint.tenant, fn.COUNT(Complaint.id)).group_by(Complaint.tenant).tuples())
        by_size = sorted(((n, t) for t, n in sizes.items()), reverse=True)
        chosen = [t for _, t in by_size[:3]] + rng.sample([t for _, t in by_size[3:]], min(tenants - 3, len(by_size) - 3))
        slugs = dict(Tenant.select(Tenant.id, Tenant.slug).where(Tenant.id.in_(chosen)).tuples())
        picked = []
        for t in chosen:
            ids = [r[0] for r in Complaint.select(Complaint.id).where(Complaint.tenant == t)
                   .order_by(fn.Random()).limit(200).tuples()]
            category = Category.select(Category.id).where((Category.tenant == t) & (Category.name == "收费争议")).scalar()
            picked.append({"id": t, "slug": slugs[t], "complaints": sizes[t], "ids": ids, "category": category})
        fresh = now() - datetime.timedelta(days=link_rules.SETTINGS_DEFAULTS["expiry_days"] - 10)
        links = list(Complaint.select(Complaint.id, Complaint.link_version)
                     .where(Complaint.closed_at.is_null() | (Complaint.closed_at > fresh))
                     .order_by(fn.Random()).limit(2000).tuples())
        hq = [f"hq@{slug}.demo" for slug in ("svw", network.SECOND[0])
              if Network.select().where(Network.slug == slug).exists()]
        total = sum(sizes.values())
    return {"tenants": picked, "links": links, "hq": hq, "complaints": total, "tenant_count": len(sizes)}


def loads(base: str, known: dict, link_secret: str) -> list[Load]:
    """The endpoints, each as a list of ready requests for wrk (signed-in cookies, CSRF tokens)."""
    from portal.status import tokens
    hx = {"HX-Request": "true"}
    staff = {t["slug"]: Session(base).login(f"cs@{t['slug']}.demo") for t in known["tenants"]}
    hqs = [Session(base).login(email) for email in known["hq"]]
    largest = known["tenants"][0]
    queue = lambda t: [("GET", f"/t/{t['slug']}/complaints/{q}", staff[t["slug"]].headers(hx), "")  # noqa: E731
                       for q in QUEUES]
    key = tokens.link_key(link_secret)
    found = [
        Load(f"queue partial, largest tenant ({largest['slug']}, {largest['complaints']} complaints)", queue(largest)),
        Load(f"queue partial, {len(known['tenants'])} tenants of every size", [r for t in known["tenants"] for r in queue(t)]),
        Load("complaint detail", [("GET", f"/t/{t['slug']}/complaints/{cid}", staff[t["slug"]].headers(), "")
                                  for t in known["tenants"] for cid in t["ids"]]),
        Load("intake POST", [intake(staff[t["slug"]], t) for t in known["tenants"]], expect=303),
        Load("status page /s/<token>", [("GET", f"/s/{tokens.make(key, cid, version)}", {}, "")
                                        for cid, version in known["links"]]),
        Load("HQ dashboard /hq/", [("GET", "/hq/", s.headers(), "") for s in hqs]),
        Load("HQ comparison panel", [("GET", "/hq/comparison", s.headers(hx), "") for s in hqs], connections=2),
        Load("monthly report (tenant)", [("GET", f"/t/{t['slug']}/reports/monthly", staff[t["slug"]].headers(), "")
                                         for t in known["tenants"]], connections=2),
        Load("monthly report (HQ, whole network)", [("GET", "/hq/reports/monthly", s.headers(), "") for s in hqs],
             connections=2),
    ]
    return found


def intake(session, tenant: dict) -> tuple:
    """A valid intake POST (the form of bench.http_bench), with placeholders wrk fills per request."""
    path = f"/t/{tenant['slug']}/complaints/new"
    token = session.csrf(path)  # may renew the session cookie: read the headers after it
    form = http_bench.intake_form(random.Random(tenant["id"]), token, tenant["category"])
    form.update(intake_key="{KEY}", phone="{PHONE}")
    return ("POST", path, session.headers({"Content-Type": "application/x-www-form-urlencoded"}),
            urlencode(form, safe="{}"))


class Session:
    """A browser's cookies on the loopback server: sign in through the form, read CSRF tokens off pages."""

    def __init__(self, base: str):
        self.host, self.port = base.split("//")[1].split(":")
        self.cookies = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, int(self.port), timeout=120)
        try:
            conn.request(method, path, body=body, headers=self.headers(headers))
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";")[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, text

    def headers(self, extra: dict | None = None) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)
        return {**({"Cookie": cookie} if cookie else {}), **(extra or {})}

    def csrf(self, path: str) -> str:
        status, page = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: status {status}")
        return http_bench.TOKEN.search(page).group(1)

    def login(self, email: str):
        form = urlencode({"email": email, "password": PASSWORD, "csrf_token": self.csrf("/login")})
        status, page = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            raise SystemExit(f"login as {email} failed ({status}): is this a database made by bench.network?")
        return self


def first_visits(app, known: dict) -> dict:
    """Open each monthly report once in-process before the load, as its first visitor would: the first
    visit of a month computes the figures and stores them (reports' monthly_figures), later ones read
    them. Under gunicorn a first visit longer than its worker timeout (30 s) is killed and stores nothing.
    Returns the seconds each first visit took."""
    took = {}
    visits = [(f"cs@{t['slug']}.demo", f"/t/{t['slug']}/reports/monthly") for t in known["tenants"]]
    visits += [(email, "/hq/reports/monthly") for email in known["hq"]]
    for email, path in visits:
        client = http_bench.signed_in_client(app, email, PASSWORD)
        started = time.perf_counter()
        status = client.get(path).status_code
        took[f"{email} {path}"] = round(time.perf_counter() - started, 2)
        if status != 200:
            raise SystemExit(f"first visit of {path} as {email}: status {status}")
    return took


# --- the server --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int | None, redis_url: str | None, log) -> tuple:
    """gunicorn with the repository's gunicorn.conf.py, in production mode; returns (process, link secret)."""
    link_secret = secrets.token_hex(32)
    env = dict(os.environ, KESU_ENV="production", KESU_DATABASE_URL=url, KESU_SECRET_KEY=secrets.token_hex(32),
               KESU_LINK_SECRET=link_secret, KESU_PUBLIC_URL=f"http://127.0.0.1:{port}",
               KESU_BIND=f"127.0.0.1:{port}", KESU_ACCESS_LOG=str(common.OUT / "load-access.log"))
    env.pop("KESU_REDIS_URL", None)
    if redis_url:
        env["KESU_REDIS_URL"] = redis_url
    if workers:
        env["KESU_WORKERS"] = str(workers)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    args = [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"]
    if not (ROOT / "gunicorn.conf.py").exists():  # before the production config: the same settings as flags
        args = [gunicorn, "-b", f"127.0.0.1:{port}", "-w", str(workers or 2 * os.cpu_count() + 1), "-k", "gthread",
                "--threads", "2", "--access-logfile", env["KESU_ACCESS_LOG"], "wsgi:app"]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}: see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            if Session(f"http://127.0.0.1:{port}").request("GET", "/login")[0] == 200:
                return process, link_secret
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit(f"gunicorn did not answer within 90 s: see {log.name}")


def stop(process) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the master and its workers
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- CPU: what each request costs, whatever else the machine runs ------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def server_pids(process) -> list[int]:
    """The gunicorn master and its workers."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [process.pid] + ([int(p) for p in children.read_text().split()] if children.exists() else [])


def database_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving the bench database (the app's pooled connections)."""
    if not common.is_postgres(url):
        return []
    conn = common._pg_admin(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (common.pg_name(url),))
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def cpu_of(pids: list[int]) -> dict:
    """CPU seconds (user + system) each process has used so far."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def cpu_used(before: dict, after: dict) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# --- wrk ---------------------------------------------------------------------------------------------

def drive(base: str, load: Load, seconds: float, connections: int, tmp: Path) -> dict:
    """Run wrk on one endpoint for `seconds`; returns its figures."""
    plan = tmp / f"plan-{_slug(load.name)}.tsv"
    plan.write_text("".join(f"{m}\t{p}\t{chr(31).join(f'{k}: {v}' for k, v in h.items())}\t{b}\n"
                            for m, p, h, b in load.requests))
    out = tmp / f"wrk-{_slug(load.name)}.json"
    out.unlink(missing_ok=True)
    env = dict(os.environ, KESU_LOAD_PLAN=str(plan), KESU_LOAD_OUT=str(out), KESU_LOAD_EXPECT=str(load.expect))
    subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
                    "-s", str(LUA), base], env=env, check=True, capture_output=True, timeout=seconds + 120)
    return json.loads(out.read_text())


def figures(load: Load, raw: dict, connections: int, app_cpu: float, db_cpu: float | None) -> dict:
    lat, seconds = raw["latency_us"], raw["duration_us"] / 1e6
    ms = lambda us: round(us / 1000, 1)  # noqa: E731
    errors = sum(raw["errors"].values())
    n = max(raw["requests"], 1)
    cpu_ms = 1000 * (app_cpu + (db_cpu or 0)) / n
    return {"endpoint": load.name, "connections": connections, "requests": raw["requests"],
            "app_cpu_ms_per_request": round(1000 * app_cpu / n, 1),
            "db_cpu_ms_per_request": None if db_cpu is None else round(1000 * db_cpu / n, 1),
            # what the cores of this machine could serve if they did nothing else
            "cpu_bound_req_per_s": round(os.cpu_count() * 1000 / cpu_ms, 0) if cpu_ms else None,
            "req_per_s": round(raw["requests"] / seconds, 1), "p50_ms": ms(lat["p50"]), "p90_ms": ms(lat["p90"]),
            "p95_ms": ms(lat["p95"]), "p99_ms": ms(lat["p99"]), "max_ms": ms(lat["max"]),
            "errors": errors, "unexpected_status": raw["unexpected_status"], "statuses": raw["statuses"],
            "loadavg_1min_after": round(os.getloadavg()[0], 2)}


def verdict(row: dict, postgres: bool) -> str:
    for prefix, (key, limit, label) in TARGETS.items():
        if row["endpoint"].startswith(prefix):
            if key == "p95_ms" and not postgres:
                return f"({label})"
            met = row[key] <= limit if key == "p95_ms" else row[key] >= limit
            return f"{'yes' if met else '**no**'} ({label})"
    return ""


def table(rows: list[dict], postgres: bool) -> str:
    lines = ["| endpoint | conns | requests | req/s | p50 ms | p90 ms | p95 ms | p99 ms | CPU ms/req app + db "
             "| CPU-bound req/s | errors | target |", "|" + "---|" * 12]
    for r in rows:
        bad = r["errors"] + r["unexpected_status"]
        db = "" if r["db_cpu_ms_per_request"] is None else f" + {r['db_cpu_ms_per_request']:.1f}"
        lines.append(f"| {r['endpoint']} | {r['connections']} | {r['requests']} | {r['req_per_s']:.0f} | "
                     f"{r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{r['app_cpu_ms_per_request']:.1f}{db} | {r['cpu_bound_req_per_s'] or ''} | "
                     f"{bad or ''}{' ' + json.dumps(r['statuses']) if r['statuses'] else ''} | {verdict(r, postgres)} |")
    return "\n".join(lines)


# --- profiles (py-spy, from the bench extra) ---------------------------------------------------------

def profiler(process, load: Load, opts):
    """py-spy sampling every app server process while `load` runs, when --profile matches its name."""
    if not opts.profile or opts.profile not in load.name:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = common.OUT / f"load-profile-{_slug(load.name)}.txt"
    return subprocess.Popen([spy, "record", "--pid", str(process.pid), "--subprocesses", "--nonblocking",
                             "--rate", "200", "--duration", str(max(1, round(opts.seconds))), "--format", "raw",
                             "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize(path: str, top: int = 30) -> str:
    """From py-spy's collapsed stacks: the functions with the most samples, on top of the stack (own) and
    anywhere in it (total), in a `-top.txt` file beside them; returns its path."""
    own, total, samples = {}, {}, 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # a line cut short when a sampled process exited
            continue
        frames, n = stack.split(";"), int(count)
        samples += n
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + n
    lines = [f"{samples} samples in {path}", "", "own %  function (file:line)"]
    lines += [f"{100 * n / samples:5.1f}  {f}" for f, n in sorted(own.items(), key=lambda x: -x[1])[:top]]
    lines += ["", "total %  function (file:line), portal code only"]
    lines += [f"{100 * n / samples:5.1f}  {f}" for f, n in sorted(total.items(), key=lambda x: -x[1])
              if "portal/" in f][:top]
    out = Path(path).with_name(Path(path).stem + "-top.txt")
    out.write_text("\n".join(lines) + "\n")
    return str(out)


# --- query plans (bench.http_bench's explain, in-process, on one request of each read endpoint) ------

def plans(app, loads_: list[Load], postgres: bool) -> str:
    from portal.db import database
    from portal.status import tokens
    log = http_bench.QueryLog(database.obj)
    clients, chosen = {}, []
    for load in loads_:
        if load.expect != 200:
            continue
        method, path, headers, _ = load.requests[0]
        if path.startswith("/s/"):  # the in-process app signs links with its own secret
            cid = tokens.complaint_id(path[3:])
            from portal.complaints.models import Complaint
            from portal import scope
            with app.app_context(), database.connection_context(), scope.scoped(scope.SYSTEM):
                version = Complaint.get_by_id(cid).link_version
            path = f"/s/{tokens.make(tokens.link_key(common.SECRET), cid, version)}"
            client = app.test_client()
        else:
            email = _email_of(path)
            if email not in clients:
                clients[email] = http_bench.signed_in_client(app, email, PASSWORD)
            client = clients[email]
        hx = {k: v for k, v in headers.items() if k == "HX-Request"}
        chosen.append(http_bench.Endpoint(load.name, lambda c=client, p=path, h=hx: c.get(p, headers=h)))
    with app.app_context():
        return http_bench.explain(chosen, log, postgres)


def _email_of(path: str) -> str:
    match = re.match(r"/t/([^/]+)/", path)
    return f"cs@{match.group(1)}.demo" if match else "hq@svw.demo"


# --- the run ---------------------------------------------------------------------------------------

def run(url: str, opts) -> dict:
    from portal.cli import upgrade
    common.OUT.mkdir(parents=True, exist_ok=True)
    app = common.make_app(url)
    with app.app_context():
        applied = upgrade()  # migrations newer than the generated database
    if applied:
        print(f"applied migrations {', '.join(applied)}", flush=True)
    known = facts(app, opts.tenants, random.Random(opts.seed))
    info = http_bench.machine(url)
    if not opts.only or "report" in opts.only:
        info["report_first_visits_s"] = first_visits(app, known)
        print(f"first visits of the monthly reports (s): {info['report_first_visits_s']}", flush=True)
    info.update(complaints_in_database=known["complaints"], tenants_in_database=known["tenant_count"],
                tenants_driven=[(t["slug"], t["complaints"]) for t in known["tenants"]])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    tmp = common.OUT / "load-tmp"
    tmp.mkdir(exist_ok=True)
    (common.OUT / "load-access.log").unlink(missing_ok=True)  # this run's requests only
    with open(common.OUT / "load-gunicorn.log", "w") as log:
        process, link_secret = start_gunicorn(url, port, opts.workers, opts.redis_url, log)
        try:
            info["gunicorn"] = gunicorn_settings(process)
            chosen = [x for x in loads(base, known, link_secret) if not opts.only or opts.only in x.name]
            rows = []
            for load in chosen:
                connections = min(opts.connections, load.connections or opts.connections)
                if opts.warmup:
                    drive(base, load, opts.warmup, connections, tmp)
                spy = profiler(process, load, opts)
                app_before, db_before = cpu_of(server_pids(process)), cpu_of(database_pids(url))
                raw = drive(base, load, opts.seconds, connections, tmp)
                app_cpu = cpu_used(app_before, cpu_of(server_pids(process)))
                db_cpu = cpu_used(db_before, cpu_of(database_pids(url))) if common.is_postgres(url) else None
                rows.append(figures(load, raw, connections, app_cpu, db_cpu))
                if spy:
                    spy.wait(60)
                    print(f"  profile: {summarize(spy.args[spy.args.index('-o') + 1])}", flush=True)
                r = rows[-1]
                print(f"  {load.name}: {r['req_per_s']} req/s, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
                      f"p99 {r['p99_ms']} ms, CPU {r['app_cpu_ms_per_request']} + {r['db_cpu_ms_per_request']} ms, "
                      f"load {r['loadavg_1min_after']}", flush=True)
        finally:
            stop(process)
    info["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    explained = plans(app, chosen, common.is_postgres(url)) if not opts.no_explain else ""
    return {"database_url": http_bench._safe(url), "machine": info, "seconds": opts.seconds, "warmup": opts.warmup,
            "command": "python -m bench.load " + " ".join(sys.argv[1:]), "results": rows, "plans": explained}


def gunicorn_settings(process) -> dict:
    """Workers actually running (children of the master) and the environment's overrides."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    workers = len(children.read_text().split()) if children.exists() else None
    return {"workers": workers, "threads": int(os.environ.get("KESU_THREADS") or 2), "worker_class": "gthread"}


def write(report: dict, url: str) -> Path:
    backend = "pg" if common.is_postgres(url) else "sqlite"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    plans_text = report.pop("plans")
    if plans_text:
        (common.OUT / f"load-explain-{backend}.txt").write_text(plans_text)
    path = common.OUT / f"load-{backend}-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    m = report["machine"]
    head = (f"{m['engine']}, {m['complaints_in_database']} complaints in {m['tenants_in_database']} tenants; "
            f"gunicorn {m['gunicorn']['workers']} workers x {m['gunicorn']['threads']} threads; "
            f"{m['cores']} cores, load average {m['loadavg_before']} -> {m['loadavg_after']}; {m['date']}\n\n"
            f"    {report['command']}\n")
    md = head + "\n" + table(report["results"], backend == "pg") + "\n"
    path.with_suffix(".md").write_text(md)
    print("\n" + md + f"\nJSON: {path}\nquery plans: {common.OUT / f'load-explain-{backend}.txt'}")
    return path


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=network.SQLITE_URL,
                        help=f"a database made by bench.network (default %(default)s; PostgreSQL: {network.PG_URL})")
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per endpoint (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=10, help="unmeasured seconds first (default %(default)s)")
    parser.add_argument("-c", "--connections", type=int, default=4,
                        help="concurrent connections (wrk -c; default %(default)s; slow reports use at most 2)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, 2 x cores + 1)")
    parser.add_argument("--tenants", type=int, default=10, help="tenants whose staff are signed in (default %(default)s)")
    parser.add_argument("--redis-url", help="run the app servers with KESU_REDIS_URL (rate limits, worker queue)")
    parser.add_argument("--only", help="drive only endpoints whose name contains this text")
    parser.add_argument("--no-explain", action="store_true", help="skip the query plans")
    parser.add_argument("--profile", help="sample the app servers with py-spy while endpoints whose name contains "
                        "this text run (pip install -e '.[bench]'); writes bench/out/load-profile-*.txt")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 1
    if not common.is_generated(args.database_url):
        print(f"no database at {http_bench._safe(args.database_url)}: run python -m bench.network first", file=sys.stderr)
        return 1
    write(run(args.database_url, args), args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
