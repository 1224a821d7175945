"""The audit log: append-only events with where they came from, and the viewer for tenant admins and HQ."""
import datetime
import re

import pytest

from portal.audit import labels, queries
from portal.events import Event, EventKind, record, redact
from portal.tenancy import admin as tenancy_admin
from portal.tenancy.models import Role
from tests import factories as f
from tests.conftest import translated_html

AUDIT = "/t/dealer-sh01/audit/"
HX = {"HX-Request": "true"}


# --- the log cannot be changed ------------------------------------------------------------------

def test_events_cannot_be_updated_or_deleted_by_the_application(in_tenant):
    with in_tenant("dealer-sh01") as t:
        event = record(EventKind.SETTINGS_CHANGED, "settings", None, None, tenant=t, after={"a": 1})
        with pytest.raises(PermissionError):
            Event.update(kind="x").where(Event.id == event.id).execute()
        with pytest.raises(PermissionError):
            Event.delete().where(Event.id == event.id).execute()
        with pytest.raises(PermissionError):
            event.delete_instance()
        event.kind = "x"
        with pytest.raises(PermissionError):
            event.save()
        assert Event.get_by_id(event.id).kind == "settings.changed"


def test_the_viewer_has_no_route_that_writes(app):
    audit_rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("audit", "hq_audit")]
    assert {r.rule for r in audit_rules} == {"/t/<tenant>/audit/", "/hq/audit/"}
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)


def test_redaction_changes_only_the_personal_data_columns_and_is_itself_recorded(in_tenant):
    with in_tenant("dealer-sh01") as t:
        admin = f.user("admin@dealer-sh01.demo")
        kept = record(EventKind.NOTE_ADDED, "complaint", 1, admin, tenant=t, data={"body": "秘密"})
        target = record(EventKind.NOTE_ADDED, "complaint", 2, None, tenant=t, data={"body": "秘密"},
                        actor_label="customer")
        n = redact(Event.id == target.id, lambda v: {"body": "[erased]"} if v else v, actor=admin, tenant=t,
                   reason="test", subject_type="customer", subject_id=9)
        after = Event.get_by_id(target.id)
        untouched = Event.get_by_id(kept.id)
        log = Event.select().where(Event.kind == "events.redacted").order_by(Event.id.desc()).first()
    assert n == 1 and after.loaded("data") == {"body": "[erased]"} and untouched.loaded("data") == {"body": "秘密"}
    assert (after.kind, after.subject_id, after.actor_label, after.at) == (target.kind, 2, "customer", target.at)
    assert log.loaded("data") == {"reason": "test", "events": [target.id]} and log.actor_id == admin.id


# --- where changes come from ---------------------------------------------------------------------

def test_a_change_made_through_a_request_records_its_address_and_browser(app, client, login, in_tenant):
    login("admin@dealer-sh01.demo")
    with in_tenant("dealer-sh01"):
        role = Role.get(Role.key == "front_desk")
    response = client.post(f"/t/dealer-sh01/admin/roles/{role.id}",
                           data={"name": "门岗", "permissions": ["complaint.view"], "version": str(role.version)},
                           environ_base={"REMOTE_ADDR": "192.0.2.44"}, headers={"User-Agent": "AuditBrowser/2"})
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:300]
    with in_tenant("dealer-sh01"):
        event = Event.select().where(Event.kind == "role.changed").order_by(Event.id.desc()).first()
    assert (event.ip, event.user_agent) == ("192.0.2.44", "AuditBrowser/2")
    assert event.actor_label == f.user_name("admin@dealer-sh01.demo")


def test_a_change_made_by_the_worker_has_no_address(in_tenant):
    with in_tenant("dealer-sh01") as t:
        event = record(EventKind.DEADLINE_OVERDUE, "complaint", 1, None, tenant=t)
    assert event.ip is None and event.user_agent is None


# --- the viewer ----------------------------------------------------------------------------------

def test_every_kind_of_event_has_a_label():
    assert {str(k) for k in EventKind} <= set(labels.KIND_LABELS)


def role_and_settings_changes(in_tenant):
    with in_tenant("dealer-sh01") as t:
        admin = f.user("admin@dealer-sh01.demo")
        role = Role.get(Role.key == "front_desk")
        tenancy_admin.edit_role(admin, role, name="门岗值班", permissions={"complaint.view"}, version=role.version)
        from portal.sla import settings
        settings.save(t, "privacy", {"retention_months": 48}, admin, 0)
        advisor = f.user("advisor@dealer-sh01.demo")
        membership = tenancy_admin.Membership.get(tenancy_admin.Membership.user == advisor.id)
        tenancy_admin.change_role(admin, membership, Role.get(Role.key == "sales_advisor"), membership.user.version)


def test_a_tenant_admin_sees_who_changed_roles_and_settings_with_translated_labels(app, client, login, in_tenant):
    role_and_settings_changes(in_tenant)
    login("admin@dealer-sh01.demo")
    page = client.get(AUDIT).get_data(as_text=True)
    for label in ("Role changed", "Settings changed", "User's role changed"):
        assert translated_html(app, label) in page, label
    assert "门岗值班" in page and "retention_months" in page and "48" in page
    assert f.user_name("admin@dealer-sh01.demo") in page


def test_the_log_filters_by_kind_actor_date_and_subject(app, client, login, in_tenant):
    role_and_settings_changes(in_tenant)
    with in_tenant("dealer-sh01"):
        c = f.complaint(phone="13911119999")
    login("admin@dealer-sh01.demo")
    admin_id = f.user("admin@dealer-sh01.demo").id

    def ids(**args):
        html = client.get(AUDIT, query_string=args, headers=HX).get_data(as_text=True)
        found = [int(x) for x in re.findall(r'data-event="(\d+)"', html)]
        with in_tenant("dealer-sh01"):
            return found, {e.id: e for e in Event.select().where(Event.id.in_(found or [0]))}

    found, rows = ids(kind="role.changed")
    assert found and {e.kind for e in rows.values()} == {"role.changed"}
    found, rows = ids(actor=str(admin_id))
    assert found and {e.actor_id for e in rows.values()} == {admin_id}
    found, rows = ids(subject=c.number)
    assert found and {(e.subject_type, e.subject_id) for e in rows.values()} == {("complaint", c.id)}
    assert ids(start="2000-01-01", end="2000-01-31")[0] == []
    today = datetime.date.today()
    found, _ = ids(kind="settings.changed", start=(today - datetime.timedelta(days=1)).isoformat(),
                   end=(today + datetime.timedelta(days=1)).isoformat())
    assert found


def test_the_log_pages_by_keyset_without_gaps_or_repeats(app, client, login, in_tenant, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    with in_tenant("dealer-sh01") as t:
        for i in range(7):
            record(EventKind.CATEGORY_SAVED, "category", 1000 + i, None, tenant=t, after={"i": i})
        expected = [e.id for e in Event.select(Event.id).where(Event.kind == "category.saved")
                    .order_by(Event.at.desc(), Event.id.desc())]
    login("admin@dealer-sh01.demo")
    seen, url = [], f"{AUDIT}?kind=category.saved"
    while url:
        html = client.get(url, headers=HX).get_data(as_text=True)
        assert "<html" not in html  # the HTMX partial
        seen += [int(x) for x in re.findall(r'data-event="(\d+)"', html)]
        found = re.search(r'href="([^"]+after=[^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == expected and len(seen) == 7
    assert "<html" in client.get(f"{AUDIT}?kind=category.saved").get_data(as_text=True)  # the full page works too


def test_an_auditor_without_customer_full_sees_which_fields_changed_but_not_the_customers_words(client, login,
                                                                                                 in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(phone="13911118888")
        from portal.complaints import actions
        actions.add_note(c, f.user("cs@dealer-sh01.demo"), "客户的私事不宜外传", public=False)
    login("admin@dealer-sh01.demo")  # admin.audit without customer.full
    page = client.get(AUDIT, query_string={"subject": c.number}).get_data(as_text=True)
    assert "<code>body</code>" in page and "客户的私事" not in page


def test_only_auditors_see_the_log_and_only_their_own_tenants(app, client, login, in_tenant):
    with in_tenant("dealer-sh02") as t:
        marker = record(EventKind.CATEGORY_SAVED, "category", 1, None, tenant=t, after={"name": "另一家的标记"})
    login("cs@dealer-sh01.demo")
    assert client.get(AUDIT).status_code == 403
    admin = login("admin@dealer-sh01.demo", c=app.test_client())
    assert "另一家的标记" not in admin.get(AUDIT, query_string={"kind": "category.saved"}).get_data(as_text=True)
    assert admin.get("/t/dealer-sh02/audit/").status_code == 404
    hq = login("hq@svw.demo", c=app.test_client())
    page = hq.get("/hq/audit/", query_string={"kind": "category.saved"}).get_data(as_text=True)
    assert "另一家的标记" in page and f'data-event="{marker.id}"' in page
    other_network = login("hq@prop.demo", c=app.test_client())
    elsewhere = other_network.get("/hq/audit/", query_string={"kind": "category.saved"}).get_data(as_text=True)
    assert "另一家的标记" not in elsewhere
    assert admin.get("/hq/audit/").status_code == 404


def test_hq_filters_the_log_by_tenant(app, login, in_tenant):
    with in_tenant("dealer-sh01") as one:
        record(EventKind.CATEGORY_SAVED, "category", 1, None, tenant=one, after={"name": "一号店"})
    with in_tenant("dealer-sh02") as two:
        record(EventKind.CATEGORY_SAVED, "category", 1, None, tenant=two, after={"name": "二号店"})
    hq = login("hq@svw.demo", c=app.test_client())
    page = hq.get("/hq/audit/", query_string={"kind": "category.saved", "tenant": two.id}).get_data(as_text=True)
    assert "二号店" in page and "一号店" not in page


def test_the_navigation_offers_the_log_to_auditors_only(app, client, login):
    login("admin@dealer-sh01.demo")
    assert 'href="/t/dealer-sh01/audit/"' in client.get("/t/dealer-sh01/admin/").get_data(as_text=True)
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    assert "/audit/" not in cs.get("/t/dealer-sh01/complaints/").get_data(as_text=True)


def test_a_member_added_from_the_command_line_appears_in_the_tenants_log(app, runner, in_tenant):
    result = runner.invoke(args=["create-user", "--email", "night.shift@dealer-sh01.demo", "--name", "夜班",
                                 "--password", "long-enough-secret", "--tenant", "dealer-sh01", "--role", "front_desk"])
    assert result.exit_code == 0, result.output
    with in_tenant("dealer-sh01"):
        event = Event.select().where(Event.kind == "user.created").order_by(Event.id.desc()).first()
    assert event.actor_label == "command line" and event.actor_id is None
    assert event.loaded("after")["email"] == "night.shift@dealer-sh01.demo"
