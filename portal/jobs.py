"""The background worker (huey): outbox delivery and periodic sweeps.

SQLite storage under instance/ by default; Redis when KESU_REDIS_URL is set.
"""
import logging

from huey import RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)
huey = None


def make_huey(app):
    if app.config.get("REDIS_URL"):
        return RedisHuey("kesu", url=app.config["REDIS_URL"], immediate=app.testing)
    return SqliteHuey("kesu", filename=app.config["HUEY_PATH"], immediate=app.testing)


def init_app(app) -> None:
    global huey
    huey = make_huey(app)
    app.extensions["huey"] = huey

    @huey.periodic_task(crontab(minute="*"), name="kesu.every_minute")
    def every_minute():
        with app.app_context():
            run_periodic(app)

    @huey.task(name="kesu.deliver_outbox")
    def deliver_outbox():
        with app.app_context():
            _deliver(app)

    app.extensions["kesu.deliver_outbox"] = deliver_outbox


def _deliver(app):
    from . import scope
    from .db import database
    from .notify.actions import deliver_due

    with database.connection_context(), scope.scoped(scope.SYSTEM):
        return deliver_due(app)


def run_periodic(app) -> dict:
    """One round of periodic work: deliver due mail, then run registered sweeps."""
    result = {"mail": _deliver(app)}
    for name, sweep in PERIODIC.items():
        try:
            result[name] = sweep(app)
        except Exception:  # one failing sweep must not stop mail or the others
            log.exception("periodic job %s failed", name)
    return result


# Other areas register their sweeps here: name -> callable(app) -> summary.
PERIODIC: dict = {}


def run_worker(app, workers: int = 2) -> None:
    """Run the huey consumer in this process until interrupted."""
    from huey.consumer import Consumer

    Consumer(app.extensions["huey"], workers=workers, worker_type="thread", periodic=True,
             check_worker_health=True).run()
