"""What the bench scripts share: where their files go, the app they build, PostgreSQL housekeeping."""
import os
from pathlib import Path
from urllib.parse import urlparse

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_N = 200_000
TENANT = "dealer-sh01"
SECRET = "kesu-bench-not-secret"


def default_sqlite_url(n: int = DEFAULT_N) -> str:
    return f"sqlite:///{OUT / f'kesu-{n}.db'}"


def database_url(given: str | None, n: int = DEFAULT_N) -> str:
    """The URL to use: the argument, else KESU_DATABASE_URL, else a SQLite file under bench/out/."""
    return given or os.environ.get("KESU_DATABASE_URL") or default_sqlite_url(n)


def sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def make_app(url: str):
    """The portal as it runs in production (TESTING off), on `url`, with its files under bench/out/."""
    os.environ.setdefault("KESU_SECRET_KEY", SECRET)  # config.load() would otherwise write instance/
    from portal import create_app
    OUT.mkdir(parents=True, exist_ok=True)
    return create_app({"DATABASE_URL": url, "TESTING": False, "SECRET_KEY": SECRET,
                       "SESSION_COOKIE_SECURE": False, "REDIS_URL": None, "MAIL_SERVER": None,
                       "HUEY_PATH": str(OUT / "huey.db"), "UPLOAD_DIR": str(OUT / "uploads")})


# --- PostgreSQL: the bench database is created and dropped through the server's `postgres` db --

def _pg_admin(url: str):
    import psycopg2
    p = urlparse(url)
    conn = psycopg2.connect(dbname="postgres", user=p.username, password=p.password,
                            host=p.hostname, port=p.port or 5432, connect_timeout=5)
    conn.autocommit = True
    return conn


def pg_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def pg_exists(url: str) -> bool:
    with _pg_admin(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (pg_name(url),))
        return cur.fetchone() is not None


def pg_has_tables(url: str) -> bool:
    import psycopg2
    p = urlparse(url)
    conn = psycopg2.connect(dbname=pg_name(url), user=p.username, password=p.password,
                            host=p.hostname, port=p.port or 5432, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('public.complaint') IS NOT NULL")
            return cur.fetchone()[0]
    finally:
        conn.close()


def pg_vacuum_analyze(url: str) -> None:
    """VACUUM (ANALYZE) the whole database, as autovacuum would soon after a bulk load: statistics for the
    planner, and the visibility map that lets index-only scans skip the table."""
    import psycopg2
    p = urlparse(url)
    conn = psycopg2.connect(dbname=pg_name(url), user=p.username, password=p.password,
                            host=p.hostname, port=p.port or 5432, connect_timeout=5)
    conn.autocommit = True  # VACUUM cannot run inside a transaction
    try:
        conn.cursor().execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


def pg_create(url: str) -> None:
    conn = _pg_admin(url)
    try:
        conn.cursor().execute(f'CREATE DATABASE "{pg_name(url)}"')
    finally:
        conn.close()


def pg_drop(url: str) -> None:
    conn = _pg_admin(url)
    try:
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{pg_name(url)}" WITH (FORCE)')
    finally:
        conn.close()


def is_postgres(url: str) -> bool:
    return urlparse(url).scheme in ("postgres", "postgresql")


def is_generated(url: str) -> bool:
    """Whether a generated database is already there (a SQLite file, or a PostgreSQL db with tables)."""
    if is_postgres(url):
        return pg_exists(url) and pg_has_tables(url)
    path = sqlite_path(url)
    return path is not None and path.exists()
