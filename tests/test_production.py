"""KESU_ENV=production: refuses each unsafe setting with a message saying what to fix, starts on a
safe one (secure cookies, https URLs), and serves under gunicorn with the repository's config."""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from portal import config as config_module, create_app
from portal.config import ConfigError, network_mount
from tests.conftest import PRODUCTION, base_config

ROOT = Path(__file__).resolve().parent.parent


def production_config(tmp_path, url=None, **changes) -> dict:
    cfg = base_config(url or f"sqlite:///{tmp_path / 'kesu.db'}", tmp_path, **PRODUCTION)
    del cfg["SESSION_COOKIE_SECURE"]  # as configured for production, not as the tests relax it
    cfg.update(changes)
    return cfg


def refusal(cfg) -> str:
    with pytest.raises(ConfigError) as refused:
        create_app(cfg)
    return str(refused.value)


@pytest.mark.parametrize("changes, says", [
    ({"SECRET_KEY": None}, "KESU_SECRET_KEY is not set"),
    ({"SECRET_KEY": "test-secret"}, "KESU_SECRET_KEY is a published example value"),
    ({"SECRET_KEY": "short-but-not-a-known-one"}, "KESU_SECRET_KEY is 25 characters long: use 32 or more"),
    ({"STATUS_LINK_SECRET": None}, "KESU_LINK_SECRET is not set"),
    ({"STATUS_LINK_SECRET": "change-me"}, "KESU_LINK_SECRET is a published example value"),
    ({"STATUS_LINK_SECRET": PRODUCTION["SECRET_KEY"]}, "KESU_LINK_SECRET equals KESU_SECRET_KEY"),
    ({"DEBUG": True}, "debug mode is on (FLASK_DEBUG or --debug)"),
    ({"PUBLIC_BASE_URL": None}, "KESU_PUBLIC_URL is not set"),
    ({"DATABASE_URL": "sqlite://////fileserver/share/kesu.db"}, "//fileserver/share/kesu.db is a network (UNC) path"),
    ({"DATABASE_URL": "sqlite:///\\\\fileserver\\share\\kesu.db"}, "is a network (UNC) path"),
    ({"DATABASE_URL": "sqlite://fileserver/kesu.db"}, "names a host"),
])
def test_production_refuses_each_unsafe_setting_saying_what_to_fix(tmp_path, changes, says):
    message = refusal(production_config(tmp_path, **changes))
    assert message.startswith("Kesu refuses to start with KESU_ENV=production")
    assert says in message
    assert message.count("\n  - ") == 1, message  # that one problem, nothing else


def test_production_names_every_problem_at_once(tmp_path):
    message = refusal(production_config(tmp_path, SECRET_KEY=None, STATUS_LINK_SECRET=None, DEBUG=True))
    assert message.count("\n  - ") == 3
    assert "secrets.token_hex(32)" in message  # how to make a key, not only that one is missing


def test_production_refuses_sqlite_on_a_network_mount(tmp_path, monkeypatch):
    share = tmp_path / "mnt" / "office share"
    share.mkdir(parents=True)
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\n"
                      f"//nas/kesu {str(share).replace(' ', chr(92) + '040')} cifs rw,vers=3.0 0 0\n")
    monkeypatch.setattr(config_module, "MOUNTS", str(mounts))
    message = refusal(production_config(tmp_path, DATABASE_URL=f"sqlite:///{share / 'kesu.db'}"))
    assert f"{share / 'kesu.db'} is on a cifs network mount ({share})" in message
    assert "put it on a local disk" in message and "postgresql://" in message
    # Options after the path (a busy timeout) do not hide the share.
    message = refusal(production_config(tmp_path, DATABASE_URL=f"sqlite:///{share / 'kesu.db'}?timeout=30"))
    assert f"{share / 'kesu.db'} is on a cifs network mount ({share})" in message
    # Next to it, on the local disk, is fine.
    create_app(production_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'kesu.db'}"))


def test_debug_from_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")  # what `flask --debug` sets before it loads the app
    cfg = production_config(tmp_path)
    del cfg["KESU_ENV"]
    monkeypatch.setenv("KESU_ENV", "production")
    assert "debug mode is on" in refusal(cfg)


def test_an_unknown_environment_name_is_refused(tmp_path):
    message = refusal(base_config(f"sqlite:///{tmp_path / 'kesu.db'}", tmp_path, KESU_ENV="prod"))
    assert "KESU_ENV='prod' is not one of development, test, production" in message


def test_network_mounts_are_read_as_proc_mounts_writes_them():
    mounts = ("server:/export /srv nfs4 rw 0 0\n"
              "/dev/sdb1 /srv/local ext4 rw 0 0\n"
              "me@host:/x /home/me/remote\\040dir fuse.sshfs rw 0 0\n")
    assert network_mount("/srv/kesu.db", mounts) == ("/srv", "nfs4")
    assert network_mount("/srv/local/kesu.db", mounts) is None  # a local disk mounted inside the share
    assert network_mount("/home/me/remote dir/kesu.db", mounts) == ("/home/me/remote dir", "fuse.sshfs")
    assert network_mount("/srvx/kesu.db", mounts) is None


def test_a_safe_production_configuration_starts_with_secure_cookies(db_url, tmp_path):
    app = create_app(production_config(tmp_path, db_url))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    page = client.get("/login")  # a page rendered from the database's templates and translations
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with app.test_request_context():
        from flask import url_for
        assert url_for("accounts.login", _external=True).startswith("https://")
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_passwords_are_hashed_at_full_strength_outside_the_tests(tmp_path):
    """The tests hash with a cheap scrypt (tests/conftest.py HASH) to stay fast; an instance
    configured for production hashes with werkzeug's default scrypt (N = 2**15)."""
    from portal.accounts.actions import hash_password
    cfg = production_config(tmp_path)
    del cfg["PASSWORD_HASH_METHOD"]  # as portal/config.py sets it, not as the tests relax it
    app = create_app(cfg)
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    assert hash_password("kesu-demo", app.config["PASSWORD_HASH_METHOD"]).startswith("scrypt:32768:8:1$")


def test_development_keeps_working_without_any_setting(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'kesu.db'}", tmp_path, KESU_ENV="development",
                                 SECRET_KEY="dev", STATUS_LINK_SECRET=None, DEBUG=True))
    assert app.config["PREFERRED_URL_SCHEME"] == "http"


# --- gunicorn, with gunicorn.conf.py and wsgi.py as deployed ----------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(env_changes: dict, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KESU_", "FLASK_"))}
    env.update(env_changes)
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, log


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def production_env(db_url: str, port: int) -> dict:
    return {"KESU_ENV": "production", "KESU_SECRET_KEY": PRODUCTION["SECRET_KEY"],
            "KESU_LINK_SECRET": PRODUCTION["STATUS_LINK_SECRET"], "KESU_PUBLIC_URL": PRODUCTION["PUBLIC_BASE_URL"],
            "KESU_DATABASE_URL": db_url, "KESU_BIND": f"127.0.0.1:{port}", "KESU_WORKERS": "2"}


def test_gunicorn_serves_wsgi_app_with_the_repository_config(db_url, tmp_path):
    port = free_port()
    process, log = gunicorn(production_env(db_url, port), tmp_path)
    try:
        body = None
        deadline = time.monotonic() + 15
        while body is None and time.monotonic() < deadline and process.poll() is None:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            except OSError:
                time.sleep(0.2)
        assert body is not None, log.seek(0) or log.read()
        assert b'"db":"ok"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
            assert page.status == 200 and "Secure" in page.headers["Set-Cookie"]
    finally:
        stop(process)
        log.seek(0)
        output = log.read()
        log.close()
    assert "Booting worker" in output and output.count("Booting worker") == 2, output
    # The access log line carries the request time (ms and µs).
    assert re.search(r'"GET /login HTTP/1\.1" 200 \d+ .* \d+ms \d+us', output), output


def test_gunicorn_will_not_boot_an_unsafe_production_configuration(tmp_path):
    env = production_env(f"sqlite:///{tmp_path / 'kesu.db'}", free_port())
    del env["KESU_SECRET_KEY"]
    process, log = gunicorn(env, tmp_path)
    try:
        process.wait(30)  # gunicorn stops when its workers cannot boot, rather than retrying forever
    finally:
        if process.poll() is None:
            stop(process)
        log.seek(0)
        output = log.read()
        log.close()
    assert process.returncode != 0
    assert "KESU_SECRET_KEY is not set" in output, output


def test_health_check_reports_redis_when_it_is_configured(db_url, tmp_path):
    from tests.test_worker import REDIS_URL, redis_or_skip
    redis_or_skip()
    app = create_app(base_config(db_url, tmp_path, REDIS_URL=REDIS_URL))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "db": "ok", "redis": "ok"}

    down = create_app(base_config(db_url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/15"))
    response = down.test_client().get("/healthz")  # nobody listens there: logins could not be counted
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "ok", "redis": "unreachable"}


def test_the_nginx_example_matches_the_app(tmp_path):
    """deploy/nginx.conf lets through what the app accepts and caches static files as the app would."""
    from portal.static_files import LONG, SHORT_SECONDS
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    app = create_app(base_config(f"sqlite:///{tmp_path / 'kesu.db'}", tmp_path))
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert megabytes * 1024 * 1024 == app.config["MAX_CONTENT_LENGTH"]
    assert re.search(rf'default\s+"{LONG}";', conf)  # hashed URLs, as static_files answers them
    assert re.search(rf'""\s+"public, max-age={SHORT_SECONDS}";', conf)
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):  # what ProxyFix reads
        assert f"proxy_set_header {header} " in conf
    timeout = int(re.search(r"proxy_read_timeout (\d+)s;", conf).group(1))
    assert timeout > int(re.search(r'KESU_TIMEOUT"\) or (\d+)', (ROOT / "gunicorn.conf.py").read_text()).group(1))


def test_a_gunicorn_worker_takes_its_loaded_app_out_of_the_garbage_collectors_way():
    import gc
    import runpy
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() > 1000  # a full collection no longer walks the app's objects
    finally:
        gc.unfreeze()
