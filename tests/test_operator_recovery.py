"""An operator recovers locked accounts no tenant admin can reach (HQ only, no workspace) from the command
line: `unlock-user` and `reset-password`, logged wherever the account belongs, as its lock was. HQ's audit
log can show headquarters' own events alone."""
import re

from portal.accounts.models import User
from portal.audit.queries import AuditFilter
from portal.events import Event, EventKind, record
from portal.scope import SYSTEM, for_network, scoped
from portal.tenancy.models import Network, Tenant
from tests.conftest import translated_html
from tests.test_account_security import lock_out, sign_in
from tests.test_hq_events import HQ, OTHER_HQ, create_user, events_of, in_no_tenant, shown

NIGHT, NOBODY, OLD, NEW = "night@svw.demo", "nobody@example.com", "long-enough-secret", "Autumn-leaf-77"


def locked(email) -> bool:
    return User.get(User.email == email).locked


def test_the_command_line_unlocks_an_hq_only_account_which_can_then_sign_in(app, runner, login):
    create_user(runner, NIGHT, "--hq", "svw")
    lock_out(app, NIGHT)
    assert locked(NIGHT) and sign_in(app.test_client(), NIGHT, OLD).status_code == 429
    result = runner.invoke(args=["unlock-user", "--email", " Night@SVW.demo "])
    assert result.exit_code == 0 and "unlocked night@svw.demo" in result.output
    assert not locked(NIGHT)
    # Its failed sign-ins are forgiven too: no wait before the right password works.
    assert sign_in(app.test_client(), NIGHT, OLD).status_code == 303
    [unlocked] = [e for e in events_of(app, NIGHT) if e.kind == "user.unlocked"]
    with app.app_context(), scoped(SYSTEM):
        svw = Network.get(Network.slug == "svw")
    assert (unlocked.tenant_id, unlocked.network_id, unlocked.actor_id) == (None, svw.id, None)
    assert unlocked.actor_label == "command line" and unlocked.loaded("after") == {"locked": False}
    assert shown(login(HQ), "/hq/audit/", unlocked)
    assert not shown(login(OTHER_HQ, c=app.test_client()), "/hq/audit/", unlocked)
    assert in_no_tenant(app, unlocked)


def test_a_new_password_from_the_command_line_unlocks_an_account_with_no_workspace(app, runner):
    create_user(runner, NOBODY)
    lock_out(app, NOBODY)
    result = runner.invoke(args=["reset-password", "--email", NOBODY], input=f"{NEW}\n{NEW}\n")
    assert result.exit_code == 0, result.output
    assert not locked(NOBODY)
    assert sign_in(app.test_client(), NOBODY, OLD).status_code == 422
    assert sign_in(app.test_client(), NOBODY, NEW).status_code == 303
    [reset] = [e for e in events_of(app, NOBODY) if e.kind == "user.password_reset"]
    assert (reset.tenant_id, reset.network_id, reset.actor_label) == (None, None, "command line")
    assert reset.loaded("before") == {"locked": True}
    with app.app_context():
        for network in Network.select():
            with scoped(for_network(network)):
                assert not Event.select().where(Event.id == reset.id).exists()
    assert in_no_tenant(app, reset)


def test_a_new_password_ends_the_sessions_of_the_account(app, runner, login):
    create_user(runner, NIGHT, "--hq", "svw")
    signed_in = login(NIGHT, OLD)
    assert signed_in.get("/hq/").status_code == 200
    assert runner.invoke(args=["reset-password", "--email", NIGHT], input=f"{NEW}\n{NEW}\n").exit_code == 0
    assert signed_in.get("/hq/").status_code == 302
    assert [e.kind for e in events_of(app, NIGHT)] == ["user.created", "user.password_reset"]


def test_recovery_is_logged_in_every_place_the_lock_was(app, runner):
    create_user(runner, "both@svw.demo", "--hq", "svw", "--tenant", "dealer-sh01", "--role", "front_desk")
    lock_out(app, "both@svw.demo")
    assert runner.invoke(args=["unlock-user", "--email", "both@svw.demo"]).exit_code == 0
    lock_out(app, "both@svw.demo", address="192.0.2.11")
    assert runner.invoke(args=["reset-password", "--email", "both@svw.demo"], input=f"{NEW}\n{NEW}\n").exit_code == 0
    places = {}
    for e in events_of(app, "both@svw.demo"):
        places.setdefault(e.kind, []).append((e.tenant_id, e.network_id))
    with app.app_context(), scoped(SYSTEM):
        sh01 = Tenant.get(Tenant.slug == "dealer-sh01")
    both = [(sh01.id, None), (None, sh01.network_id)]
    assert {kind: sorted(p, key=str) for kind, p in places.items() if kind != "user.created"} == {
        "user.locked": sorted(both * 2, key=str), "user.unlocked": sorted(both, key=str),
        "user.password_reset": sorted(both, key=str)}


def test_a_weak_or_mistyped_password_is_refused_and_changes_nothing(app, runner):
    create_user(runner, NIGHT, "--hq", "svw")
    lock_out(app, NIGHT)
    weak = runner.invoke(args=["reset-password", "--email", NIGHT], input="password\npassword\n")
    assert weak.exit_code == 2 and "The password needs at least 10 characters." in weak.output
    mistyped = runner.invoke(args=["reset-password", "--email", NIGHT], input=f"{NEW}\n{NEW}x\n")
    assert mistyped.exit_code != 0 and "do not match" in mistyped.output
    assert locked(NIGHT)
    assert [e.kind for e in events_of(app, NIGHT)] == ["user.created", "user.locked"]


def test_an_unknown_email_is_refused_plainly(runner):
    for args in (["unlock-user", "--email", "ghost@example.com"],
                 ["reset-password", "--email", "ghost@example.com", "--password", NEW]):
        result = runner.invoke(args=args)
        assert result.exit_code == 2 and "no account has the e-mail ghost@example.com" in result.output


def test_unlocking_an_account_that_is_not_locked_logs_nothing_but_forgives_its_failures(app, runner):
    create_user(runner, NIGHT, "--hq", "svw")
    for _ in range(5):  # enough to make it wait
        sign_in(app.test_client(), NIGHT, "not-the-password")
    assert sign_in(app.test_client(), NIGHT, OLD).status_code == 429
    result = runner.invoke(args=["unlock-user", "--email", NIGHT])
    assert result.exit_code == 0 and "was not locked" in result.output
    assert sign_in(app.test_client(), NIGHT, OLD).status_code == 303
    assert [e.kind for e in events_of(app, NIGHT)] == ["user.created"]


# --- HQ's audit log: headquarters only ---------------------------------------------------------------

def test_hqs_audit_log_can_show_headquarters_own_events_only(app, login, in_tenant):
    with app.app_context(), scoped(SYSTEM):
        svw, prop = Network.get(Network.slug == "svw"), Network.get(Network.slug == "prop")
    with in_tenant("dealer-sh01") as t:
        shop = record(EventKind.CATEGORY_SAVED, "category", 1, tenant=t, after={"name": "店里"})
    with app.app_context(), scoped(for_network(svw)):
        own = record(EventKind.CATEGORY_SAVED, "category", 2, network=svw, after={"name": "总部"})
    with app.app_context(), scoped(for_network(prop)):
        other = record(EventKind.CATEGORY_SAVED, "category", 3, network=prop, after={"name": "别家总部"})
    hq = login(HQ)
    page = hq.get("/hq/audit/", query_string={"kind": "category.saved", "tenant": "hq"}).get_data(as_text=True)
    assert {int(x) for x in re.findall(r'data-event="(\d+)"', page)} == {own.id}
    assert re.search(r'<option value="hq" selected>\s*' + re.escape(translated_html(app, "Headquarters only")), page)
    everything = hq.get("/hq/audit/", query_string={"kind": "category.saved"}).get_data(as_text=True)
    assert {int(x) for x in re.findall(r'data-event="(\d+)"', everything)} == {own.id, shop.id}
    assert other.id not in {int(x) for x in re.findall(r'data-event="(\d+)"', everything)}


def test_a_tenants_log_asked_for_headquarters_only_shows_nothing(app, login):
    with app.app_context(), scoped(SYSTEM):
        svw = Network.get(Network.slug == "svw")
    with app.app_context(), scoped(for_network(svw)):
        record(EventKind.CATEGORY_SAVED, "category", 2, network=svw, after={"name": "总部"})
    page = login("admin@dealer-sh01.demo").get("/t/dealer-sh01/audit/", query_string={"tenant": "hq"})
    assert page.status_code == 200 and "data-event=" not in page.get_data(as_text=True)


def test_headquarters_only_survives_to_the_next_page():
    f = AuditFilter.from_args({"tenant": "hq", "kind": "user.locked"})
    assert f.own and f.tenant == 0
    assert f.args(after="x") == {"tenant": "hq", "kind": "user.locked", "after": "x"}
