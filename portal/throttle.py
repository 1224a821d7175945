"""Counting attempts per key in a time window (login failures, link guesses, customer forms).

Two backends with one behaviour: a fixed window that starts at a key's first attempt and
lasts `window_seconds`, after which the count starts again from one.
- the database (table `throttle`, one row per key, counted by one atomic upsert): the default;
- Redis, when REDIS_URL (KESU_REDIS_URL) is set: `SET NX EX` opens the window and `INCR`
  counts, in one MULTI, so limits hold across every app server and worker sharing that Redis.
`claim(key, seconds)` is the first-caller-wins form (the per-period lock of the sweeps).
Outside an application context (plain unit tests) the database backend is used.
"""
import datetime

from flask import current_app, has_app_context
from peewee import Case, CharField, DateTimeField, IntegerField

from .db import BaseModel, atomic, now


class Throttle(BaseModel):
    """How many attempts a key made since its window started."""

    key = CharField(max_length=200, primary_key=True)
    window_start = DateTimeField(default=now)
    count = IntegerField(default=0)


class DatabaseCounter:
    def hit(self, key: str, window_seconds: int) -> int:
        started = now()
        stale = Throttle.window_start < started - datetime.timedelta(seconds=window_seconds)
        # One statement: two processes counting the same key at once both get their own number.
        query = (Throttle.insert(key=key, window_start=started, count=1)
                 .on_conflict(conflict_target=[Throttle.key],
                              update={Throttle.count: Case(None, [(stale, 1)], Throttle.count + 1),
                                      Throttle.window_start: Case(None, [(stale, started)], Throttle.window_start)})
                 .returning(Throttle.count))
        with atomic():
            return query.tuples().execute()[0][0]

    def count(self, key: str, window_seconds: int) -> int:
        cutoff = now() - datetime.timedelta(seconds=window_seconds)
        # One column, no row object: the status page asks this on every view.
        counted = Throttle.select(Throttle.count).where((Throttle.key == key) & (Throttle.window_start >= cutoff))
        return counted.scalar() or 0

    def clear(self, key: str) -> None:
        Throttle.delete().where(Throttle.key == key).execute()

    def purge(self, older_than_seconds: int) -> int:
        """Forget keys whose window started that long ago (Redis lets them expire by themselves)."""
        cutoff = now() - datetime.timedelta(seconds=older_than_seconds)
        return Throttle.delete().where(Throttle.window_start < cutoff).execute()


class RedisCounter:
    def __init__(self, url: str, prefix: str = "kesu:"):
        import redis
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = f"{prefix}throttle:"

    def hit(self, key: str, window_seconds: int) -> int:
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(self.prefix + key, 0, ex=max(1, int(window_seconds)), nx=True)
        pipe.incr(self.prefix + key)
        return int(pipe.execute()[1])

    def count(self, key: str, window_seconds: int) -> int:
        return int(self.redis.get(self.prefix + key) or 0)

    def clear(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def purge(self, older_than_seconds: int) -> int:
        return 0


DATABASE = DatabaseCounter()


def init_app(app) -> None:
    """The app's counter: Redis when REDIS_URL is set, else the database."""
    url = app.config.get("REDIS_URL")
    app.extensions["kesu.throttle"] = RedisCounter(url, app.config.get("REDIS_PREFIX", "kesu:")) if url else DATABASE


def backend():
    return current_app.extensions.get("kesu.throttle", DATABASE) if has_app_context() else DATABASE


def hit(key: str, window_seconds: int) -> int:
    """Count one attempt for `key`; returns the attempts in the current window."""
    return backend().hit(key, window_seconds)


def count(key: str, window_seconds: int) -> int:
    """The attempts for `key` in its current window (0 once the window has passed)."""
    return backend().count(key, window_seconds)


def clear(key: str) -> None:
    """Forget `key`'s attempts (e.g. after a successful sign-in)."""
    backend().clear(key)


def claim(key: str, seconds: int) -> bool:
    """True for exactly one caller of `key` within `seconds`, across processes and hosts."""
    return hit(key, seconds) == 1


def purge(older_than_seconds: int = 2 * 86400) -> int:
    """Delete database rows older than any window in use (the longest is a day)."""
    return backend().purge(older_than_seconds)
