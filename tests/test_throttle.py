"""Rate-limit counters and the per-minute sweep lock, on both backends: the database (default)
and Redis (KESU_REDIS_URL). The same tests run on each; with Redis, two app instances stand for
two app servers or two workers, and share nothing but Redis and the database."""
import threading
import time
import uuid

import pytest

from portal import create_app, jobs, throttle
from portal.db import database
from portal.throttle import DATABASE, DatabaseCounter, RedisCounter, Throttle
from tests.conftest import KesuClient, base_config
from tests.test_worker import REDIS_URL, redis_or_skip


@pytest.fixture(params=["database", "redis"])
def make_app(request, db_url, tmp_path, smtp_server):
    """`make_app()` builds an app instance ("a process") on this test's database; every instance
    of one test shares the counter backend of the parameter."""
    settings = {}
    if request.param == "redis":
        redis_or_skip()
        prefix = f"kesu-test-{uuid.uuid4().hex[:10]}:"
        settings = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix}
    built = []

    def _make():
        app = create_app(base_config(db_url, tmp_path, MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port,
                                     HUEY_NAME=f"kesu-test-{uuid.uuid4().hex[:8]}", **settings))
        app.test_client_class = KesuClient
        built.append(app)
        return app

    yield _make
    if settings:
        import redis
        conn = redis.Redis.from_url(REDIS_URL)
        keys = list(conn.scan_iter(match=settings["REDIS_PREFIX"] + "*"))
        if keys:
            conn.delete(*keys)
    if not database.is_closed():
        database.close()


def test_each_app_uses_the_backend_its_settings_name(make_app):
    app = make_app()
    counter = app.extensions["kesu.throttle"]
    expected = RedisCounter if app.config["REDIS_URL"] else DatabaseCounter
    assert isinstance(counter, expected)


def test_attempts_are_counted_per_key_and_cleared(make_app):
    with make_app().app_context():
        assert [throttle.hit("login:email:a@x.test", 60) for _ in range(3)] == [1, 2, 3]
        throttle.hit("login:email:b@x.test", 60)
        assert throttle.count("login:email:a@x.test", 60) == 3
        assert throttle.count("login:email:b@x.test", 60) == 1
        assert throttle.count("login:email:nobody@x.test", 60) == 0
        throttle.clear("login:email:a@x.test")
        assert throttle.count("login:email:a@x.test", 60) == 0
        assert throttle.hit("login:email:a@x.test", 60) == 1
        assert throttle.count("login:email:b@x.test", 60) == 1


def test_a_window_that_has_passed_starts_again_from_one(make_app):
    with make_app().app_context():
        throttle.hit("status:lookup:1.2.3.4", 1)
        assert throttle.hit("status:lookup:1.2.3.4", 1) == 2
        time.sleep(1.2)
        assert throttle.count("status:lookup:1.2.3.4", 1) == 0
        assert throttle.hit("status:lookup:1.2.3.4", 1) == 1


def test_counts_are_shared_between_processes(make_app):
    first, second = make_app(), make_app()
    with first.app_context():
        throttle.hit("login:ip:10.0.0.1", 60)
    with second.app_context():
        assert throttle.hit("login:ip:10.0.0.1", 60) == 2
    with first.app_context():
        assert throttle.count("login:ip:10.0.0.1", 60) == 2


def test_concurrent_attempts_each_get_their_own_number(make_app):
    app = make_app()
    results, start = [], threading.Barrier(6)

    def attempt():
        with app.app_context():
            start.wait()
            results.append(throttle.hit("login:email:rush@x.test", 60))
            database.close()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [1, 2, 3, 4, 5, 6]


def test_counters_live_where_the_backend_keeps_them(make_app):
    app = make_app()
    with app.app_context():
        throttle.hit("login:email:where@x.test", 60)
        in_database = Throttle.select().where(Throttle.key == "login:email:where@x.test").exists()
        if app.config["REDIS_URL"]:
            key = f"{app.config['REDIS_PREFIX']}throttle:login:email:where@x.test"
            redis = app.extensions["kesu.throttle"].redis
            assert redis.get(key) == b"1" and 0 < redis.ttl(key) <= 60  # Redis forgets it by itself
            assert not in_database
        else:
            assert in_database


def test_failed_sign_ins_on_one_server_slow_down_the_other(make_app):
    first, second = make_app(), make_app()
    limit = first.config["LOGIN_MAX_FAILURES"]
    a, b = first.test_client(), second.test_client()
    for i in range(limit):
        c = a if i % 2 else b  # failures spread over both servers
        assert c.post("/login", data={"email": "cs@dealer-sh01.demo", "password": "wrong-wrong"}).status_code == 422
    for c in (a, b):
        response = c.post("/login", data={"email": "cs@dealer-sh01.demo", "password": "kesu-demo"})
        assert response.status_code == 429  # even the right password waits, on either server


# --- the sweep runs once per minute, however many workers run --------------------------------

def test_a_minute_is_claimed_once(make_app):
    with make_app().app_context():
        import datetime
        minute = datetime.datetime(2026, 11, 24, 9, 30, 5)
        assert jobs.claim_period("kesu.test", at=minute) is True
        assert jobs.claim_period("kesu.test", at=minute.replace(second=55)) is False
        assert jobs.claim_period("kesu.other", at=minute) is True  # another task's lock
        assert jobs.claim_period("kesu.test", at=minute.replace(minute=31)) is True  # the next minute


def test_two_workers_run_the_sweep_once_per_minute(make_app, monkeypatch):
    import datetime
    runs = []
    monkeypatch.setitem(jobs.PERIODIC, "counted", lambda app: runs.append(app) or "swept")
    monkeypatch.setattr(jobs, "now", lambda: datetime.datetime(2026, 11, 24, 9, 30, 1))  # both in one minute
    workers = [make_app(), make_app()]
    results, start = [], threading.Barrier(len(workers))

    def scheduled_round(app):  # what each consumer does when its scheduler fires kesu.every_minute
        start.wait()
        app.extensions["kesu.every_minute"].call_local()
        results.append(app)

    threads = [threading.Thread(target=scheduled_round, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2 and len(runs) == 1


def test_old_database_counters_are_purged(make_app):
    import datetime

    from portal.db import now
    with make_app().app_context():
        DATABASE.hit("status:lookup:old", 86400)  # rows, even when the app counts in Redis
        DATABASE.hit("status:lookup:new", 86400)
        Throttle.update(window_start=now() - datetime.timedelta(days=3)).where(
            Throttle.key == "status:lookup:old").execute()
        assert DATABASE.purge(2 * 86400) == 1
        assert [DATABASE.count(k, 86400) for k in ("status:lookup:old", "status:lookup:new")] == [0, 1]
        throttle.purge()  # what the periodic round calls: harmless on either backend
