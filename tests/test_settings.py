"""Tenant settings pages: deadlines and the business calendar, with validation and audit."""
import datetime

from portal.events import Event
from portal.sla import settings
from portal.tenancy.models import Tenant
from tests import factories as f

BASE = "/t/dealer-sh01/settings"


def test_admin_changes_a_deadline_and_new_complaints_use_it(client, login, app, in_tenant):
    login("admin@dealer-sh01.demo")
    page = client.get(f"{BASE}/deadlines").get_data(as_text=True)
    assert 'name="reply_days"' in page
    data = dict(settings.DEFAULTS["deadlines"], reply_days="7", version="0", pause_allowed="y")
    response = client.post(f"{BASE}/deadlines", data={k: str(v) for k, v in data.items()})
    assert response.status_code == 303
    with in_tenant("dealer-sh01") as tenant:
        assert settings.load(tenant, "deadlines")["reply_days"] == 7
        assert Event.select().where(Event.kind == "settings.changed").count() == 1
        c = f.complaint()
        from portal.sla.calendar import add_working_days
        assert c.reply_due_at == add_working_days(settings.calendar_for(tenant), c.received_at, 7)
    with in_tenant("dealer-sh02") as other:
        assert settings.load(other, "deadlines")["reply_days"] == 5  # another tenant is untouched


def test_negative_or_zero_deadlines_are_refused_and_nothing_is_saved(client, login, app, in_tenant):
    login("admin@dealer-sh01.demo")
    data = {k: str(v) for k, v in settings.DEFAULTS["deadlines"].items()}
    data.update(plan_days="-1", version="0")
    response = client.post(f"{BASE}/deadlines", data=data)
    assert response.status_code == 422
    assert 'value="-1"' in response.get_data(as_text=True)
    with in_tenant("dealer-sh01") as tenant:
        assert settings.load(tenant, "deadlines")["plan_days"] == 3


def test_a_closure_day_added_to_the_calendar_pushes_deadlines(client, login, app, in_tenant):
    login("admin@dealer-sh01.demo")
    with in_tenant("dealer-sh01") as tenant:
        cal = settings.calendar_for(tenant)
    tomorrow = cal.is_working_day  # noqa: F841 (documentation: closures count even on working days)
    day = datetime.date(2026, 12, 1)
    form = {"version": "0", "region": "CN", "work_start": "09:00", "work_end": "18:00", "lunch_start": "",
            "lunch_end": "", "weekdays": ["0", "1", "2", "3", "4"], "extra_closed": day.isoformat(),
            "extra_working": ""}
    assert client.post(f"{BASE}/calendar", data=form).status_code == 303
    with in_tenant("dealer-sh01") as tenant:
        assert not settings.calendar_for(tenant).is_working_day(day)


def test_invalid_calendar_input_is_refused_with_clear_messages(client, login, app, in_tenant):
    login("admin@dealer-sh01.demo")
    form = {"version": "0", "region": "CN", "work_start": "18:00", "work_end": "09:00", "weekdays": [],
            "extra_closed": "2026-13-45", "extra_working": ""}
    response = client.post(f"{BASE}/calendar", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2026-13-45" in html and html.count('class="error"') >= 3


def test_stale_settings_form_is_refused(client, login, app, in_tenant):
    login("admin@dealer-sh01.demo")
    data = {k: str(v) for k, v in settings.DEFAULTS["deadlines"].items()}
    assert client.post(f"{BASE}/deadlines", data=dict(data, reply_days="6", version="0")).status_code == 303
    assert client.post(f"{BASE}/deadlines", data=dict(data, reply_days="8", version="0")).status_code == 409
    with in_tenant("dealer-sh01") as tenant:
        assert settings.load(tenant, "deadlines")["reply_days"] == 6


def test_values_inherited_from_headquarters_are_shown_as_such(client, login, app, in_tenant):
    import json
    from portal.sla.models import NetworkSetting
    tenant = Tenant.get(Tenant.slug == "dealer-sh01")
    NetworkSetting.create(network=tenant.network_id, key="deadlines", value=json.dumps({"plan_days": 2}))
    login("admin@dealer-sh01.demo")
    html = client.get(f"{BASE}/deadlines").get_data(as_text=True)
    assert "source-network" in html
    with in_tenant("dealer-sh01") as t:
        assert settings.load(t, "deadlines")["plan_days"] == 2


def test_staff_without_the_settings_permission_get_403(client, login):
    login("cs@dealer-sh01.demo")
    assert client.get(f"{BASE}/deadlines").status_code == 403


def _escalation_form(**overrides):
    from portal.sla import grading
    values = grading.Thresholds().to_dict()
    form = {k: ("\n".join(v) if isinstance(v, list | tuple) else str(v)) for k, v in values.items()}
    form.update(version="0", **overrides)
    return form


def test_escalation_preview_shows_which_open_complaints_would_change_before_saving(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=2)
    login("admin@dealer-sh01.demo")
    html = client.post(f"{BASE}/escalation/preview", data=_escalation_form(collective_hot="2"),
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert c.number in html
    unchanged = client.post(f"{BASE}/escalation/preview", data=_escalation_form(),
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    assert c.number not in unchanged
    with in_tenant("dealer-sh01") as tenant:
        assert settings.load(tenant, "escalation")["collective_hot"] == 3  # preview saves nothing


def test_invalid_escalation_settings_are_refused_with_clear_messages(client, login, app, in_tenant):
    login("admin@dealer-sh01.demo")
    response = client.post(f"{BASE}/escalation", data=_escalation_form(unresolved_hot_days="-2", keywords_report=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="-2"' in html and html.count('role="alert"') >= 3
    ok = client.post(f"{BASE}/escalation", data=_escalation_form(collective_hot="4"))
    assert ok.status_code == 303
    with in_tenant("dealer-sh01") as tenant:
        assert settings.load(tenant, "escalation")["collective_hot"] == 4
