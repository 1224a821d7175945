"""Fixtures in the flaskr manner: app, client, runner, login, in_tenant, mailbox (real SMTP), browser.

Every test gets its own database: a copy of a migrated, demo-seeded SQLite file, and (when
KESU_TEST_DATABASE_URL is set) the same tests run again on PostgreSQL, in a database created
for this run, migrated and seeded once, and put back to the seeded state before each test.

When KESU_TEST_DATABASE_URL is set, PostgreSQL is not optional: an unreachable server fails
the PostgreSQL tests, and a PostgreSQL test that skips where its SQLite twin ran fails the run. With
KESU_REQUIRE_POSTGRES=1 / KESU_REQUIRE_BROWSER=1 (set by .ci/run) a run in which no
PostgreSQL test / no browser test passed fails, so CI cannot be green by running nothing.
"""
import atexit
import contextlib
import functools
import os
import re
import secrets
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from portal import create_app, scope
from portal.db import database

HASH = "scrypt:1024:8:1"  # a cheap KDF for tests; production uses the default scrypt
PG_URL = os.environ.get("KESU_TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("KESU_REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("KESU_REQUIRE_BROWSER") == "1"
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
TRANSLATIONS = Path(__file__).resolve().parent.parent / "portal" / "translations"
SEED_SCHEMA = "kesu_seed"  # where the PostgreSQL run keeps its seeded rows to copy back
pytest_plugins = ["tests.smtp", "tests.browser"]


def base_config(url: str, tmp_path, **extra) -> dict:
    """Test configuration: nothing is taken from the developer's KESU_* environment."""
    cfg = {"TESTING": True, "KESU_ENV": "test", "DATABASE_URL": url, "PASSWORD_HASH_METHOD": HASH,
           "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False, "REDIS_URL": None,
           "HUEY_PATH": str(Path(tmp_path) / "huey.db"), "UPLOAD_DIR": str(Path(tmp_path) / "uploads"),
           "MAIL_SERVER": None}
    cfg.update(extra)
    return cfg


# What KESU_ENV=production needs on top (portal/config.py refuses to start without it).
PRODUCTION = {"KESU_ENV": "production", "SECRET_KEY": "s" * 16 + secrets.token_hex(16),
              "STATUS_LINK_SECRET": "l" * 16 + secrets.token_hex(16), "PUBLIC_BASE_URL": "https://kesu.example.test"}


# --- the run as a whole ----------------------------------------------------------------------

def pytest_configure(config):
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError("KESU_REQUIRE_POSTGRES=1 but KESU_TEST_DATABASE_URL is not set")
    _compile_translations()
    _compile_url_rules_once()
    TALLY.update(postgres=0, browser=0, all=0, skipped={})


TALLY = {}  # what passed and skipped in this run, counted from the tests' reports


def _compile_translations() -> None:
    """Compile the message catalogs when the .mo files are missing or older (as `make translations`)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        tmp = mo.with_suffix(f".{uuid.uuid4().hex}.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=True)
        tmp.replace(mo)


def _compile_url_rules_once() -> None:
    """Every test builds an app, and werkzeug parses each URL rule and compiles Python code to
    build its URLs again for every app: ~0.4 s an app with ~140 rules, most of a short test.
    What it computes depends only on the rule and the map's converters, so the tests compute
    it once per rule and give each later copy the same parts, converters and builders."""
    from werkzeug.routing.rules import Rule

    original = Rule.compile
    cache = {}

    def compile(self):
        try:
            key = (self.rule, self.host, self.subdomain, self.merge_slashes, self.map.host_matching,
                   repr(sorted((self.defaults or {}).items())), tuple(sorted(self.map.converters.items())))
            hash(key)
        except Exception:  # noqa: BLE001 - anything unusual is compiled as werkzeug does
            return original(self)
        if key not in cache:
            original(self)
            try:
                cache[key] = (self._parts, self._trace, self._converters, frozenset(self.arguments),
                              self._build.__func__, self._build_unknown.__func__)
            except AttributeError:  # another werkzeug: keep compiling every rule
                cache[key] = None
            return None
        if cache[key] is None:
            return original(self)
        parts, trace, converters, arguments, build, build_unknown = cache[key]
        self._parts, self._trace, self._converters = list(parts), list(trace), dict(converters)
        self.arguments = set(self.arguments) | arguments
        self._build, self._build_unknown = build.__get__(self, None), build_unknown.__get__(self, None)
        return None

    Rule.compile = compile


def pytest_generate_tests(metafunc):
    """Run every database test on each backend; browser and `sqlite_only` tests on SQLite only."""
    if "db_url" in metafunc.fixturenames:
        marks = ("browser", "sqlite_only")
        only_sqlite = any(metafunc.definition.get_closest_marker(m) is not None for m in marks)
        metafunc.parametrize("db_url", ["sqlite"] if only_sqlite else BACKENDS, indirect=True)


def _backend(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("db_url") if callspec else None


def _sqlite_twin(nodeid: str) -> str:
    return nodeid.replace("[postgres", "[sqlite", 1) if "[postgres" in nodeid else nodeid.replace(
        "-postgres", "-sqlite", 1)


def pytest_collection_modifyitems(config, items):
    """Label each test with its backend and whether it drives a browser: the reports carry the
    labels to the process that counts them (the controller, when pytest-xdist runs the tests)."""
    for item in items:
        item.user_properties += [("kesu_backend", _backend(item)),
                                 ("kesu_browser", item.get_closest_marker("browser") is not None)]


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (as `make test` runs): tests go to the xdist workers one by one, except that
    the tests of a module with a module-scoped fixture (one seeded world per module and backend, as in
    test_access_policy.py) stay together per backend, so that fixture is built once, not in each worker.
    (xdist's own loadgroup relies on renaming tests, which pytest 9 no longer allows.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    root = config.rootpath

    @functools.cache
    def shares_a_module_fixture(path: str) -> bool:
        file = root / path
        return file.suffix == ".py" and file.exists() and 'scope="module"' in file.read_text(encoding="utf-8")

    class ModuleFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if not shares_a_module_fixture(path):
                return nodeid
            backend = re.search(r"[\[-](sqlite|postgres)[\]-]", nodeid)
            return f"{path}::{backend.group(1) if backend else ''}"

    return ModuleFixtureScheduling(config, log)


def _label(report, name):
    return dict(report.user_properties).get(name)


def pytest_runtest_logreport(report):
    """Count what passed and what skipped (in the controller when tests run in xdist workers)."""
    tally = TALLY
    backend = _label(report, "kesu_backend")
    if report.skipped and not hasattr(report, "wasxfail"):
        tally["skipped"][report.nodeid] = backend
    if report.when == "call" and report.passed:
        tally["all"] += 1
        tally["postgres"] += backend == "postgres"
        tally["browser"] += bool(_label(report, "kesu_browser"))


def _missing_in_ci(config) -> list[str]:
    tally = TALLY
    if not tally or hasattr(config, "workerinput"):  # an xdist worker: its controller counts
        return []
    missing = []
    skipped = tally["skipped"]
    # A PostgreSQL test may skip only where its SQLite twin skipped too (a missing optional
    # package, say); anything else would let a run look green without PostgreSQL.
    missing += [f"{nodeid} skipped on PostgreSQL only" for nodeid, backend in sorted(skipped.items())
                if backend == "postgres" and _sqlite_twin(nodeid) not in skipped]
    if tally["all"] == 0:
        missing.append("no test passed")
    if REQUIRE_PG and tally["postgres"] == 0:
        missing.append("no PostgreSQL test passed (KESU_REQUIRE_POSTGRES=1)")
    if REQUIRE_BROWSER and tally["browser"] == 0:
        missing.append("no browser test passed (KESU_REQUIRE_BROWSER=1)")
    return missing


def pytest_sessionfinish(session, exitstatus):
    if _missing_in_ci(session.config) and exitstatus in (0, 5) and (PG_URL or REQUIRE_BROWSER):
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if PG_URL or REQUIRE_BROWSER:
        for problem in _missing_in_ci(config):
            terminalreporter.write_line(f"CI check failed: {problem}", red=True, bold=True)


# --- databases -------------------------------------------------------------------------------

def _prepare(url: str, tmp_path) -> None:
    """Migrate and seed an empty database."""
    from portal import demo
    from portal.cli import upgrade
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade()
        with database.connection_context():
            demo.seed(HASH)
    _close_pool()


def _close_pool(db=None) -> None:
    """Close every connection of a database, the current one by default (a pool keeps idle ones)."""
    db = db or database.obj
    if db is None:
        return
    if hasattr(db, "close_all"):
        db.close_all()
    elif not db.is_closed():
        db.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "kesu.db"
    _prepare(f"sqlite:///{path}", path.parent)
    return path


def pg_connect(url: str):
    """A plain autocommit psycopg2 connection (for creating databases and resetting data)."""
    import psycopg2
    p = urlparse(url)
    conn = psycopg2.connect(dbname=p.path.lstrip("/"), user=p.username, password=p.password,
                            host=p.hostname, port=p.port or 5432, connect_timeout=5)
    conn.autocommit = True
    return conn


def pg_url_for(name: str) -> str:
    return urlparse(PG_URL)._replace(path="/" + name).geturl()


@contextlib.contextmanager
def pg_scratch_database():
    """A new, empty PostgreSQL database for one test; dropped afterwards. Yields its URL."""
    admin = _pg_admin()
    name = _create_database(admin)
    try:
        yield pg_url_for(name)
    finally:
        _close_pool()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _create_database(admin) -> str:
    """A new database for this run. Its commits do not wait for the WAL to reach the disk
    (synchronous_commit = off: ~10 ms a commit saved; a crash of the server could lose the last
    commits of a test database, nothing else changes): set on this database only, never the server."""
    name = f"kesu_test_{uuid.uuid4().hex[:10]}"
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    admin.cursor().execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name


def _pg_admin():
    try:
        return pg_connect(PG_URL)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server is the same failure
        pytest.fail(f"KESU_TEST_DATABASE_URL={PG_URL} is set, but PostgreSQL cannot be reached: {exc}",
                    pytrace=False)


class PgSeed:
    """Puts a PostgreSQL test database back to its seeded state in one short transaction.

    The seeded rows are copied once into schema `kesu_seed`; before each test every table is
    emptied and refilled from there and its id sequence restarted (about 5 ms, against
    ~110 ms for TRUNCATE + seeding again and ~125 ms for a new database from a template).
    """

    def __init__(self, url: str):
        from portal.models import ALL_MODELS
        self.conn = pg_connect(url)
        self.conn.autocommit = False
        tables = [m._meta.table_name for m in ALL_MODELS]
        with self.conn, self.conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            present = {row[0] for row in cur.fetchall()} - {"schema_migration"}
            # Tables without a model (if any) go first when deleting, last when refilling.
            order = [t for t in tables if t in present] + sorted(present - set(tables))
            cur.execute(f'CREATE SCHEMA "{SEED_SCHEMA}"')
            for t in order:
                cur.execute(f'CREATE TABLE "{SEED_SCHEMA}"."{t}" AS TABLE public."{t}"')
            cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'")
            serials = cur.fetchall()
        refill = [f'INSERT INTO public."{t}" SELECT * FROM "{SEED_SCHEMA}"."{t}"' for t in order]
        refill += [f"SELECT setval(pg_get_serial_sequence('public.\"{t}\"', '{c}'), "
                   f'COALESCE((SELECT MAX("{c}") FROM public."{t}"), 0) + 1, false)'
                   for t, c in serials]
        head = ["SET LOCAL lock_timeout = '10s'"]  # a connection left in a transaction fails, not hangs
        self.script = ";\n".join(head + [f'DELETE FROM public."{t}"' for t in reversed(order)] + refill)
        # Slower, for tables whose foreign keys DELETE cannot untangle in one order.
        tables_sql = ", ".join(f'public."{t}"' for t in order)
        self.fallback = ";\n".join(head + [f"TRUNCATE {tables_sql} CASCADE"] + refill)

    def reset(self) -> None:
        import psycopg2
        try:
            with self.conn, self.conn.cursor() as cur:  # one transaction: commit, or roll back
                cur.execute(self.script)
        except psycopg2.IntegrityError:
            with self.conn, self.conn.cursor() as cur:
                cur.execute(self.fallback)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(scope="session")
def pg_database(tmp_path_factory):
    """The PostgreSQL database of this run: migrated and seeded once, dropped at the end."""
    admin = _pg_admin()
    name = _create_database(admin)
    url = pg_url_for(name)
    seed = None
    try:
        _prepare(url, tmp_path_factory.mktemp("pg"))
        seed = PgSeed(url)
        yield url, seed
    finally:
        if seed is not None:
            seed.close()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def db_url(request, tmp_path):
    """The URL of this test's own database, seeded with the demo data."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        path = tmp_path / "kesu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url, seed = request.getfixturevalue("pg_database")
    seed.reset()
    return url


class TemplateCodeCache(BytecodeCache):
    """Jinja's compiled templates, kept in memory for the whole run (checked against the source)."""

    def __init__(self):
        self.store = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = TemplateCodeCache()


@pytest.fixture
def app(db_url, tmp_path, smtp_server):
    app = create_app(base_config(db_url, tmp_path, MAIL_SERVER=smtp_server.host,
                                 MAIL_PORT=smtp_server.port))
    app.test_client_class = KesuClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE  # templates compile once per run, not per test
    own = database.obj
    database.connect(reuse_if_open=True)
    yield app
    scope.set_scope(None)
    _close_pool()  # the database in use now: a test may have built another app meanwhile
    if database.obj is not own:
        _close_pool(own)


# --- clients ---------------------------------------------------------------------------------

class KesuClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form post, as a browser would."""

    def csrf_token(self) -> str:
        """The token the forms of this client's session carry (signed as flask-wtf signs it)."""
        from itsdangerous import URLSafeTimedSerializer

        app = self.application
        cookie = self.get_cookie(app.config["SESSION_COOKIE_NAME"])
        data = app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}
        raw = data.get("csrf_token")
        if raw is None:  # a session that has shown no form yet: start one, as a first page would
            raw = secrets.token_hex(20)
            with self.session_transaction() as session:
                session["csrf_token"] = raw
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf=True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Sign a test client in as a demo user: login("cs@dealer-sh01.demo"), or login(email, c=other)."""
    def _login(email, password="kesu-demo", c=None):
        c = c or client
        response = c.post("/login", data={"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return c
    return _login


@pytest.fixture
def in_tenant(app):
    """Run a block inside one demo tenant's scope: `with in_tenant("dealer-sh01") as t:`.

    The block also runs in an application context (actions may render mail templates), so
    make HTTP requests outside it: a request inside would share the block's `g`.
    """
    from flask import has_app_context

    from portal.tenancy.models import Tenant

    @contextlib.contextmanager
    def _in(slug):
        with contextlib.ExitStack() as stack:
            if not has_app_context():
                stack.enter_context(app.app_context())
            tenant = Tenant.get(Tenant.slug == slug)
            stack.enter_context(scope.scoped(scope.for_tenant(tenant)))
            yield tenant
    return _in


# --- the URL map, for tests that cover every route -------------------------------------------

@functools.cache
def url_map_app():
    """An app built only to read its URL map at collection time (no database is opened)."""
    workdir = tempfile.mkdtemp(prefix="kesu-urlmap-")
    atexit.register(shutil.rmtree, workdir, True)
    return create_app(base_config("sqlite:///:memory:", workdir))


def rules_under(prefix: str) -> list:
    """Every URL rule whose path starts with `prefix` ("/t/<tenant>", "/hq"), `static` excluded."""
    rules = [r for r in url_map_app().url_map.iter_rules()
             if r.endpoint != "static" and (r.rule == prefix or r.rule.startswith(prefix + "/"))]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


# Plausible values for URL arguments by name; anything else: 1 for numbers, "1" for text.
PLAUSIBLE = {"token": "x" * 32, "network": "svw", "lang": "en", "move": "transfer", "doc": "register"}


def build_url(app, rule, **given) -> str:
    """The URL of exactly this rule, its arguments filled: `given` first, then plausible values."""
    from flask import url_for
    from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

    values = dict(rule.defaults or {})  # `/categories/new` is `category_id=None`
    for arg in rule.arguments:
        converter = rule._converters.get(arg)
        if arg in given:
            values[arg] = given[arg]
        elif arg in values:
            continue
        elif isinstance(converter, IntegerConverter):
            values[arg] = 1
        elif isinstance(converter, UUIDConverter):
            values[arg] = uuid.UUID(int=1)
        elif isinstance(converter, AnyConverter):
            values[arg] = re.search(r"\(\?:([^|)]+)", converter.regex).group(1).replace("\\", "")
        else:
            values[arg] = PLAUSIBLE.get(arg, "1")
    with app.test_request_context():
        url = url_for(rule.endpoint, **values)
    matched, _ = app.url_map.bind("localhost").match(url.partition("?")[0], method=_method(rule),
                                                     return_rule=True)
    assert matched.rule == rule.rule, f"{url} is not {rule.rule}"
    return url


def _method(rule) -> str:
    return next(m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in rule.methods)


def translated(app, msgid: str, lang: str = "zh_Hans", **variables) -> str:
    """`msgid` as the catalog renders it in `lang` (the msgid itself until it is translated)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(lang):
        return gettext(msgid, **variables)


def translated_html(app, msgid: str, lang: str = "zh_Hans", **variables) -> str:
    """`translated`, escaped as a template shows it, to look for in a response body."""
    from markupsafe import escape

    return str(escape(translated(app, msgid, lang, **variables)))
