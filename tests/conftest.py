"""Fixtures in the flaskr manner: app, client, runner, login, mailbox (real SMTP), browser.

Every test gets its own database: a copy of a migrated, demo-seeded SQLite file, and (when
KESU_TEST_DATABASE_URL is set) the same tests run again on a PostgreSQL database created for
this run and dropped after it.
"""
import os
import re
import shutil
import uuid
from urllib.parse import urlparse

import pytest
from flask.testing import FlaskClient

from portal import create_app, scope
from portal.db import database

HASH = "scrypt:1024:8:1"  # a cheap KDF for tests; production uses the default scrypt
PG_URL = os.environ.get("KESU_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
pytest_plugins = ["tests.smtp", "tests.browser"]


def base_config(url: str, tmp_path, **extra) -> dict:
    cfg = {"TESTING": True, "DATABASE_URL": url, "PASSWORD_HASH_METHOD": HASH,
           "SECRET_KEY": "test-secret", "HUEY_PATH": str(tmp_path / "huey.db"),
           "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_SERVER": None}
    cfg.update(extra)
    return cfg


def _prepare(url: str, tmp_path) -> None:
    """Migrate and seed an empty database."""
    from portal import demo
    from portal.cli import upgrade
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade()
        with database.connection_context():
            demo.seed(HASH)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "kesu.db"
    _prepare(f"sqlite:///{path}", path.parent)
    return path


def _pg_admin(url: str):
    import psycopg2
    p = urlparse(url)
    conn = psycopg2.connect(dbname=p.path.lstrip("/"), user=p.username, password=p.password,
                            host=p.hostname, port=p.port or 5432)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory):
    """A PostgreSQL database for this run, migrated; dropped at the end of the session."""
    if not PG_URL:
        pytest.skip("KESU_TEST_DATABASE_URL is not set")
    name = f"kesu_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin(PG_URL)
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    p = urlparse(PG_URL)
    url = p._replace(path="/" + name).geturl()
    try:
        from portal.cli import upgrade
        app = create_app(base_config(url, tmp_path_factory.mktemp("pg")))
        with app.app_context():
            upgrade()
        database.close_all() if hasattr(database.obj, "close_all") else database.close()
        yield url
    finally:
        database.obj.close_all() if hasattr(database.obj, "close_all") else None
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_pg(url: str, tmp_path) -> None:
    from portal import demo
    from portal.models import ALL_MODELS
    tables = ", ".join(f'"{m._meta.table_name}"' for m in ALL_MODELS)
    with database.connection_context():
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        demo.seed(HASH)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "kesu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_template")


@pytest.fixture
def app(db_url, tmp_path, smtp_server):
    app = create_app(base_config(db_url, tmp_path, MAIL_SERVER=smtp_server.host,
                                 MAIL_PORT=smtp_server.port))
    if db_url.startswith("postgres"):
        _reset_pg(db_url, tmp_path)
    database.connect(reuse_if_open=True)
    yield app
    scope.set_scope(None)
    if not database.is_closed():
        database.close()


class KesuClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form post, as a browser would."""

    def csrf_token(self) -> str:
        html = self.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def post(self, *args, csrf=True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict) and "csrf_token" not in data:
                token = self.csrf_token()
                data["csrf_token"] = token
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = KesuClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Sign the test client in as a demo user: login("cs@dealer-sh01.demo")."""
    def _login(email, password="kesu-demo", c=None):
        c = c or client
        response = c.post("/login", data={"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return c
    return _login


@pytest.fixture
def in_tenant(app):
    """Run a block inside one demo tenant's scope: `with in_tenant("dealer-sh01") as t:`."""
    from contextlib import contextmanager

    from portal.tenancy.models import Tenant

    @contextmanager
    def _in(slug):
        tenant = Tenant.get(Tenant.slug == slug)
        with scope.scoped(scope.for_tenant(tenant)):
            yield tenant
    return _in
