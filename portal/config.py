"""Configuration read from KESU_* environment variables, with safe defaults.

With KESU_ENV=production, `check(config)` (run by create_app) refuses to start on a setting that
is only fit for a developer's machine, and says which variable to fix.
"""
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlparse

ENVIRONMENTS = ("development", "test", "production")
# Filesystems on which SQLite's locking is unreliable (SQLite's own FAQ): a database there corrupts.
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs",
                       "ceph", "glusterfs", "fuse.glusterfs", "lustre", "davfs", "fuse.s3fs", "fuse.rclone"}
MOUNTS = "/proc/mounts"
MIN_SECRET_LENGTH = 32
# Values seen in examples, tests and the bench: a key anyone can read signs nothing.
KNOWN_SECRETS = {"dev", "development", "secret", "changeme", "change-me", "please-change-me",
                 "test-secret", "kesu-bench-not-secret", "worker-test"}


def _secret_key(instance: Path) -> str:
    """Use KESU_SECRET_KEY, else a key generated once and kept in instance/."""
    if os.environ.get("KESU_SECRET_KEY"):
        return os.environ["KESU_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


def load(instance_path: str, env: str | None = None) -> dict:
    """Build the Flask config mapping from the environment (`env` overrides KESU_ENV)."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = env or os.environ.get("KESU_ENV", "development")
    production = env == "production"
    return {
        "KESU_ENV": env,
        # In production every app server must sign with the same key: one generated per host would not do.
        "SECRET_KEY": (os.environ.get("KESU_SECRET_KEY") or None) if production else _secret_key(instance),
        "DATABASE_URL": os.environ.get("KESU_DATABASE_URL", f"sqlite:///{instance / 'kesu.db'}"),
        "REDIS_URL": os.environ.get("KESU_REDIS_URL") or None,
        "REDIS_PREFIX": os.environ.get("KESU_REDIS_PREFIX", "kesu:"),  # rate-limit and lock keys
        "HUEY_PATH": str(instance / "huey.db"),
        "UPLOAD_DIR": os.environ.get("KESU_UPLOAD_DIR", str(instance / "uploads")),
        "MAIL_SERVER": os.environ.get("KESU_MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("KESU_MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("KESU_MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("KESU_MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("KESU_MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("KESU_MAIL_USE_SSL"),
        "MAIL_DEFAULT_SENDER": os.environ.get("KESU_MAIL_SENDER", "Kesu <no-reply@kesu.local>"),
        "MAIL_TIMEOUT": 10,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        # A pasted 10 MB text must reach the form to be refused with a message, not a bare 413.
        "MAX_FORM_MEMORY_SIZE": 12 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_SECONDS": 900,
        "PUBLIC_BASE_URL": os.environ.get("KESU_PUBLIC_URL") or (None if production else "http://127.0.0.1:5000"),
        # Customer status links are signed with their own secret, so rotating the session secret
        # does not invalidate every printed QR code.
        "STATUS_LINK_SECRET": os.environ.get("KESU_LINK_SECRET") or None,
        # Behind N reverse proxies, trust N X-Forwarded-For/-Proto hops (rate limits use the client IP).
        "PROXY_COUNT": int(os.environ.get("KESU_PROXY_COUNT", "0")),
    }


class ConfigError(RuntimeError):
    """A configuration Kesu refuses to start with; the message lists what to fix."""


def check(config) -> None:
    """Refuse to start on an unknown KESU_ENV, and in production on an unsafe setting."""
    env = config.get("KESU_ENV")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"KESU_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}: "
                          "set KESU_ENV=production on a server, or leave it unset on a developer's machine")
    if env != "production":
        return
    problems = production_problems(config)
    if problems:
        raise ConfigError("Kesu refuses to start with KESU_ENV=production:\n"
                          + "\n".join(f"  - {p}" for p in problems))


def production_problems(config) -> list[str]:
    """What is unsafe in a production configuration, each as what to fix."""
    problems = [p for p in (_secret_problem("KESU_SECRET_KEY", config.get("SECRET_KEY")),
                            _secret_problem("KESU_LINK_SECRET", config.get("STATUS_LINK_SECRET"))) if p]
    if config.get("SECRET_KEY") and config.get("SECRET_KEY") == config.get("STATUS_LINK_SECRET"):
        problems.append("KESU_LINK_SECRET equals KESU_SECRET_KEY: give status links their own secret, "
                        "so rotating the session key does not void every printed link")
    if config.get("DEBUG"):
        problems.append("debug mode is on (FLASK_DEBUG or --debug): the debugger runs code for anyone "
                        "who can reach it; unset FLASK_DEBUG and drop --debug")
    if not config.get("PUBLIC_BASE_URL"):
        problems.append("KESU_PUBLIC_URL is not set: set it to the address customers and staff use "
                        "(e.g. https://kesu.example.com), which links in mail and on receipts point to")
    network = sqlite_on_network(config.get("DATABASE_URL") or "")
    if network:
        problems.append(f"the SQLite database {network}: SQLite's locking does not hold there and the "
                        "file corrupts; put it on a local disk (KESU_DATABASE_URL=sqlite:////var/lib/kesu/kesu.db) "
                        "or use PostgreSQL (KESU_DATABASE_URL=postgresql://user@host:5432/kesu)")
    return problems


def _secret_problem(variable: str, value: str | None) -> str | None:
    generate = "e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`"
    if not value:
        return f"{variable} is not set: set it to a random value of {MIN_SECRET_LENGTH}+ characters, {generate}"
    if value.strip().lower() in KNOWN_SECRETS:
        return f"{variable} is a published example value: set it to a random value, {generate}"
    if len(value) < MIN_SECRET_LENGTH:
        return f"{variable} is {len(value)} characters long: use {MIN_SECRET_LENGTH} or more random characters, {generate}"
    return None


def sqlite_on_network(url: str, mounts: str | None = None) -> str | None:
    """Why a sqlite:/// URL names a file on a network share (UNC path, host, or network mount), else None."""
    if urlparse(url).scheme != "sqlite":
        return None
    if not url.startswith("sqlite:///"):
        return f"URL {url!r} names a host"
    path = url[len("sqlite:///"):].split("?", 1)[0]  # "?timeout=…" is an option, not part of the file name
    if not path or path == ":memory:":
        return None
    if path.startswith(("//", "\\\\")):
        return f"path {path} is a network (UNC) path"
    resolved = os.path.realpath(path)
    mount = network_mount(resolved, _read(mounts or MOUNTS))
    if mount:
        point, fstype = mount
        return f"{resolved} is on a {fstype} network mount ({point})"
    return None


def network_mount(path: str, mounts_text: str) -> tuple[str, str] | None:
    """The (mount point, type) holding `path` when that is a network filesystem, per /proc/mounts."""
    best = None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1])  # "\040" is a space
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, fields[2])
    return best if best and best[1] in NETWORK_FILESYSTEMS else None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:  # no /proc (not Linux): nothing known about mounts
        return ""
