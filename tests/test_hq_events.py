"""Changes at headquarters and to accounts with no workspace are logged too: HQ's own events belong to
its network (its audit log shows them, no tenant's does), the system's to no one but the SYSTEM scope."""
import re

import pytest

from portal.accounts.actions import lock
from portal.accounts.models import User
from portal.events import Event, EventKind, record
from portal.scope import SYSTEM, ScopeError, for_network, for_tenant, scoped
from portal.tenancy.models import Network, Tenant
from tests.conftest import translated_html

HQ, OTHER_HQ = "hq@svw.demo", "hq@prop.demo"


def create_user(runner, email, *options):
    result = runner.invoke(args=["create-user", "--email", email, "--name", "夜班总部", "--password",
                                 "long-enough-secret", *options])
    assert result.exit_code == 0, result.output


def events_of(app, email) -> list[Event]:
    with app.app_context(), scoped(SYSTEM):
        user = User.get(User.email == email)
        return list(Event.select().where((Event.subject_type == "user") & (Event.subject_id == user.id))
                    .order_by(Event.id))


def shown(client, url, event) -> bool:
    html = client.get(url, query_string={"kind": event.kind}).get_data(as_text=True)
    return f'data-event="{event.id}"' in html


def in_no_tenant(app, event) -> bool:
    """No tenant of any network reads the event, through the scoping layer or its audit log."""
    with app.app_context(), scoped(SYSTEM):
        tenants = list(Tenant.select())
    for tenant in tenants:
        with app.app_context(), scoped(for_tenant(tenant)):
            if Event.select().where(Event.id == event.id).exists():
                return False
    return True


def test_an_hq_member_added_and_locked_out_is_in_its_hqs_log_only(app, client, login, runner):
    create_user(runner, "night@svw.demo", "--hq", "svw")
    with app.app_context():
        lock(User.get(User.email == "night@svw.demo"), 10)
    created, locked = events_of(app, "night@svw.demo")
    assert (created.kind, locked.kind) == ("user.created", "user.locked")
    assert created.tenant_id is None and created.network_id == locked.network_id
    assert created.actor_label == "command line" and created.loaded("after")["hq_level"] == "admin"
    hq = login(HQ)
    for event in (created, locked):
        assert shown(hq, "/hq/audit/", event)
        assert not shown(login(OTHER_HQ, c=app.test_client()), "/hq/audit/", event)
        assert not shown(login("admin@dealer-sh01.demo", c=app.test_client()), "/t/dealer-sh01/audit/", event)
        assert in_no_tenant(app, event)
    page = hq.get("/hq/audit/", query_string={"kind": "user.locked"}).get_data(as_text=True)
    row = re.search(rf'<tr data-event="{locked.id}">.*?</tr>', page, re.S).group(0)
    assert translated_html(app, "Headquarters") in row  # where a tenant's name would be


def test_a_locked_account_that_works_at_hq_and_in_a_tenant_is_in_both_logs(app, runner):
    create_user(runner, "both@svw.demo", "--hq", "svw", "--tenant", "dealer-sh01", "--role", "front_desk")
    with app.app_context():
        lock(User.get(User.email == "both@svw.demo"), 10)
        sh01 = Tenant.get(Tenant.slug == "dealer-sh01")
    places = {(e.tenant_id, e.network_id) for e in events_of(app, "both@svw.demo") if e.kind == "user.locked"}
    assert places == {(sh01.id, None), (None, sh01.network_id)}


def test_an_account_with_no_workspace_is_in_the_systems_log_and_no_one_elses(app, runner):
    create_user(runner, "nobody@example.com")
    with app.app_context():
        assert lock(User.get(User.email == "nobody@example.com"), 10)
    created, locked = events_of(app, "nobody@example.com")
    assert {(e.kind, e.tenant_id, e.network_id) for e in (created, locked)} == {
        ("user.created", None, None), ("user.locked", None, None)}
    with app.app_context():
        for network in Network.select():
            with scoped(for_network(network)):
                assert not Event.select().where(Event.id.in_([created.id, locked.id])).exists()
    assert in_no_tenant(app, created) and in_no_tenant(app, locked)


def test_network_defaults_are_in_hqs_log_and_each_tenants(app, login):
    from portal.sla import settings
    hq = login(HQ)
    form = {name: value for name, value in settings.DEFAULTS["deadlines"].items() if name != "pause_allowed"}
    assert hq.post("/hq/settings/deadlines", data={**form, "reply_days": 7, "version": 0}).status_code == 303
    with app.app_context(), scoped(SYSTEM):
        svw = Network.get(Network.slug == "svw")
        changes = list(Event.select().where(Event.kind == "settings.changed").order_by(Event.id))
        svw_tenants = {t.id for t in Tenant.select().where(Tenant.network == svw.id)}
    [own] = [e for e in changes if e.tenant_id is None]
    assert own.network_id == svw.id and own.loaded("after")["reply_days"] == 7
    assert {e.tenant_id for e in changes if e.tenant_id} == svw_tenants
    assert shown(hq, "/hq/audit/", own)
    assert not shown(login(OTHER_HQ, c=app.test_client()), "/hq/audit/", own)
    assert in_no_tenant(app, own)


# --- the scoping layer keeps its promises --------------------------------------------------------

def test_events_are_not_read_without_a_scope(app):
    with app.app_context(), pytest.raises(ScopeError):
        list(Event.select())


@pytest.mark.parametrize("where", ["tenant", "other network", "none"])
def test_an_hq_event_is_written_only_in_its_networks_scope_or_the_systems(app, where):
    with app.app_context():
        svw, prop = Network.get(Network.slug == "svw"), Network.get(Network.slug == "prop")
        place = {"tenant": for_tenant(Tenant.get(Tenant.slug == "dealer-sh01")), "other network": for_network(prop),
                 "none": None}[where]
        with pytest.raises(ScopeError):
            if place is None:
                record(EventKind.SETTINGS_CHANGED, "settings", None, network=svw)
            else:
                with scoped(place):
                    record(EventKind.SETTINGS_CHANGED, "settings", None, network=svw)
        with scoped(SYSTEM):
            assert not Event.select().where(Event.network == svw.id).exists()


def test_a_system_event_is_refused_in_a_networks_scope_and_an_event_has_one_owner(app):
    with app.app_context():
        svw = Network.get(Network.slug == "svw")
        sh01 = Tenant.get(Tenant.slug == "dealer-sh01")
        with scoped(for_network(svw)), pytest.raises(ScopeError):
            record(EventKind.USER_CREATED, "user", 1)
        with scoped(SYSTEM), pytest.raises(ScopeError):
            record(EventKind.USER_CREATED, "user", 1, tenant=sh01, network=svw)
        with scoped(for_network(svw)), pytest.raises(ScopeError):
            Event.insert(kind="x", subject_type="user", network=svw.id, tenant=sh01.id, actor_label="",
                         public=False).execute()
        with scoped(for_tenant(sh01)):  # a tenant's code still gets its tenant filled in
            assert record(EventKind.USER_CREATED, "user", 1).tenant_id == sh01.id


def test_hq_events_are_immutable_too(app):
    with app.app_context(), scoped(SYSTEM):
        svw = Network.get(Network.slug == "svw")
    with app.app_context(), scoped(for_network(svw)):
        event = record(EventKind.SETTINGS_CHANGED, "settings", None, network=svw, after={"a": 1})
        with pytest.raises(PermissionError):
            Event.update(kind="x").where(Event.id == event.id).execute()
        with pytest.raises(PermissionError):
            Event.delete().where(Event.id == event.id).execute()
        event.kind = "x"
        with pytest.raises(PermissionError):
            event.save()
        assert Event.get_by_id(event.id).kind == "settings.changed"


def test_the_hq_log_lists_its_own_events_among_its_tenants_newest_first(app, login, in_tenant):
    with app.app_context(), scoped(SYSTEM):
        svw = Network.get(Network.slug == "svw")
    with in_tenant("dealer-sh01") as t:
        older = record(EventKind.CATEGORY_SAVED, "category", 1, tenant=t, after={"name": "店里"})
    with app.app_context(), scoped(for_network(svw)):
        newer = record(EventKind.CATEGORY_SAVED, "category", 2, network=svw, after={"name": "总部"})
    html = login(HQ).get("/hq/audit/", query_string={"kind": "category.saved"}).get_data(as_text=True)
    ids = [int(x) for x in re.findall(r'data-event="(\d+)"', html)]
    assert ids.index(newer.id) < ids.index(older.id)
