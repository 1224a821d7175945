"""The background worker (huey): outbox delivery and periodic sweeps.

Huey keeps its queue in a SQLite file (HUEY_PATH) by default, in Redis when REDIS_URL
(KESU_REDIS_URL) is set. Under TESTING tasks run at once, in-process (HUEY_IMMEDIATE).
`flask --app wsgi worker` runs the consumer; `flask --app wsgi sweep` runs one round now.

Huey schedules periodic tasks in every consumer, so with M workers each minute's round would
run M times: the round first claims its minute (`claim_period`, through portal/throttle.py:
Redis `SET NX` when REDIS_URL is set, else one upserted row), and only the first claimant runs it.
"""
import logging

from flask import current_app, g, has_request_context
from huey import RedisHuey, SqliteHuey, crontab

from . import scope, throttle
from .db import database, now

log = logging.getLogger(__name__)
huey = None

# Other areas register their sweeps here: name -> callable(app) -> summary.
PERIODIC: dict = {}
PERIOD_SECONDS = 60  # the every-minute round
LATER = "kesu.later"  # g: the tasks a request queues once it is answered


def make_huey(app):
    """Huey on Redis when REDIS_URL is set, else on the SQLite file at HUEY_PATH."""
    options = {"immediate": app.config.get("HUEY_IMMEDIATE", app.testing),
               "results": False}  # tasks report through the outbox, not through huey results
    # On Redis the queue is named after KESU_REDIS_PREFIX, so installs sharing a Redis keep their tasks apart.
    name = app.config.get("HUEY_NAME") or app.config.get("REDIS_PREFIX", "kesu:").rstrip(":") or "kesu"
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"], **options)
    # No fsync per task: the queue carries only wake-ups (the mail waits in the outbox and the minute's
    # round reads the database), so a task lost in a power cut means a later delivery, not a lost mail.
    # With fsync the wake-up after an intake cost 4 ms at the median and 12 ms at p95.
    return SqliteHuey(name, filename=app.config["HUEY_PATH"], fsync=False, **options)


def init_app(app) -> None:
    """Create the app's huey, register its tasks, and wake the worker after requests that queue mail."""
    global huey
    huey = make_huey(app)
    app.extensions["huey"] = huey

    @huey.periodic_task(crontab(minute="*"), name="kesu.every_minute")
    def every_minute():
        with app.app_context():
            run_claimed_round(app)

    app.extensions["kesu.every_minute"] = every_minute

    @huey.task(name="kesu.deliver_outbox")
    def deliver_outbox():
        with app.app_context():
            deliver(app)

    app.extensions["kesu.deliver_outbox"] = deliver_outbox

    @huey.task(name="kesu.catch_up_reports")
    def catch_up_reports(keys):
        from .reports import store
        with app.app_context(), database.connection_context():
            store.catch_up(keys)

    app.extensions["kesu.catch_up_reports"] = catch_up_reports

    @huey.task(name="kesu.export_report")
    def export_report(tenant_id, token):
        from .reports import background
        with app.app_context(), database.connection_context():
            background.run(tenant_id, token)

    app.extensions["kesu.export_report"] = export_report

    @app.after_request
    def _wake_worker(response):
        from .notify.actions import KICK_FLAG
        if g.pop(KICK_FLAG, False):
            kick(app)
        for name, args in g.pop(LATER, ()):
            enqueue(app, name, *args)
        return response


def later(name: str, *args) -> None:
    """Queue the task `name` once this request is answered (at once outside a request): a page asking for
    work never waits for it, even where tasks run in the calling process (tests)."""
    if has_request_context():
        g.setdefault(LATER, []).append((name, args))
    else:
        enqueue(current_app, name, *args)


def enqueue(app, name: str, *args) -> None:
    """Queue the task `name`; a queue that is down is logged, not raised (its work is done later anyway)."""
    try:
        app.extensions[name](*args)
    except Exception:  # the minute's round does the same work later
        log.exception("could not enqueue %s", name)


def kick(app) -> None:
    """Ask the worker to deliver the outbox now rather than at the next minute (the mail is safe in the
    outbox if the queue cannot take the task: the periodic round sends it)."""
    enqueue(app, "kesu.deliver_outbox")


def deliver(app) -> dict:
    """Deliver the due outbox mail of every tenant now."""
    from .notify.actions import deliver_due

    with database.connection_context(), scope.scoped(scope.SYSTEM):
        return deliver_due(app)


def run_periodic(app) -> dict:
    """One round of periodic work: the registered sweeps, then mail (so theirs leaves at once)."""
    result = {}
    for name, sweep in PERIODIC.items():
        try:
            with database.connection_context():
                result[name] = sweep(app)
        except Exception:  # one failing sweep must not stop mail or the others
            log.exception("periodic job %s failed", name)
    result["mail"] = deliver(app)
    return result


def claim_period(name: str, at=None) -> bool:
    """True for the first caller in `name`'s current minute, on every worker and host sharing
    the database (or Redis); later callers in the same minute get False."""
    stamp = (at or now()).strftime("%Y%m%d%H%M")
    with database.connection_context():
        return throttle.claim(f"periodic:{name}:{stamp}", 2 * PERIOD_SECONDS)


def run_claimed_round(app, name: str = "kesu.every_minute") -> dict | None:
    """The periodic round, when this worker is the first to claim this minute; None otherwise."""
    if not claim_period(name):
        log.debug("periodic round %s: another worker has this minute", name)
        return None
    with database.connection_context():
        throttle.purge()  # old counters and claims, once a minute rather than on every hit
    return run_periodic(app)


def run_worker(app, workers: int = 2) -> None:
    """Run the huey consumer in this process until interrupted."""
    from huey.consumer import Consumer

    if not logging.getLogger().handlers:  # the consumer's start-up and errors belong on stderr
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Consumer(app.extensions["huey"], workers=workers, worker_type="thread", periodic=True,
             check_worker_health=True).run()
