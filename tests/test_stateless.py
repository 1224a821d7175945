"""Kesu's app servers keep no state of their own: two of them (gunicorn, production mode) and two
huey workers on one PostgreSQL and one Redis behave as one portal.

The test starts real processes on loopback ports: a session begun on one server continues on the
other, intakes posted concurrently through both get unique, gap-free numbers per tenant and month,
failed sign-ins on both count towards one limit, and the every-minute round runs once per minute
although both workers schedule it. It needs PostgreSQL (KESU_TEST_DATABASE_URL) and Redis
(KESU_TEST_REDIS_URL, else redis://127.0.0.1:6379/15); without them it is skipped, saying which is
missing, except where they were promised (an unreachable server then fails).
"""
import concurrent.futures
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import PG_URL, _prepare, pg_scratch_database

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("KESU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM = "application/x-www-form-urlencoded"
INTAKES = 8  # per tenant, half through each server
# A worker as `flask --app wsgi worker` runs it, plus a probe among the periodic sweeps that
# records each round it takes part in (in a Redis list), so the test can count the rounds.
WORKER = """
import os, redis
from wsgi import app
from portal import jobs
from portal.db import now
probes = redis.Redis.from_url(os.environ["KESU_REDIS_URL"])
jobs.PERIODIC["stateless_probe"] = lambda app: probes.rpush(
    os.environ["KESU_REDIS_PREFIX"] + "probe", f"{now():%Y%m%d%H%M} {os.getpid()}")
jobs.run_worker(app, workers=1)
"""


def _redis():
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach Redis is the same failure
        if os.environ.get("KESU_TEST_REDIS_URL"):
            pytest.fail(f"KESU_TEST_REDIS_URL={REDIS_URL} is set, but Redis cannot be reached: {exc}", pytrace=False)
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}): statelessness needs a shared Redis; "
                    "start redis-server or set KESU_TEST_REDIS_URL")
    return client


@pytest.fixture
def stack(tmp_path):
    """Two app servers and two workers on a scratch PostgreSQL database and a key prefix of their own in Redis."""
    if not PG_URL:
        pytest.skip("PostgreSQL is not configured (KESU_TEST_DATABASE_URL is unset): SQLite is one file on one "
                    "host, so statelessness across app servers is shown on PostgreSQL only")
    redis = _redis()
    prefix = f"kesu-test-{uuid.uuid4().hex[:10]}:"
    with pg_scratch_database() as url:
        _prepare(url, tmp_path)
        env = dict(os.environ, KESU_ENV="production", KESU_DATABASE_URL=url, KESU_REDIS_URL=REDIS_URL,
                   KESU_REDIS_PREFIX=prefix, KESU_SECRET_KEY=secrets.token_hex(32),
                   KESU_LINK_SECRET=secrets.token_hex(32), KESU_WORKERS="1", KESU_THREADS="4",
                   KESU_LOG_LEVEL="warning")
        env.pop("FLASK_DEBUG", None)
        ports = [_free_port(), _free_port()]
        processes = []
        try:
            for port in ports:
                processes.append(_start([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                         "wsgi:app"], tmp_path / f"server-{port}.log",
                                        dict(env, KESU_BIND=f"127.0.0.1:{port}", KESU_PUBLIC_URL=f"http://127.0.0.1:{port}",
                                             KESU_ACCESS_LOG=str(tmp_path / f"access-{port}.log"))))
            workers = [tmp_path / f"worker-{i}.log" for i in (1, 2)]
            worker_env = dict(env, KESU_PUBLIC_URL=f"http://127.0.0.1:{ports[0]}")
            processes += [_start([sys.executable, "-c", WORKER], log, worker_env) for log in workers]
            for port, process in zip(ports, processes):
                _wait_until_serving(port, process, tmp_path / f"server-{port}.log")
            yield {"servers": [f"127.0.0.1:{p}" for p in ports], "url": url, "redis": redis, "prefix": prefix,
                   "worker_logs": workers, "env": env, "processes": processes}
        finally:
            _stop(processes)
            for key in redis.scan_iter(match=prefix + "*"):
                redis.delete(key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args, log: Path, env) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_until_serving(port: int, process, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the app server on port {port} exited:\n{log.read_text()[-3000:]}"
        try:
            if Browser(f"127.0.0.1:{port}").get("/login")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the app server on port {port} did not answer within {seconds} s:\n{log.read_text()[-3000:]}")


def _stop(processes) -> None:
    """SIGINT: gunicorn's quick shutdown (SIGTERM would wait for idle keep-alive connections); huey's graceful one."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Browser:
    """One browser's cookie jar, sending requests to whichever server it is told to."""

    def __init__(self, server: str):
        self.server, self.cookies = server, {}

    def request(self, method, path, data=None, server=None):
        host, port = (server or self.server).split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)
        headers = {"Cookie": cookie} if cookie else {}
        body = None
        if data is not None:
            body, headers["Content-Type"] = urlencode(data), FORM
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";")[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, text

    def get(self, path, server=None):
        return self.request("GET", path, server=server)

    def post(self, path, data, server=None):
        return self.request("POST", path, data, server=server)

    def csrf(self, path, server=None) -> str:
        status, page = self.get(path, server)
        assert status == 200, (path, status, page[:300])
        return TOKEN.search(page).group(1)

    def login(self, email, password="kesu-demo", server=None):
        return self.post("/login", {"email": email, "password": password, "csrf_token": self.csrf("/login", server)},
                         server)


def _intake_form(token: str, category: str, n: int) -> dict:
    return {"csrf_token": token, "intake_key": uuid.uuid4().hex, "kind": "complaint", "channel": "phone",
            "customer_name": f"客户{n}", "phone": f"139{secrets.randbelow(10**8):08d}", "email": "", "address": "",
            "category": category, "vehicle_model": "朗逸", "plate": "沪C11111",
            "description": "首保被收取380元，客户认为首保应免费。", "customer_request": "退还首保费用", "complainants": "1"}


def test_two_app_servers_and_two_workers_behave_as_one_portal(stack):
    a, b = stack["servers"]

    # A session begun on one server continues on the other: same cookie, same CSRF token.
    staff = {}
    for slug in ("dealer-sh01", "dealer-sh02"):
        browser = Browser(a)
        status, _ = browser.login(f"cs@{slug}.demo")
        assert status == 303
        status, page = browser.get(f"/t/{slug}/complaints/", server=b)
        assert status == 200, f"the session begun on {a} is not known on {b}: {status}"  # else 302 to /login
        page = browser.get(f"/t/{slug}/complaints/new", server=a)[1]
        category = re.search(r'<select[^>]*name="category"[^>]*>.*?<option[^>]*value="(\d+)"', page, re.S).group(1)
        staff[slug] = (browser, TOKEN.search(page).group(1), category)

    # Intakes posted at once through both servers: every number unique, none skipped.
    def intake(job):
        slug, n = job
        browser, token, category = staff[slug]
        status, text = browser.post(f"/t/{slug}/complaints/new", _intake_form(token, category, n),
                                    server=(a, b)[n % 2])
        return status, text[:300]

    jobs = [(slug, n) for n in range(INTAKES) for slug in staff]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(intake, jobs))
    assert [status for status, _ in answers] == [303] * len(jobs), answers
    for slug, numbers in _numbers(stack["url"]).items():
        assert len(numbers) == INTAKES, (slug, numbers)
        for period, seqs in _by_period(numbers).items():
            assert seqs == list(range(1, len(seqs) + 1)), f"{slug} {period}: numbers {seqs} are not 1..{len(seqs)}"

    # Failed sign-ins on both servers count towards one limit (LOGIN_MAX_FAILURES = 5).
    guesser = Browser(a)
    for attempt in range(5):
        status, _ = guesser.login("gm@dealer-sh01.demo", "wrong-password", server=(a, b)[attempt % 2])
        assert status == 422, f"attempt {attempt + 1}: {status}"
    for server in (a, b):
        status, _ = guesser.login("gm@dealer-sh01.demo", server=server)  # the right password, too late
        assert status == 429, f"{server} let a sixth attempt through after 5 failures on both servers"
    assert list(stack["redis"].scan_iter(match=stack["prefix"] + "throttle:*")), \
        "the sign-in counters are not in Redis (KESU_REDIS_URL set)"

    # The every-minute round, scheduled by both workers (each at start, and four more enqueued
    # now), runs once per minute: the probe among its sweeps records one entry per minute.
    _enqueue_rounds(stack, 4)
    executed = _wait_for_rounds(stack["worker_logs"], at_least=6)
    probes = [entry.decode().split()[0] for entry in stack["redis"].lrange(stack["prefix"] + "probe", 0, -1)]
    assert probes, "no periodic round ran"
    assert len(probes) == len(set(probes)), f"a minute's round ran more than once: {probes}"
    assert executed > len(probes), f"{executed} rounds scheduled, {len(probes)} ran: nothing was deduplicated"


def _numbers(url: str) -> dict:
    from tests.conftest import pg_connect
    conn = pg_connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT t.slug, c.number FROM complaint c JOIN tenant t ON t.id = c.tenant_id ORDER BY c.id")
            out = {}
            for slug, number in cur.fetchall():
                out.setdefault(slug, []).append(number)
            return out
    finally:
        conn.close()


def _by_period(numbers: list[str]) -> dict:
    """SH01-202611-0003 → {"202611": [1, 2, 3, ...]} (sorted)."""
    out = {}
    for number in numbers:
        code, period, seq = number.rsplit("-", 2)
        out.setdefault(period, []).append(int(seq))
    return {period: sorted(seqs) for period, seqs in out.items()}


def _enqueue_rounds(stack, n: int) -> None:
    """Enqueue the every-minute task n times on the workers' Redis queue, as a third process would."""
    code = ("from wsgi import app\n"
            f"for _ in range({n}):\n"
            "    app.extensions['kesu.every_minute']()\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=stack["env"] | {"KESU_PUBLIC_URL": "http://127.0.0.1"},
                   check=True, timeout=60, capture_output=True)


def _wait_for_rounds(logs: list[Path], at_least: int, seconds: float = 45) -> int:
    """How many every-minute rounds the workers finished, waiting until `at_least` have."""
    deadline = time.monotonic() + seconds
    done = 0
    while time.monotonic() < deadline:
        done = sum(len(re.findall(r"kesu\.every_minute: \S+ executed in", log.read_text())) for log in logs)
        if done >= at_least:
            return done
        time.sleep(0.3)
    output = "\n".join(log.read_text()[-2000:] for log in logs)
    pytest.fail(f"the workers finished {done} of {at_least} periodic rounds in {seconds} s:\n{output}")
