"""Revisit pages over HTTP: the queue and its filters, the call form, the checklist settings, isolation."""
import datetime
import re

from portal.complaints.models import Complaint
from portal.complaints.rules import Status
from portal.revisits import checklist
from portal.revisits.models import ChecklistItem, RevisitAnswer, RevisitTask
from tests import factories as f
from tests.conftest import translated

BASE = "/t/dealer-sh01"
HX = {"HX-Request": "true"}


def call_form(task, tenant, **overrides) -> dict:
    """What the call form posts when every question is answered and the customer is satisfied."""
    template = checklist.template_for(tenant)
    data = {"version": str(task.version), "template_version": str(template.version), "reached": "yes",
            "attempts": "1", "satisfaction": "satisfied", "comment": "处理得很好", **f.checklist_answers(tenant)}
    data.update(overrides)
    return data


def settings_version(in_tenant) -> int:
    with in_tenant("dealer-sh01") as tenant:
        return checklist.template_for(tenant).version


# --- the queue -------------------------------------------------------------------------------

def test_the_queue_lists_revisits_to_make_and_the_full_page_has_the_filters(client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.implemented()
    login("cs@dealer-sh01.demo")
    page = client.get(f"{BASE}/revisits")
    assert page.status_code == 200 and c.number in page.get_data(as_text=True)
    assert 'name="show"' in page.get_data(as_text=True)
    fragment = client.get(f"{BASE}/revisits", headers=HX).get_data(as_text=True)
    assert c.number in fragment and "<html" not in fragment


def test_the_queue_filters_due_overdue_unreachable_and_done(client, login, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        due = f.implemented(phone="13900000001")
        late = f.implemented(phone="13900000002")
        RevisitTask.update(due_at=datetime.datetime(2020, 1, 1)).where(RevisitTask.complaint == late.id).execute()
        gone = f.implemented(phone="13900000003")
        RevisitTask.update(status="unreachable").where(RevisitTask.complaint == gone.id).execute()
        done = f.implemented(phone="13900000004")
        from portal.revisits import actions
        actions.record_revisit(f.open_revisit(done), f.user("cs@dealer-sh01.demo"), "satisfied",
                               f.checklist_answers(tenant), "", 1, True)
    login("cs@dealer-sh01.demo")

    def shown(show):
        html = client.get(f"{BASE}/revisits?show={show}", headers=HX).get_data(as_text=True)
        return {c.number for c in (due, late, gone, done) if c.number in html}

    assert shown("open") == {due.number, late.number}
    assert shown("due") == {due.number}
    assert shown("overdue") == {late.number}
    assert shown("unreachable") == {gone.number}
    assert shown("done") == {done.number}


def test_the_queue_filters_by_caller(client, login, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        mine = f.implemented(phone="13900000001")
        other = f.implemented(phone="13900000002")
        from portal.revisits import actions
        actions.record_revisit(f.open_revisit(mine), f.user("cs@dealer-sh01.demo"), None, {}, "", 1, False)
        assert tenant
    login("cs@dealer-sh01.demo")
    html = client.get(f"{BASE}/revisits?handler=me", headers=HX).get_data(as_text=True)
    assert mine.number in html and other.number not in html


def test_the_queue_pages_with_a_cursor(client, login, in_tenant, monkeypatch):
    from portal.revisits import queries
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    with in_tenant("dealer-sh01"):
        made = [f.implemented(phone=f"1390000000{i}") for i in range(3)]
    login("cs@dealer-sh01.demo")
    first = client.get(f"{BASE}/revisits", headers=HX).get_data(as_text=True)
    cursor = re.search(r'after=([^"&]+)', first).group(1)
    second = client.get(f"{BASE}/revisits?after={cursor}", headers=HX).get_data(as_text=True)
    seen = [c.number for c in made if c.number in first], [c.number for c in made if c.number in second]
    assert len(seen[0]) == 2 and len(seen[1]) == 1 and not set(seen[0]) & set(seen[1])


# --- the call form ---------------------------------------------------------------------------

def test_the_call_form_shows_the_phone_script_and_the_tenants_checklist(client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        task = f.open_revisit(f.implemented())
    login("cs@dealer-sh01.demo")
    html = client.get(f"{BASE}/revisits/{task.id}").get_data(as_text=True)
    for words in ("车辆现在使用是否正常？", "您有什么意见和建议？", "服务人员着装整洁，使用规范用语", "离店时礼貌道别"):
        assert words in html
    assert 'value="very_satisfied"' in html and 'name="reached"' in html


def test_a_satisfied_call_closes_the_complaint(client, login, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        task = f.open_revisit(c)
        data = call_form(task, tenant)
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/revisits/{task.id}", data=data)
    assert response.status_code == 303
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).status == Status.CLOSED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "处理得很好" in page and "离店时礼貌道别" in page


def test_a_call_with_a_required_item_left_empty_is_refused_with_a_clear_message(client, login, in_tenant, app):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        task = f.open_revisit(c)
        checklist.template_for(tenant)
        item = ChecklistItem.get(ChecklistItem.text == "维修按时完工")
        data = call_form(task, tenant, **{f"item_{item.id}": ""})
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/revisits/{task.id}", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = translated(app, "This question must be answered.")
    assert message in html
    assert re.search(rf'data-item="{item.id}">.*?{re.escape(message)}', html, re.S)
    assert "处理得很好" in html  # what was typed is kept
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).status == Status.REVISIT_PENDING
        assert RevisitTask.get_by_id(task.id).status == "open" and RevisitAnswer.select().count() == 0


def test_an_unreachable_call_keeps_the_revisit_open_and_shows_the_next_attempt(client, login, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        task = f.open_revisit(f.implemented())
        data = {"version": str(task.version), "template_version": str(checklist.template_for(tenant).version),
                "reached": "no", "attempts": "2", "comment": "无人接听"}
    login("cs@dealer-sh01.demo")
    html = client.post(f"{BASE}/revisits/{task.id}", data=data, headers=HX).get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        stored = RevisitTask.get_by_id(task.id)
    assert stored.status == "open" and stored.attempts == 2 and stored.unreachable_count == 1
    assert f'name="version" type="hidden" value="{stored.version}"' in html or f'value="{stored.version}"' in html


def test_a_call_form_shown_before_a_checklist_edit_is_refused_without_losing_the_answers(client, login, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        task = f.open_revisit(f.implemented())
        data = call_form(task, tenant)
        template = checklist.template_for(tenant)
        checklist.add_item(tenant, f.user("admin@dealer-sh01.demo"), "checklist", "主动告知下次保养时间", False,
                           "yes_no", template.version)
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/revisits/{task.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "主动告知下次保养时间" in html and "处理得很好" in html
    with in_tenant("dealer-sh01"):
        assert RevisitTask.get_by_id(task.id).status == "open"


def test_staff_without_the_revisit_permission_cannot_see_revisits(client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        task = f.open_revisit(f.implemented())
    login("advisor@dealer-sh01.demo")
    assert client.get(f"{BASE}/revisits").status_code == 403
    assert client.get(f"{BASE}/revisits/{task.id}").status_code == 403


def test_another_tenants_revisit_does_not_exist(client, login, in_tenant):
    with in_tenant("dealer-sh02"):
        theirs = f.open_revisit(f.implemented("dealer-sh02"))
    login("cs@dealer-sh01.demo")
    assert client.get(f"{BASE}/revisits/{theirs.id}").status_code == 404
    assert client.post(f"{BASE}/revisits/{theirs.id}", data={"reached": "no", "attempts": "1"}).status_code == 404
    assert client.get(f"/t/dealer-sh02/revisits/{theirs.id}").status_code == 404


def test_the_complaint_page_lists_its_revisits_with_links(client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.implemented()
        task = f.open_revisit(c)
    login("cs@dealer-sh01.demo")
    html = client.get(f"{BASE}/complaints/{c.id}").get_data(as_text=True)
    assert 'id="revisits"' in html and f"/revisits/{task.id}" in html


# --- checklist settings ----------------------------------------------------------------------

def test_the_admin_edits_the_checklist_on_the_settings_page(client, login, in_tenant):
    login("admin@dealer-sh01.demo")
    page = client.get(f"{BASE}/settings/revisit").get_data(as_text=True)
    assert "维修后车辆已清洁" in page
    with in_tenant("dealer-sh01"):
        item = ChecklistItem.get(ChecklistItem.text == "维修后车辆已清洁")
    added = client.post(f"{BASE}/settings/revisit", data={"op": "add", "version": settings_version(in_tenant),
                                                           "new-section": "checklist", "new-text": "主动告知下次保养时间",
                                                           "new-required": "y", "new-answer_type": "yes_no"})
    assert added.status_code == 303
    edited = client.post(f"{BASE}/settings/revisit", headers=HX, data={
        "op": "edit", "item": item.id, "version": settings_version(in_tenant), f"i{item.id}-text": "车辆已清洗干净",
        f"i{item.id}-answer_type": "scale"})
    assert edited.status_code == 200 and "车辆已清洗干净" in edited.get_data(as_text=True)
    client.post(f"{BASE}/settings/revisit", data={"op": "up", "item": item.id, "version": settings_version(in_tenant)})
    with in_tenant("dealer-sh01"):
        changed = ChecklistItem.get_by_id(item.id)
        assert ChecklistItem.get(ChecklistItem.text == "主动告知下次保养时间").required
    assert changed.text == "车辆已清洗干净" and changed.answer_type == "scale" and not changed.required
    assert changed.position == item.position - 1
    removed = client.post(f"{BASE}/settings/revisit", data={"op": "remove", "item": item.id,
                                                             "version": settings_version(in_tenant)})
    assert removed.status_code == 303
    with in_tenant("dealer-sh01"):
        assert not ChecklistItem.select().where(ChecklistItem.id == item.id).exists()


def test_a_checklist_edit_from_a_stale_page_answers_409_and_saves_nothing(client, login, in_tenant):
    login("admin@dealer-sh01.demo")
    shown = settings_version(in_tenant)
    client.post(f"{BASE}/settings/revisit", data={"op": "add", "version": shown, "new-section": "script",
                                                   "new-text": "问题一", "new-answer_type": "text"})
    late = client.post(f"{BASE}/settings/revisit", data={"op": "add", "version": shown, "new-section": "script",
                                                          "new-text": "问题二", "new-answer_type": "text"})
    assert late.status_code == 409
    with in_tenant("dealer-sh01"):
        assert not ChecklistItem.select().where(ChecklistItem.text == "问题二").exists()


def test_an_empty_question_is_refused_with_422(client, login, in_tenant):
    login("admin@dealer-sh01.demo")
    response = client.post(f"{BASE}/settings/revisit", data={"op": "add", "version": settings_version(in_tenant),
                                                              "new-section": "checklist", "new-text": " ",
                                                              "new-answer_type": "yes_no"})
    assert response.status_code == 422


def test_the_admin_sets_when_a_customer_counts_as_unreachable(client, login, in_tenant):
    from portal.sla import settings
    login("admin@dealer-sh01.demo")
    response = client.post(f"{BASE}/settings/revisit", data={"op": "numbers", "version": "0", "max_unreachable": "5",
                                                              "retry_working_hours": "2"})
    assert response.status_code == 303
    with in_tenant("dealer-sh01") as tenant:
        assert settings.load(tenant, "revisits") == {"max_unreachable": 5, "retry_working_hours": 2}
    bad = client.post(f"{BASE}/settings/revisit", data={"op": "numbers", "version": "1", "max_unreachable": "0",
                                                         "retry_working_hours": "2"})
    assert bad.status_code == 422


def test_only_tenant_admins_edit_the_checklist(client, login):
    login("cs@dealer-sh01.demo")
    assert client.get(f"{BASE}/settings/revisit").status_code == 403
    removal = client.post(f"{BASE}/settings/revisit", data={"op": "remove", "item": "1", "version": "1"})
    assert removal.status_code == 403


def test_the_complaint_pages_revisit_step_explains_that_a_crisis_needs_two_revisits(client, login, in_tenant, app):
    from tests.conftest import translated
    with in_tenant("dealer-sh01"):
        c = f.implemented(crisis=True)
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/complaints/{c.id}/step/revisit", data={"version": str(c.version),
                                                                          "satisfaction": "satisfied"})
    assert response.status_code == 422
    message = translated(app, "A crisis complaint closes only after its second revisit: record the first one "
                              "in the revisit queue.")
    assert message in response.get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).status == Status.REVISIT_PENDING
