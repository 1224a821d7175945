"""Faults, with real servers and real processes: the mail server down, SQLite locked by a long
writer, PostgreSQL restarted under load, a worker killed in the middle of a sweep.

What must hold each time: nothing accepted is lost, nothing is half-written, nothing is done twice,
and the app recovers by itself (no restart of the app or the worker is needed).
"""
import contextlib
import datetime
import glob
import io
import json
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from portal import create_app, scope
from portal.complaints import actions as complaint_actions
from portal.complaints.models import Attachment, Complaint
from portal.db import database, now
from portal.events import Event
from portal.jobs import run_periodic
from portal.notify.models import OutboxMessage, OutboxStatus
from portal.sla.models import Deadline, DeadlineKind
from portal.tenancy.models import Category, Department, Tenant
from tests import factories as f
from tests.conftest import KesuClient, _close_pool, _prepare, base_config, translated, translated_html
from tests.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
CS = "cs@dealer-sh01.demo"
BUSY = "The service is busy or its database cannot be reached just now. Please try again in a moment."


def worker_round(config: dict, *options: str, timeout: float = 90) -> dict:
    """One round of the real worker in its own process (tests/fault_worker.py); its result."""
    done = subprocess.run([sys.executable, "-m", "tests.fault_worker", json.dumps(config), *options], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def sign_in(app, email=CS) -> KesuClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "kesu-demo"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client


def intake_form(category_id: int, key: str, **overrides) -> dict:
    data = {"kind": "complaint", "channel": "phone", "customer_name": "王芳", "phone": "13912345678",
            "email": "", "category": str(category_id), "description": "承诺1小时保养，2小时未开始",
            "customer_request": "道歉", "address": "", "plate": "", "complainants": "1", "intake_key": key}
    data.update(overrides)
    return data


def first_category(slug="dealer-sh01") -> int:
    with scope.scoped(scope.SYSTEM):
        tenant = Tenant.get(Tenant.slug == slug)
        return Category.select().where(Category.tenant == tenant.id).order_by(Category.position).first().id


def in_system(fn):
    with scope.scoped(scope.SYSTEM):
        return fn()


# --- the mail server is down ---------------------------------------------------------------------------

def test_with_the_mail_server_down_work_goes_on_and_every_mail_leaves_once_when_it_is_back(app, tmp_path, in_tenant):
    server = SmtpServer().start()
    server.stop()  # down before anything is sent; it comes back on the same port
    config = base_config(app.config["DATABASE_URL"], tmp_path, MAIL_SERVER=server.host, MAIL_PORT=server.port,
                         HUEY_IMMEDIATE=False)  # the real worker below delivers, not the request
    database.close()
    web = create_app(config)
    web.test_client_class = KesuClient
    client = sign_in(web)
    with in_tenant("dealer-sh01"):
        complaints = [f.complaint(email=f"kunde{i}@example.test", phone=f"1391234567{i}") for i in range(3)]
    for c in complaints:
        response = client.post(f"/t/dealer-sh01/complaints/{c.id}/customer-link/send", data={"locale": "zh_Hans"})
        assert response.status_code == 303  # the customer's link is on its way: the outage is not their problem
    try:
        down = worker_round(config)
        assert down["mail"]["sent"] == 0
        queued = in_system(lambda: list(OutboxMessage.select()))
        assert queued and all(m.status == OutboxStatus.QUEUED for m in queued)
        assert any(m.last_error for m in queued)  # the admins' outbox page says why

        server.start()
        in_system(lambda: OutboxMessage.update(next_attempt_at=now()).execute())  # the backoff has passed
        back = worker_round(config)
        assert back["mail"]["sent"] == len(queued)
        with web.app_context():
            assert run_periodic(web)["mail"]["sent"] == 0  # and the next round sends nothing again
        for i in range(3):
            assert len(server.to(f"kunde{i}@example.test")) == 1, [m["to"] for m in server.messages]
        assert Counter((tuple(m["to"]), m["subject"]) for m in server.messages).most_common(1)[0][1] == 1
        assert all(m.status == OutboxStatus.SENT for m in in_system(lambda: list(OutboxMessage.select())))
    finally:
        server.stop()


# --- SQLite locked by a long writer -----------------------------------------------------------------

WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE tenant SET name = name")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


@contextlib.contextmanager
def long_writer(path: Path, seconds: float):
    """Another process holds SQLite's write lock for `seconds` (a long import, a backup, a migration)."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        assert proc.wait(timeout=seconds + 20) == 0


@pytest.fixture
def sqlite_app(tmp_path, sqlite_template, smtp_server):
    """make(timeout=None) -> (app, path): an app on its own copy of the seeded SQLite file."""
    path = tmp_path / "kesu.db"
    shutil.copy(sqlite_template, path)

    def make(timeout=None):
        url = f"sqlite:///{path}" + (f"?timeout={timeout}" if timeout else "")
        app = create_app(base_config(url, tmp_path, MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port))
        app.test_client_class = KesuClient
        return app
    yield make, path
    scope.set_scope(None)
    _close_pool()


def count_in(slug: str, model) -> int:
    with scope.scoped(scope.SYSTEM):
        tenant = Tenant.get(Tenant.slug == slug)
        return model.select().where(model.tenant == tenant.id).count()


def test_while_sqlite_is_locked_a_request_waits_for_the_writer_and_succeeds(sqlite_app):
    make, path = sqlite_app
    app = make()
    client = sign_in(app)
    data = intake_form(first_category(), uuid.uuid4().hex)
    data["attachments"] = (io.BytesIO(PNG), "photo.png")
    with long_writer(path, 1.5):
        started = time.monotonic()
        response = client.post("/t/dealer-sh01/complaints/new", data=data, content_type="multipart/form-data")
        waited = time.monotonic() - started
    assert response.status_code == 303
    assert waited > 0.5  # it waited for the writer instead of failing
    assert count_in("dealer-sh01", Complaint) == 1 and count_in("dealer-sh01", Attachment) == 1


def test_a_lock_held_past_the_busy_timeout_fails_cleanly_with_503_and_nothing_half_written(sqlite_app):
    make, path = sqlite_app
    impatient = make(timeout=0.3)
    client = sign_in(impatient)
    data = intake_form(first_category(), uuid.uuid4().hex)
    events_before = count_in("dealer-sh01", Event)
    outbox_before = in_system(lambda: OutboxMessage.select().count())
    with long_writer(path, 2.5):
        response = client.post("/t/dealer-sh01/complaints/new", content_type="multipart/form-data",
                               data={**data, "attachments": (io.BytesIO(PNG), "photo.png")})
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert translated_html(impatient, BUSY) in response.get_data(as_text=True)
    # nothing of it was written: no complaint, no evidence, no event, no mail
    assert count_in("dealer-sh01", Complaint) == 0 and count_in("dealer-sh01", Attachment) == 0
    assert count_in("dealer-sh01", Event) == events_before
    assert in_system(lambda: OutboxMessage.select().count()) == outbox_before
    # the user sends the same form again once the writer is done: saved once, with its photo
    again = client.post("/t/dealer-sh01/complaints/new", content_type="multipart/form-data",
                        data={**data, "attachments": (io.BytesIO(PNG), "photo.png")})
    assert again.status_code == 303
    assert count_in("dealer-sh01", Complaint) == 1 and count_in("dealer-sh01", Attachment) == 1


def test_a_wrong_query_on_sqlite_is_a_500_with_its_traceback_not_an_outage(sqlite_app, caplog):
    """SQLite calls a busy database and a missing table both OperationalError: only the first is a 503."""
    make, path = sqlite_app
    app = make()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    client = sign_in(app)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("ALTER TABLE complaint RENAME TO complaint_elsewhere")  # a deployment that lost a table
    response = client.get("/t/dealer-sh01/complaints/")
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert any("no such table" in r.getMessage() or (r.exc_info and "no such table" in str(r.exc_info[1]))
               for r in caplog.records)


# --- PostgreSQL restarted under load ------------------------------------------------------------------

INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


class PrivateCluster:
    """A PostgreSQL cluster of this test alone, in a temporary directory, on a spare port."""

    def __init__(self):
        self.bin = Path(INITDB[-1]).parent
        self.as_owner = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="kesu-pg-"))
        self.data, self.port = self.root / "data", free_port()
        if self.as_owner:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                  "--locale=C")

    def _run(self, tool, *args):
        done = subprocess.run([*self.as_owner, str(self.bin / tool), *args], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, f"{tool}: {done.stdout}{done.stderr}"

    def start(self):
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                  "-c fsync=on -c max_connections=50", "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, name="kesu") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self):
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if not INITDB:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): no private cluster to "
                    "restart, and the shared server must never be restarted")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a `postgres` user to run a private PostgreSQL cluster as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root without `runuser` to start a private PostgreSQL cluster as postgres")
    cluster = PrivateCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        _close_pool()
        cluster.remove()


def test_postgres_restarted_under_load_loses_no_accepted_complaint_and_the_app_recovers_alone(private_postgres, tmp_path, smtp_server):
    from tests.conftest import pg_connect
    admin = pg_connect(private_postgres.url("postgres"))
    admin.cursor().execute("CREATE DATABASE kesu")
    admin.close()
    _prepare(private_postgres.url(), tmp_path)
    app = create_app(base_config(private_postgres.url(), tmp_path, MAIL_SERVER=smtp_server.host,
                                 MAIL_PORT=smtp_server.port))
    app.test_client_class = KesuClient
    with database.connection_context():
        category = first_category()
    results, stop = [], threading.Event()  # (key, status, finished at)

    def load():
        client = sign_in(app)
        while not stop.is_set():
            key = uuid.uuid4().hex
            try:
                status = client.post("/t/dealer-sh01/complaints/new", data=intake_form(category, key)).status_code
            except Exception as exc:  # noqa: BLE001 - an exception escaping the app would be a failure
                status = f"{type(exc).__name__}: {exc}"
            results.append((key, status, time.monotonic()))
            time.sleep(0.01)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        private_postgres.stop("fast")  # every connection of the pool dies with it
        time.sleep(1.0)
        private_postgres.start()
        restarted = time.monotonic()
        time.sleep(2.0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    statuses = Counter(status for _, status, _ in results)
    assert set(statuses) <= {303, 503}, statuses  # refused cleanly while down, never a 500 or a crash
    assert statuses[503] >= 1, "the restart happened while requests were coming in"
    assert any(status == 303 and at > restarted for _, status, at in results), "the app recovered by itself"
    accepted = {key for key, status, _ in results if status == 303}
    with database.connection_context(), scope.scoped(scope.SYSTEM):  # a connection from the pool, as the app takes
        stored = Counter(c.intake_key for c in Complaint.select(Complaint.intake_key))
        received = Event.select().where(Event.kind == "complaint.received").count()
    assert accepted <= set(stored), f"{len(accepted - set(stored))} accepted complaints lost"
    assert max(stored.values()) == 1
    assert received == len(stored)  # every stored complaint is whole: it has its intake event
    assert app.test_client().get("/healthz").status_code == 200
    with app.app_context():  # and the worker's round runs on the same pool, without a restart either
        assert run_periodic(app)["mail"]["failed"] == 0


# --- a worker killed in the middle of a sweep -------------------------------------------------------

def test_a_worker_killed_mid_sweep_repeats_nothing_when_it_runs_again(app, tmp_path, in_tenant, mailbox):
    n = 12
    with in_tenant("dealer-sh01"):
        dept = Department.get(Department.name == "售后服务部")
        cs, advisor = f.user(CS), f.user("advisor@dealer-sh01.demo")
        ids = []
        for _ in range(n):
            c = f.complaint()
            complaint_actions.assign(c, cs, department=dept, assignee=advisor)
            ids.append(c.id)
        past = now() - datetime.timedelta(hours=1)
        overdue = (Deadline.update(due_at=past, warn_at=past - datetime.timedelta(hours=1))
                   .where(Deadline.complaint.in_(ids) & (Deadline.kind == DeadlineKind.REPLY)
                          & Deadline.met_at.is_null()).execute())
    assert overdue == n
    config = base_config(app.config["DATABASE_URL"], tmp_path, MAIL_SERVER=mailbox.host, MAIL_PORT=mailbox.port)

    def notified() -> int:
        with scope.scoped(scope.SYSTEM):
            return Event.select().where((Event.kind == "deadline.overdue") & Event.subject_id.in_(ids)).count()

    # Batches of two complaints (one transaction each), a pause after every notice: killed half-way.
    proc = subprocess.Popen([sys.executable, "-m", "tests.fault_worker", json.dumps(config), "--slow", "0.1",
                             "--batch", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while notified() < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    halfway = notified()
    assert 4 <= halfway < n, f"killed at {halfway} of {n}: not in the middle of the sweep"
    assert mailbox.messages == []  # killed before its mail round

    again = worker_round(config)
    assert again["sla"]["overdue"] == n - halfway  # only what the killed worker had not finished
    assert notified() == n
    with app.app_context():
        assert run_periodic(app)["sla"]["overdue"] == 0

    with scope.scoped(scope.SYSTEM):
        numbers = {c.number for c in Complaint.select().where(Complaint.id.in_(ids))}
        leader = dept.leader.email
    for number in numbers:
        subject = translated(app, "Complaint %(number)s: a deadline has passed", number=number)
        to = sorted(tuple(m["to"]) for m in mailbox.messages if m["subject"] == subject)
        assert to == sorted([("advisor@dealer-sh01.demo",), (leader,)]), number
    sent = Counter((tuple(m["to"]), m["subject"]) for m in mailbox.messages)
    assert sent.most_common(1)[0][1] == 1, sent.most_common(3)


# --- the evidence cannot be stored --------------------------------------------------------------------

def test_when_the_evidence_cannot_be_stored_the_complaint_is_not_stored_either(app, tmp_path, login, in_tenant):
    blocked = tmp_path / "uploads-is-a-file"
    blocked.write_text("not a directory")  # the uploads volume is gone or read-only, say
    app.config["UPLOAD_DIR"] = str(blocked)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the user sees the error page, as in production
    client = login(CS)
    response = client.post("/t/dealer-sh01/complaints/new", content_type="multipart/form-data",
                           data={**intake_form(first_category(), uuid.uuid4().hex),
                                 "attachments": (io.BytesIO(PNG), "photo.png")})
    assert response.status_code == 500
    with in_tenant("dealer-sh01"):
        assert Complaint.select().count() == 0 and Attachment.select().count() == 0
        assert Event.select().where(Event.kind == "complaint.received").count() == 0


# --- a pooled connection the server ended ---------------------------------------------------------------

def test_a_pooled_connection_the_server_ended_is_replaced_before_the_next_request_uses_it(app, client, login):
    """After a restart or an idle timeout every pooled connection is dead; the pool tries each before
    handing it out, so the first request afterwards already succeeds (no 503, no restart of the app)."""
    if not app.config["DATABASE_URL"].startswith("postgres"):
        pytest.skip("a server that ends connections is PostgreSQL's (a SQLite file has no server)")
    from tests.conftest import pg_connect
    login(CS)
    assert client.get("/t/dealer-sh01/complaints/").status_code == 200
    pooled = [conn.get_backend_pid() for _, _, conn in database.obj._connections]
    assert pooled, "the request's connection went back to the pool"
    killer = pg_connect(app.config["DATABASE_URL"])
    with killer.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", (pooled,))
    killer.close()
    assert client.get("/t/dealer-sh01/complaints/").status_code == 200
