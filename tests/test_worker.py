"""The background worker: huey on SQLite or Redis, woken after requests that queue mail, run
every minute and from `flask worker` / `flask sweep`."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from huey.storage import RedisStorage, SqliteStorage

from portal import create_app, jobs, scope
from portal.db import atomic, database
from portal.notify.actions import queue_mail
from portal.notify.models import OutboxMessage, OutboxStatus
from tests.conftest import KesuClient, base_config

# db 15: a scratch database, never the portal's own. CI sets KESU_TEST_REDIS_URL when Redis answers.
REDIS_URL = os.environ.get("KESU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parent.parent


def queue(recipient: str, subject: str = "后台发送") -> OutboxMessage:
    with scope.scoped(scope.SYSTEM), atomic():
        return queue_mail(recipient, subject, "正文：由后台任务发送。\n")


def status_of(message) -> str:
    with scope.scoped(scope.SYSTEM):
        return OutboxMessage.get_by_id(message.id).status


@pytest.fixture
def make_app(app, tmp_path, mailbox):
    """Another app on this test's database and SMTP server, with other settings."""
    def _make(**settings):
        if not database.is_closed():
            database.close()
        other = create_app(base_config(app.config["DATABASE_URL"], tmp_path, MAIL_SERVER=mailbox.host,
                                       MAIL_PORT=mailbox.port, **settings))
        other.test_client_class = KesuClient
        return other
    return _make


def redis_or_skip() -> None:
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("KESU_TEST_REDIS_URL"):
            pytest.fail(f"KESU_TEST_REDIS_URL={REDIS_URL} is set, but Redis cannot be reached: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}): cannot show the Redis-backed queue")


def run_one_task(huey) -> None:
    """Do what a consumer does with the next task in the queue."""
    task = huey.dequeue()
    assert task is not None, "nothing was enqueued"
    huey.execute(task)


# --- where the queue lives -------------------------------------------------------------------

def test_the_queue_lives_in_sqlite_by_default(make_app, mailbox, tmp_path):
    app = make_app(HUEY_IMMEDIATE=False, HUEY_PATH=str(tmp_path / "queue.db"))
    huey = app.extensions["huey"]
    assert isinstance(huey.storage, SqliteStorage)
    queue("sqlite-queue@example.test")

    jobs.kick(app)

    assert huey.pending_count() == 1 and (tmp_path / "queue.db").exists()
    assert huey.storage.conn.execute("pragma synchronous").fetchone()[0] == 0  # a wake-up waits for no fsync
    assert mailbox.messages == []  # enqueued, not yet run
    run_one_task(huey)
    assert [m["to"] for m in mailbox.messages] == [["sqlite-queue@example.test"]]


def test_the_queue_lives_in_redis_when_redis_url_is_set(make_app, mailbox):
    redis_or_skip()
    app = make_app(HUEY_IMMEDIATE=False, REDIS_URL=REDIS_URL, HUEY_NAME=f"kesu-test-{uuid.uuid4().hex[:8]}")
    huey = app.extensions["huey"]
    assert isinstance(huey.storage, RedisStorage)
    try:
        queue("redis-queue@example.test")
        jobs.kick(app)
        assert huey.pending_count() == 1
        assert huey.storage.conn.llen(huey.storage.queue_key) == 1  # really in Redis
        run_one_task(huey)
    finally:
        huey.flush()
    assert [m["to"] for m in mailbox.messages] == [["redis-queue@example.test"]]


def test_two_installs_sharing_a_redis_keep_their_queues_apart(make_app, mailbox):
    redis_or_skip()
    apps = [make_app(HUEY_IMMEDIATE=False, REDIS_URL=REDIS_URL, REDIS_PREFIX=f"kesu-{uuid.uuid4().hex[:8]}-{i}:")
            for i in range(2)]
    first, second = (a.extensions["huey"] for a in apps)
    try:
        queue("first-install@example.test")
        jobs.kick(apps[0])
        assert (first.pending_count(), second.pending_count()) == (1, 0)  # the other install's worker never sees it
    finally:
        first.flush()
        second.flush()


def test_tests_run_huey_tasks_at_once_in_process(app):
    assert app.extensions["huey"].immediate


# --- waking the worker -----------------------------------------------------------------------

def test_a_request_that_queues_mail_wakes_the_worker_when_it_ends(make_app, mailbox):
    app = make_app(HUEY_IMMEDIATE=False)
    huey = app.extensions["huey"]

    @app.get("/_test/queue-mail")
    def queue_in_request():
        queue("woken@example.test")
        return "queued"

    @app.get("/_test/nothing")
    def nothing():
        return "nothing"

    client = app.test_client()
    client.get("/_test/nothing")
    assert huey.pending_count() == 0
    client.get("/_test/queue-mail")
    assert huey.pending_count() == 1
    run_one_task(huey)
    assert [m["to"] for m in mailbox.messages] == [["woken@example.test"]]


def test_the_sweep_command_delivers_due_mail(runner, mailbox):
    message = queue("sweep@example.test")
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert "'sent': 1" in result.output
    assert mailbox.to("sweep@example.test") and status_of(message) == OutboxStatus.SENT


def test_mail_queued_by_a_periodic_sweep_leaves_in_the_same_round(app, mailbox, monkeypatch):
    monkeypatch.setitem(jobs.PERIODIC, "reminders", lambda app: queue("reminder@example.test") and "queued")
    with app.app_context():
        result = jobs.run_periodic(app)
    assert result["reminders"] == "queued" and result["mail"]["sent"] == 1
    assert mailbox.to("reminder@example.test")


def test_a_failing_sweep_does_not_stop_the_mail(app, mailbox, monkeypatch):
    def broken(app):
        raise RuntimeError("sweep bug")
    monkeypatch.setitem(jobs.PERIODIC, "broken", broken)
    queue("still-sent@example.test")
    with app.app_context():
        result = jobs.run_periodic(app)
    assert "broken" not in result and result["mail"]["sent"] == 1


# --- the worker process ----------------------------------------------------------------------

def test_the_worker_command_delivers_queued_mail_until_it_is_stopped(app, mailbox, tmp_path):
    message = queue("worker@example.test", subject="由后台进程发送")
    database.close()
    settings = {"DATABASE_URL": app.config["DATABASE_URL"], "MAIL_SERVER": mailbox.host,
                "MAIL_PORT": mailbox.port, "HUEY_PATH": str(tmp_path / "worker-huey.db"),
                "REDIS_URL": None, "SECRET_KEY": "worker-test"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KESU_", "FLASK_"))}
    log = (tmp_path / "worker.log").open("w+")
    # The same `worker` command as `flask --app wsgi worker`, on this test's own database and queue.
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", f"portal:create_app({settings!r})",
                               "worker", "--workers", "1"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 15
        while not mailbox.to("worker@example.test") and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
    finally:
        worker.terminate()
        try:
            worker.wait(5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.seek(0)
        output = log.read()
        log.close()
    received = mailbox.to("worker@example.test")
    assert [m["subject"] for m in received] == ["由后台进程发送"], output
    assert status_of(message) == OutboxStatus.SENT
