"""Configuration read from KESU_* environment variables, with safe defaults."""
import os
import secrets
from pathlib import Path


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


def load(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ.get("KESU_ENV", "development")
    production = env == "production"
    return {
        "KESU_ENV": env,
        "SECRET_KEY": _secret_key(instance),
        "DATABASE_URL": os.environ.get("KESU_DATABASE_URL", f"sqlite:///{instance / 'kesu.db'}"),
        "REDIS_URL": os.environ.get("KESU_REDIS_URL") or None,
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
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_SECONDS": 900,
        "PUBLIC_BASE_URL": os.environ.get("KESU_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Customer status links are signed with their own secret, so rotating the session secret
        # does not invalidate every printed QR code.
        "STATUS_LINK_SECRET": os.environ.get("KESU_LINK_SECRET") or None,
        # Behind N reverse proxies, trust N X-Forwarded-For/-Proto hops (rate limits use the client IP).
        "PROXY_COUNT": int(os.environ.get("KESU_PROXY_COUNT", "0")),
    }
