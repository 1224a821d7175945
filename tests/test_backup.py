"""`flask --app wsgi backup PATH`: a fresh instance started on the copy shows every complaint."""
import shutil
import sqlite3
import subprocess
from urllib.parse import urlparse

import pytest

from portal import create_app, scope
from portal.backup import BackupError, backup
from portal.complaints.models import Complaint
from portal.db import database
from tests import factories
from tests.conftest import KesuClient, base_config, pg_scratch_database


def register(app) -> list[tuple[str, str, str]]:
    """(tenant, number, description) of every complaint, read through the scope as HQ would."""
    with app.app_context(), database.connection_context(), scope.scoped(scope.SYSTEM):
        return sorted((c.tenant.slug, c.number, c.description) for c in Complaint.select())


def restored_url(db_url: str, copy, stack) -> str:
    """A database URL for the copy: the SQLite file itself, or a new PostgreSQL database restored from it."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{copy}"
    url = stack.enter_context(pg_scratch_database())
    p = urlparse(url)
    done = subprocess.run(["pg_restore", "--no-owner", "-h", p.hostname, "-p", str(p.port or 5432),
                           "-U", p.username, "-d", p.path.lstrip("/"), str(copy)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return url


def test_backup_gives_a_database_a_fresh_instance_starts_on(app, runner, in_tenant, tmp_path, login):
    with in_tenant("dealer-sh01"):
        for text in ("首保收费，客户认为应免费", "空调异响，三次返修未解决", "Paint chipped at delivery"):
            factories.complaint(description=text)
    with in_tenant("prop-bj01"):
        factories.complaint("prop-bj01", description="电梯故障，业主被困二十分钟")
    before = register(app)
    database.close()

    copy = tmp_path / "backups" / "kesu-copy.db"
    copy.parent.mkdir()
    result = runner.invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output and copy.exists()

    import contextlib
    with contextlib.ExitStack() as stack:
        fresh = create_app(base_config(restored_url(app.config["DATABASE_URL"], copy, stack), tmp_path / "fresh"))
        fresh.test_client_class = KesuClient
        assert register(fresh) == before and len(before) == 4
        client = fresh.test_client()
        login("cs@dealer-sh01.demo", c=client)
        page = client.get("/t/dealer-sh01/complaints/").get_data(as_text=True)
        for _, number, _ in [c for c in before if c[0] == "dealer-sh01"]:
            assert number in page
        database.close()


def test_backup_refuses_to_overwrite_unless_told(sqlite_template, tmp_path):
    shutil.copy(sqlite_template, tmp_path / "kesu.db")
    runner = create_app(base_config(f"sqlite:///{tmp_path / 'kesu.db'}", tmp_path)).test_cli_runner()
    target = tmp_path / "taken.db"
    target.write_text("an older backup")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "exists: choose a new path or pass --overwrite" in result.output
    assert target.read_text() == "an older backup"
    assert runner.invoke(args=["backup", "--overwrite", str(target)]).exit_code == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal needed
        assert copy.execute("SELECT COUNT(*) FROM tenant").fetchone()[0] == 4


def test_backup_says_what_is_wrong(tmp_path):
    with pytest.raises(BackupError, match="no SQLite database"):
        backup(f"sqlite:///{tmp_path / 'missing.db'}", str(tmp_path / "copy.db"))
    with pytest.raises(BackupError, match="is not a directory"):
        backup(f"sqlite:///{tmp_path / 'missing.db'}", str(tmp_path / "no" / "dir" / "copy.db"))
