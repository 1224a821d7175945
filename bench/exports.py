"""Time the monthly report's spreadsheet exports on a big month: `python -m bench.exports [--database-url URL]
[--source bench/out/kesu-200000.db] [--month-complaints 100000] [-r 3] [--max-seconds 120]`.

Works on a copy: the generated SQLite database (`python -m bench.generate`, `bench/out/kesu-200000.db`) is
copied to `/tmp/kesu-exports.db` once, and there the newest of dealer-sh01's complaints are moved into the
report's default month (the last complete one) until it holds `--month-complaints` register entries (their
closing moments moved by as much), so the bench/out files stay as they are. Then, in-process through the
Flask test client as the tenant's manager: the XLSX (`monthly.xlsx`) and the complaints CSV
(`monthly.csv?part=complaints`) of that month, the body read chunk by chunk as a server would send it.
Untimed first: the report page, which computes and stores the month. Per export: wall time (p50 and max of
`-r` runs), the process's CPU time (p50: on a shared machine wall time includes waiting for a core),
statements, bytes, then one more run under tracemalloc for the peak of Python memory; the
process's peak RSS is printed at the end.
"""
import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import time
import tracemalloc
from datetime import datetime

from . import common
from .http_bench import QueryLog, RequestTimeout, signed_in_client, time_limit
from .reports import report_month

TARGET_DEFAULT = "sqlite:////tmp/kesu-exports.db"
SOURCE_DEFAULT = common.OUT / f"kesu-{common.DEFAULT_N}.db"


def prepare(target: str, source, m: int) -> None:
    """Copy the generated database (once) and fill the report month with `m` of dealer-sh01's complaints."""
    path = common.sqlite_path(target)
    if path is None:
        raise SystemExit("bench.exports prepares a SQLite copy; give a sqlite:/// URL")
    if not path.exists():
        if not os.path.exists(source):
            raise SystemExit(f"{source} is missing: run `python -m bench.generate` first")
        started = time.perf_counter()
        shutil.copyfile(source, path)
        print(f"copied {source} to {path} in {time.perf_counter() - started:.0f} s", flush=True)
    b = report_month().bounds("Asia/Shanghai")
    start, end = str(b.start), str(b.end)  # as the app stores moments in SQLite (sqlite3's adapter)
    db = sqlite3.connect(path)
    try:
        tenant = db.execute("SELECT id FROM tenant WHERE slug = ?", (common.TENANT,)).fetchone()[0]
        have = db.execute("SELECT count(*) FROM complaint WHERE tenant_id = ? AND received_at >= ? AND received_at < ?"
                          " AND status != 'merged'", (tenant, start, end)).fetchone()[0]
        if have >= m:
            return
        moved = db.execute("SELECT id, received_at, closed_at FROM complaint WHERE tenant_id = ? AND status != 'merged'"
                           " AND NOT (received_at >= ? AND received_at < ?) ORDER BY received_at DESC LIMIT ?",
                           (tenant, start, end, m - have)).fetchall()
        step = (b.end - b.start) / len(moved)
        rows = []
        for i, (cid, received, closed) in enumerate(moved):
            new = b.start + step * i
            delta = new - datetime.fromisoformat(received)
            rows.append((str(new), closed and str(datetime.fromisoformat(closed) + delta), cid))
        db.executemany("UPDATE complaint SET received_at = ?, closed_at = ? WHERE id = ?", rows)
        db.execute("DELETE FROM monthly_figures WHERE tenant_id = ?", (tenant,))  # moved behind the store's back
        db.commit()
        print(f"moved {len(rows)} complaints into {report_month().label}: {have + len(rows)} there now", flush=True)
    finally:
        db.close()


def fetch(client, url: str) -> int:
    """One export, its body read chunk by chunk (as a server sends it): the number of bytes."""
    response = client.get(url, buffered=False)
    try:
        assert response.status_code == 200, (url, response.status_code)
        return sum(len(chunk) for chunk in response.iter_encoded())
    finally:
        response.close()


def measure(name: str, client, url: str, log: QueryLog, runs: int, max_seconds: float) -> dict:
    times, cpu, size, statements = [], [], 0, 0
    for _ in range(runs):
        try:
            with log.recording() as events, time_limit(max_seconds):
                started, used = time.perf_counter(), time.process_time()
                size = fetch(client, url)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
        except RequestTimeout:
            print(f"{name}: stopped after {max_seconds:.0f} s", flush=True)
            times.append(max_seconds)
            cpu.append(max_seconds)
            break
        statements = len([e for e in events if str(e.sql).split(None, 1)[0].upper() not in ("BEGIN", "COMMIT")])
    tracemalloc.start()
    try:
        fetch(client, url)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    row = {"export": name, "n": len(times), "p50_s": statistics.median(times), "max_s": max(times),
           "cpu_s": statistics.median(cpu),
           "queries": statements, "mb": size / 2**20, "peak_mb": peak / 2**20}
    print(f"{name:28} {row['n']:3d} {row['p50_s']:8.2f} {row['max_s']:8.2f} {row['cpu_s']:8.2f} {statements:8d} {row['mb']:8.1f} "
          f"{row['peak_mb']:9.1f}", flush=True)
    return row


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=TARGET_DEFAULT, help="the SQLite copy (default %(default)s)")
    parser.add_argument("--source", default=str(SOURCE_DEFAULT), help="the generated database (default %(default)s)")
    parser.add_argument("--month-complaints", type=int, default=100_000, help="register entries in the month")
    parser.add_argument("-r", "--requests", type=int, default=3, help="timed runs per export")
    parser.add_argument("--max-seconds", type=float, default=120, help="time limit per run")
    opts = parser.parse_args(argv)
    prepare(opts.database_url, opts.source, opts.month_complaints)
    from portal.cli import upgrade
    from portal.db import database
    app = common.make_app(opts.database_url)
    with app.app_context():
        upgrade()
    log = QueryLog(database.obj)
    month = report_month().label
    client = signed_in_client(app, f"manager@{common.TENANT}.demo")
    base = f"/t/{common.TENANT}/reports/monthly"
    started = time.perf_counter()
    assert client.get(f"{base}?month={month}").status_code == 200
    print(f"{opts.database_url}: month {month}, report page first view {time.perf_counter() - started:.1f} s; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    print(f"{'export':28} {'n':>3} {'p50 s':>8} {'max s':>8} {'cpu s':>8} {'queries':>8} {'MB':>8} {'peak MB':>9}", flush=True)
    rows = [measure("XLSX", client, f"{base}.xlsx?month={month}", log, opts.requests, opts.max_seconds),
            measure("CSV (complaints)", client, f"{base}.csv?month={month}&part=complaints", log, opts.requests,
                    opts.max_seconds)]
    print(f"peak RSS of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    return rows


if __name__ == "__main__":
    main()
