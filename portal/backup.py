"""`flask --app wsgi backup PATH`: a consistent copy of the database while the portal runs.

SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot while
app servers and workers go on reading and writing (WAL mode); the copy is written beside PATH
and renamed into place only after `PRAGMA quick_check` passed, so PATH is never half a database.
Start an instance on it with KESU_DATABASE_URL=sqlite:////path/to/copy.

PostgreSQL: runs `pg_dump --format=custom` (one consistent snapshot too); restore with
`pg_restore --no-owner -d postgresql://.../new_db PATH`. Without pg_dump on the PATH the command
says so and fails: install the PostgreSQL client of the server's major version.
"""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


def backup(database_url: str, target: str, overwrite: bool = False) -> str:
    """Copy the database at `database_url` to the file `target`; returns a one-line summary."""
    path = Path(target)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists: choose a new path or pass --overwrite")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    scheme = urlparse(database_url).scheme
    if scheme == "sqlite":
        return sqlite_backup(database_url[len("sqlite:///"):], path)
    if scheme in ("postgres", "postgresql"):
        return pg_dump(database_url, path)
    raise BackupError(f"cannot back up a {scheme!r} database")


def sqlite_backup(source: str, path: Path) -> str:
    if not source or source == ":memory:" or not Path(source).exists():
        raise BackupError(f"no SQLite database at {source!r}")
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(partial)
    try:
        # One step, one read transaction: in WAL mode writers go on meanwhile, and the copy is the
        # snapshot at its start (copying in steps would start over after every write elsewhere).
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        complaints = dst.execute("SELECT COUNT(*) FROM complaint").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check ({check}); {source} may need attention")
    os.replace(partial, path)
    return f"backed up {complaints} complaints to {path} ({path.stat().st_size / 1e6:.1f} MB, SQLite)"


def pg_dump(url: str, path: Path) -> str:
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupError("pg_dump is not installed: install the PostgreSQL client of the server's major "
                          "version (e.g. apt-get install postgresql-client) or run pg_dump on the database host")
    parsed = urlparse(url)
    env = dict(os.environ, PGHOST=parsed.hostname or "", PGPORT=str(parsed.port or 5432),
               PGUSER=unquote(parsed.username or ""), PGDATABASE=parsed.path.lstrip("/"))
    if parsed.password:
        env["PGPASSWORD"] = unquote(parsed.password)  # in the environment, not on the command line
    command = [executable, "--format=custom", "--no-owner", f"--file={path}"]
    schema = dict(p.partition("=")[::2] for p in parsed.query.split("&") if p).get("schema")
    if schema:
        command.append(f"--schema={schema}")
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - an argument list, no shell; pg_dump and our own URL
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return f"backed up {env['PGDATABASE']} to {path} ({path.stat().st_size / 1e6:.1f} MB, pg_dump custom " \
           f"format: restore with pg_restore --no-owner -d <database URL> {path})"
