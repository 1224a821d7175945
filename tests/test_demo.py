"""`seed-demo` fills an empty database with tenants, users, complaints at every step and HQ work orders in
every state, once."""
import collections
import contextlib
import datetime
import re

from portal import create_app, demo_complaints, demo_stories, demo_work_orders, scope
from portal.complaints.models import Complaint, Note
from portal.complaints.rules import PASSED_ON, Status
from portal.db import database
from portal.events import Event
from portal.hq import queries as hq_queries
from portal.hq.models import WorkOrder
from portal.tenancy.models import Network, Tenant
from tests import factories
from tests.conftest import HASH, KesuClient, base_config, pg_scratch_database, translated_html
from tests.test_hq_passed_on import badge

PASSED_ON_IN = {"dealer-sh01", "prop-bj01"}  # the demo work orders returned and redirected from there


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
        steps = set(Status) if slug in PASSED_ON_IN else set(Status) - PASSED_ON
        assert steps <= statuses, f"{slug} lacks {steps - statuses}"
        assert {c.kind for c in rows} == {"complaint", "inquiry", "repair"}, slug
        assert any(c.is_repeat for c in rows), f"{slug}: no repeat complaint"
        assert any(c.reopen_count and c.is_open for c in rows), f"{slug}: none reopened after a revisit"
        assert any(c.merged_into_id for c in rows), f"{slug}: no merged duplicate"


def work_orders_by_network() -> dict[str, list[tuple]]:
    found = {}
    for slug in demo_stories.WORK_ORDERS:
        with scope.scoped(scope.for_network(Network.get(Network.slug == slug))):
            found[slug] = [(w.id, w.number, w.status, w.tenant.slug, w.complaint_id)
                           for w in WorkOrder.select().order_by(WorkOrder.id)]
    return found


def section(html: str, name: str) -> set[str]:
    """The work-order numbers listed in one section of HQ's inbox."""
    return set(re.findall(r">(WO\d{6})<", re.search(rf'id="inbox-{name}".*?</section>', html, re.S).group(0)))


def assert_work_orders_in_every_state(fresh, signed_in, found, monkeypatch) -> None:
    for net, rows in found.items():
        assert collections.Counter(status for _, _, status, _, _ in rows) == \
            {"dispatched": 2, "accepted": 2, "returned": 1}, net
        hq = signed_in(f"hq@{net}.demo")
        for status in ("dispatched", "accepted", "returned"):
            html = hq.get(f"/hq/work-orders?status={status}").get_data(as_text=True)
            assert set(re.findall(r">(WO\d{6})<", html)) == {n for _, n, s, _, _ in rows if s == status}, status
        inbox = hq.get("/hq/inbox").get_data(as_text=True)
        assert section(inbox, "returned") == {n for _, n, s, _, _ in rows if s == "returned"}
        assert section(inbox, "late") == set()  # nothing is backdated: the urgent one is late in half an hour
        later = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(minutes=31)
        with monkeypatch.context() as m:
            m.setattr(hq_queries, "now", lambda: later)
            late = section(hq.get("/hq/inbox").get_data(as_text=True), "late")
        assert len(late) == 1 and late < {n for _, n, s, _, _ in rows if s == "dispatched"}, net


def assert_passed_on_entries_say_so(fresh, signed_in) -> None:
    """In the tenants that returned a work order and had one redirected, the register says what happened."""
    for slug in sorted(PASSED_ON_IN):
        cs = signed_in(f"cs@{slug}.demo")
        with fresh.app_context(), database.connection_context():
            tenant = Tenant.get(Tenant.slug == slug)
            with scope.scoped(scope.for_tenant(tenant)):
                entries = {c.status: c for c in Complaint.select().where(Complaint.status.in_(sorted(PASSED_ON)))}
            with scope.scoped(scope.for_network(Network.get_by_id(tenant.network_id))):
                old = entries[Status.REDIRECTED].id
                moved = WorkOrder.get(WorkOrder.summary.startswith(entries[Status.REDIRECTED].customer.name)
                                      & (WorkOrder.tenant != tenant.id))
                new, company = moved.complaint.number, moved.tenant.name
        assert set(entries) == set(PASSED_ON), slug
        html = cs.get(f"/t/{slug}/complaints/{entries[Status.RETURNED].id}").get_data(as_text=True)
        assert badge(html) == ("status-returned", translated_html(fresh, "Closed: returned to headquarters"))
        html = cs.get(f"/t/{slug}/complaints/{old}").get_data(as_text=True)
        assert badge(html) == ("status-redirected", translated_html(fresh, "Closed: passed to another company"))
        assert translated_html(fresh, "Passed to %(company)s as complaint %(number)s.", company=company,
                               number=new) in html


def test_seed_demo_fills_every_demo_tenant_with_complaints_at_every_step_and_only_once(app, db_url, tmp_path,
                                                                                        monkeypatch):
    with empty_database(db_url, tmp_path) as url:
        fresh = create_app(base_config(url, tmp_path, KESU_ENV="development", PASSWORD_HASH_METHOD=HASH))
        fresh.test_client_class = KesuClient

        def signed_in(email):
            client = fresh.test_client()
            assert client.post("/login", data={"email": email, "password": "kesu-demo"}).status_code == 303
            return client

        runner = fresh.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        first = runner.invoke(args=["seed-demo"])
        assert first.exit_code == 0, first.output
        assert "seeded demo complaints" in first.output and "seeded demo work orders: svw 5, prop 5" in first.output
        with fresh.app_context(), database.connection_context():
            found, orders = complaints_by_tenant(), work_orders_by_network()
            assert_a_full_demo(found)
            with scope.scoped(scope.for_tenant(Tenant.get(Tenant.slug == "prop-bj01"))):
                assert Complaint.get(Complaint.complainants == 6).category.name == "墙体开裂"
                notes = list(Note.select())
                assert {n.public for n in notes} == {True, False}  # some told to the customer, some internal
            with scope.scoped(scope.SYSTEM):
                actors = {e.actor.email for e in Event.select().where(Event.actor.is_null(False))}
            assert {"cs@prop-bj01.demo", "manager@prop-bj01.demo", "advisor@dealer-sh01.demo", "hq@svw.demo",
                    "hq@prop.demo"} <= actors
        assert_work_orders_in_every_state(fresh, signed_in, orders, monkeypatch)
        assert_passed_on_entries_say_so(fresh, signed_in)

        second = runner.invoke(args=["seed-demo"])
        assert second.exit_code == 0, second.output
        assert "already present" in second.output and "seeded" not in second.output
        with fresh.app_context(), database.connection_context():
            assert {s: [c.id for c in rows] for s, rows in complaints_by_tenant().items()} == \
                {s: [c.id for c in rows] for s, rows in found.items()}
            assert work_orders_by_network() == orders


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


def test_demo_work_orders_are_seeded_once_each(app, monkeypatch):
    # A demo seeded before some of its work orders existed gets the missing ones, and only those.
    everything = demo_stories.WORK_ORDERS
    monkeypatch.setattr(demo_work_orders, "WORK_ORDERS", {net: stories[:2] for net, stories in everything.items()})
    with app.app_context():
        assert demo_work_orders.seed() == {"svw": 2, "prop": 2}
        monkeypatch.setattr(demo_work_orders, "WORK_ORDERS", everything)
        assert demo_work_orders.seed() == {net: len(stories) - 2 for net, stories in everything.items()}
        assert demo_work_orders.seed() == {}
        found = work_orders_by_network()
    assert {net: len(rows) for net, rows in found.items()} == {net: len(s) for net, s in everything.items()}
