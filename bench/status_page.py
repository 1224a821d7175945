"""CPU cost of the customer's status page `/s/<token>`: `python -m bench.status_page [-n 2000] [--profile]`.

Works on a copy: the generated SQLite database (`python -m bench.generate`; `bench/out/kesu-200000.pristine`,
else `kesu-200000.db`) is copied to `/tmp/kesu-status.db` once, so the bench/out files stay as they are.
The app is built as in production (TESTING off, `common.make_app`, pending migrations applied); status links
are minted with the staff panel's code (`status.links.token_for`) for `--links` complaints drawn at random
from every tenant (open, or closed recently enough that the link still works), as `bench.load` does. After
`--warmup` views, `-n` views round-robin over the links through the Flask test client, each timed in the
process's CPU time (on a shared machine wall time includes waiting for a core): CPU p50/p95/mean per view,
what one core could serve (1000 / mean CPU ms), wall p50 and the statements per view. `--profile` runs
the views again under cProfile and prints the top functions by own and cumulative time.
"""
import argparse
import cProfile
import datetime
import os
import pstats
import random
import shutil
import statistics
import time

from . import common
from .http_bench import QueryLog, percentile

TARGET_DEFAULT = "sqlite:////tmp/kesu-status.db"


def default_source():
    pristine = common.OUT / f"kesu-{common.DEFAULT_N}.pristine"
    return pristine if pristine.exists() else common.OUT / f"kesu-{common.DEFAULT_N}.db"


def prepare(target: str, source) -> None:
    """Copy the generated database once; the copy is the one the views (and the migrations) touch."""
    path = common.sqlite_path(target)
    if path is None or path.exists():
        return
    if not os.path.exists(source):
        raise SystemExit(f"{source} is missing: run `python -m bench.generate` first")
    started = time.perf_counter()
    shutil.copyfile(source, path)
    print(f"copied {source} to {path} in {time.perf_counter() - started:.0f} s", flush=True)


def status_paths(app, count: int, seed: int) -> list[str]:
    """Working links of `count` complaints drawn at random from every active tenant."""
    from portal.complaints.models import Complaint, Customer
    from portal.db import database, now
    from portal.scope import SYSTEM, scoped
    from portal.status import links
    from portal.status import rules as link_rules
    from portal.tenancy.models import Tenant, TenantStatus
    fresh = now() - datetime.timedelta(days=link_rules.SETTINGS_DEFAULTS["expiry_days"] - 10)
    with app.test_request_context(), database.connection_context(), scoped(SYSTEM):
        ids = [cid for (cid,) in Complaint.select(Complaint.id)
               .join(Tenant, on=(Complaint.tenant == Tenant.id))
               .join_from(Complaint, Customer, on=(Complaint.customer == Customer.id))
               .where((Complaint.closed_at.is_null() | (Complaint.closed_at > fresh))
                      & (Tenant.status == TenantStatus.ACTIVE) & Customer.erased_at.is_null())
               .tuples()]
        chosen = random.Random(seed).sample(ids, min(count, len(ids)))
        return [f"/s/{links.token_for(c)}" for c in Complaint.select().where(Complaint.id.in_(chosen))]


def views(client, paths: list[str], n: int, log: QueryLog | None = None) -> tuple[list, list, list]:
    """`n` views round-robin: CPU ms, wall ms and statements of each."""
    cpu, wall, statements = [], [], []
    for i in range(n):
        path = paths[i % len(paths)]
        if log is None:
            response = client.get(path)
        else:
            with log.recording() as events:
                started, used = time.perf_counter(), time.process_time()
                response = client.get(path)
                cpu.append((time.process_time() - used) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
            statements.append(sum(1 for e in events if e.sql.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT")))
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
    return cpu, wall, statements


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=TARGET_DEFAULT, help="the SQLite copy (default %(default)s)")
    parser.add_argument("--source", default=str(default_source()), help="the generated database (default %(default)s)")
    parser.add_argument("--links", type=int, default=500, help="complaints whose links are viewed")
    parser.add_argument("-n", "--views", type=int, default=2000, help="timed views")
    parser.add_argument("--warmup", type=int, default=200, help="untimed views first")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="then profile -n views with cProfile")
    opts = parser.parse_args(argv)
    prepare(opts.database_url, opts.source)
    from portal.cli import upgrade
    from portal.db import database
    app = common.make_app(opts.database_url)
    with app.app_context():
        upgrade()
    paths = status_paths(app, opts.links, opts.seed)
    client = app.test_client()
    views(client, paths, opts.warmup)
    log = QueryLog(database.obj)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    cpu, wall, statements = views(client, paths, opts.views, log)
    mean = statistics.fmean(cpu)
    print(f"{opts.database_url}: {opts.views} views of {len(paths)} links; load average {load}")
    print(f"CPU per view: p50 {percentile(cpu, 50):.2f} ms, p95 {percentile(cpu, 95):.2f} ms, mean {mean:.2f} ms "
          f"-> {1000 / mean:.0f} req/s on one core; wall p50 {percentile(wall, 50):.2f} ms; "
          f"statements p50 {percentile(statements, 50)}, max {max(statements)}", flush=True)
    if opts.profile:
        profile = cProfile.Profile()
        profile.runcall(views, client, paths, opts.views)
        for order in ("tottime", "cumulative"):
            pstats.Stats(profile).sort_stats(order).print_stats(25)


if __name__ == "__main__":
    main()
