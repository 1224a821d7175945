"""Counting attempts per key in a time window (login failures, link guesses), kept in the database."""
import datetime

from peewee import CharField, DateTimeField, IntegerField

from .db import BaseModel, atomic, now


class Throttle(BaseModel):
    """How many attempts a key made since its window started."""

    key = CharField(max_length=200, primary_key=True)
    window_start = DateTimeField(default=now)
    count = IntegerField(default=0)


def hit(key: str, window_seconds: int) -> int:
    """Count one attempt for `key`; returns the attempts in the current window."""
    cutoff = now() - datetime.timedelta(seconds=window_seconds)
    with atomic():
        row = Throttle.get_or_none(Throttle.key == key)
        if row is None or row.window_start < cutoff:
            started = now()
            (Throttle.insert(key=key, window_start=started, count=1)
             .on_conflict(conflict_target=[Throttle.key], update={Throttle.window_start: started, Throttle.count: 1})
             .execute())
            return 1
        Throttle.update(count=Throttle.count + 1).where(Throttle.key == key).execute()
        return row.count + 1


def count(key: str, window_seconds: int) -> int:
    cutoff = now() - datetime.timedelta(seconds=window_seconds)
    row = Throttle.get_or_none(Throttle.key == key)
    return 0 if row is None or row.window_start < cutoff else row.count


def clear(key: str) -> None:
    Throttle.delete().where(Throttle.key == key).execute()
