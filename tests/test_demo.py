"""`seed-demo` fills an empty database with tenants, users and complaints at every step, once."""
import contextlib

from portal import create_app, demo_complaints, scope
from portal.complaints.models import Complaint, Note
from portal.complaints.rules import PASSED_ON, Status
from portal.db import database
from portal.events import Event
from portal.tenancy.models import Tenant
from tests import factories
from tests.conftest import HASH, base_config, pg_scratch_database


@contextlib.contextmanager
def empty_database(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with pg_scratch_database() as url:
            yield url


def complaints_by_tenant() -> dict[str, list[Complaint]]:
    found = {}
    for slug in demo_complaints.TENANTS:
        with scope.scoped(scope.for_tenant(Tenant.get(Tenant.slug == slug))):
            found[slug] = list(Complaint.select().order_by(Complaint.id))
    return found


def assert_a_full_demo(found: dict[str, list[Complaint]]) -> None:
    for slug, rows in found.items():
        statuses = {c.status for c in rows}
        assert 15 <= len(rows) <= 25, slug
        steps = set(Status) - PASSED_ON  # returned or redirected work orders come from HQ, which seeds none
        assert steps <= statuses, f"{slug} lacks {steps - statuses}"
        assert {c.kind for c in rows} == {"complaint", "inquiry", "repair"}, slug
        assert any(c.is_repeat for c in rows), f"{slug}: no repeat complaint"
        assert any(c.reopen_count and c.is_open for c in rows), f"{slug}: none reopened after a revisit"
        assert any(c.merged_into_id for c in rows), f"{slug}: no merged duplicate"


def test_seed_demo_fills_every_demo_tenant_with_complaints_at_every_step_and_only_once(app, db_url, tmp_path):
    with empty_database(db_url, tmp_path) as url:
        fresh = create_app(base_config(url, tmp_path, KESU_ENV="development", PASSWORD_HASH_METHOD=HASH))
        runner = fresh.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        first = runner.invoke(args=["seed-demo"])
        assert first.exit_code == 0, first.output
        assert "seeded demo complaints" in first.output
        with fresh.app_context(), database.connection_context():
            found = complaints_by_tenant()
            assert_a_full_demo(found)
            with scope.scoped(scope.for_tenant(Tenant.get(Tenant.slug == "prop-bj01"))):
                assert Complaint.get(Complaint.complainants == 6).category.name == "墙体开裂"
                notes = list(Note.select())
                assert {n.public for n in notes} == {True, False}  # some told to the customer, some internal
            with scope.scoped(scope.SYSTEM):
                actors = {e.actor.email for e in Event.select().where(Event.actor.is_null(False))}
            assert {"cs@prop-bj01.demo", "manager@prop-bj01.demo", "advisor@dealer-sh01.demo"} <= actors

        second = runner.invoke(args=["seed-demo"])
        assert second.exit_code == 0, second.output
        assert "already present" in second.output and "seeded" not in second.output
        with fresh.app_context(), database.connection_context():
            assert {s: [c.id for c in rows] for s, rows in complaints_by_tenant().items()} == \
                {s: [c.id for c in rows] for s, rows in found.items()}


def test_demo_complaints_go_only_to_tenants_that_have_none(app, in_tenant):
    # The test database holds the demo tenants without complaints, like a demo seeded before they existed.
    with in_tenant("dealer-sh01"):
        factories.complaint()
    with app.app_context():
        assert demo_complaints.seed(["dealer-sh01", "prop-bj02"]) == {"prop-bj02": len(demo_complaints.PROPERTY)}
        assert demo_complaints.seed(["dealer-sh01", "prop-bj02"]) == {}
    with in_tenant("dealer-sh01"):
        assert Complaint.select().count() == 1
    with in_tenant("prop-bj01"):
        assert Complaint.select().count() == 0
