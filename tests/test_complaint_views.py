"""The register over HTTP: intake form, queue, detail page, step forms, attachments."""
import io
import re

import pytest

from portal.complaints.models import Attachment, Complaint
from portal.complaints.rules import Move, Status
from portal.events import Event
from portal.tenancy.models import Category, Department
from portal.complaints.uploads import MAX_BYTES
from tests import factories as f
from tests.conftest import translated_html

BASE = "/t/dealer-sh01/complaints"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form_data(app, in_tenant, **overrides):
    with in_tenant("dealer-sh01"):
        category = Category.select().order_by(Category.position).first().id
    data = {"kind": "complaint", "channel": "phone", "customer_name": "王芳", "phone": "13912345678",
            "email": "", "address": "", "category": str(category), "plate": "沪C11111",
            "description": "承诺1小时保养，2小时未开始", "customer_request": "道歉", "complainants": "1",
            "intake_key": "k-1"}
    data.update(overrides)
    return data


def count(app, in_tenant, model=Complaint):
    with in_tenant("dealer-sh01"):
        return model.select().count()


def test_intake_form_saves_and_shows_the_complaint_with_its_number(client, login, app, in_tenant):
    login("cs@dealer-sh01.demo")
    assert client.get(f"{BASE}/new").status_code == 200
    response = client.post(f"{BASE}/new", data=form_data(app, in_tenant))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"SH01-\d{6}-0001", page)
    assert "承诺1小时保养" in page


def test_intake_posted_twice_creates_one_complaint(client, login, app, in_tenant):
    login("cs@dealer-sh01.demo")
    data = form_data(app, in_tenant)
    first = client.post(f"{BASE}/new", data=dict(data))
    second = client.post(f"{BASE}/new", data=dict(data))
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, in_tenant) == 1


@pytest.mark.parametrize("overrides,field_text", [
    ({"phone": ""}, "王芳"),
    ({"phone": "12ab"}, "王芳"),
    ({"description": "长" * (10 * 1024 * 1024 // 3)}, "王芳"),
    ({"category": "999999"}, "承诺1小时保养"),
    ({"vin": "SHORT"}, "承诺1小时保养"),
    ({"complainants": "0"}, "承诺1小时保养"),
])
def test_bad_intake_input_is_refused_and_nothing_typed_is_lost(client, login, app, in_tenant, overrides, field_text):
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/new", data=form_data(app, in_tenant, **overrides),
                           content_type="multipart/form-data")  # as the browser sends the intake form
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error"' in html
    assert field_text in html
    assert count(app, in_tenant) == 0


@pytest.mark.parametrize("name,content,message,variables", [
    ("evil.png", b"<script>alert(1)</script>", "%(name)s is not a photo, PDF or audio recording.", {}),
    ("big.png", PNG + b"\x00" * MAX_BYTES, "%(name)s is larger than %(mb)d MB.", {"mb": MAX_BYTES // 2**20}),
])
def test_bad_uploads_at_intake_are_refused_with_a_clear_error(client, login, app, in_tenant, name, content, message,
                                                              variables):
    login("cs@dealer-sh01.demo")
    data = form_data(app, in_tenant)
    data["attachments"] = (io.BytesIO(content), name)
    response = client.post(f"{BASE}/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert translated_html(app, message, name=name, **variables) in response.get_data(as_text=True)
    assert count(app, in_tenant) == 0


def test_evidence_is_kept_and_served_only_inside_the_tenant(client, login, app, in_tenant):
    login("cs@dealer-sh01.demo")
    data = form_data(app, in_tenant)
    data["attachments"] = (io.BytesIO(PNG), "photo.jpg")
    client.post(f"{BASE}/new", data=data, content_type="multipart/form-data")
    with in_tenant("dealer-sh01"):
        att = Attachment.get()
    assert att.content_type == "image/png"  # by content, not by name
    url = f"{BASE}/{att.complaint_id}/attachments/{att.id}"
    got = client.get(url)
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    client.post("/logout")
    login("cs@dealer-sh02.demo")
    assert client.get(url.replace("dealer-sh01", "dealer-sh02")).status_code == 404


def test_known_customer_history_appears_while_typing_the_phone(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        f.complaint(phone="13511112222", description="大灯闪烁")
    login("cs@dealer-sh01.demo")
    html = client.get(f"{BASE}/customer-lookup?phone=135-1111-2222", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "张伟" in html and "大灯闪烁" in html


def test_step_form_over_htmx_swaps_the_complaint_in_place(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/{c.id}/step/start_investigation", data={"version": str(c.version)},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="complaint"') and "<html" not in html
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).status == Status.INVESTIGATING


def test_missing_required_step_field_is_refused_and_writes_nothing(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.START_INVESTIGATION)
        events_before = Event.select().count()
        dept = Department.select().first().id
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/{c.id}/step/transfer",
                           data={"version": str(c.version), "findings": "成立", "department": str(dept),
                                 "assignee": "0", "instructions": ""})
    assert response.status_code == 422
    assert "成立" in response.get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        assert Event.select().count() == events_before


def test_second_editor_gets_409_with_the_current_state_and_keeps_their_text(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.START_INVESTIGATION)
        seen = Complaint.get_by_id(c.id).version
        dept = Department.select().first().id
        f.advance(Complaint.get_by_id(c.id), Move.TRANSFER)  # someone else transfers first
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/{c.id}/step/close_invalid",
                           data={"version": str(seen), "findings": "我的调查结论", "opinion_told_via": "phone",
                                 "customer_told": "y", "department": str(dept)})
    html = response.get_data(as_text=True)
    assert response.status_code in (409, 422)
    assert "我的调查结论" in html
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).status == Status.TRANSFERRED


def test_queue_filters_return_a_partial_for_htmx_and_a_full_page_otherwise(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        f.complaint(description="大灯闪烁")
        f.complaint(phone="13600000000", description="收费争议", vip=True)
    login("cs@dealer-sh01.demo")
    full = client.get(f"{BASE}/?vip=1")
    partial = client.get(f"{BASE}/?vip=1", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    body = partial.get_data(as_text=True)
    assert "<html" not in body and "收费争议" not in body  # descriptions are not listed
    assert body.count('name="ids"') == 1
    assert "HX-Request" in partial.headers.get("Vary", "")
    assert client.get(f"{BASE}/?q=大灯", headers={"HX-Request": "true"}).get_data(as_text=True).count('name="ids"') == 1


def test_queue_paginates_with_a_cursor(client, login, app, in_tenant):
    from portal.complaints import queries
    with in_tenant("dealer-sh01"):
        for i in range(queries.PAGE_SIZE + 3):
            f.complaint(phone=f"1330000{i:04d}")
    login("cs@dealer-sh01.demo")
    first = client.get(f"{BASE}/", headers={"HX-Request": "true"}).get_data(as_text=True)
    cursor = re.search(r'after=([^"&]+)', first).group(1)
    second = client.get(f"{BASE}/?after={cursor}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert first.count('name="ids"') == queries.PAGE_SIZE and second.count('name="ids"') == 3


def test_printable_forms_render(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.CUSTOMER_RESPONSE)
    login("cs@dealer-sh01.demo")
    for doc in ("receipt", "investigation", "transfer", "opinion"):
        page = client.get(f"{BASE}/{c.id}/print/{doc}")
        assert page.status_code == 200 and c.number in page.get_data(as_text=True)


def test_paging_by_next_deadline_reaches_every_complaint_once(client, login, app, in_tenant):
    from portal.complaints import queries
    with in_tenant("dealer-sh01"):
        made = [f.complaint(phone=f"1340000{i:04d}") for i in range(queries.PAGE_SIZE + 5)]
        for c in made[:10]:  # some without a running clock: they come last
            Complaint.update(next_due_at=None).where(Complaint.id == c.id).execute()
    login("cs@dealer-sh01.demo")
    seen, url = [], f"{BASE}/?sort=due"
    for _ in range(5):
        html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        seen += re.findall(r'name="ids" value="(\d+)"', html)
        cursor = re.search(r'class="pager">.*?after=([^"&]+)', html, re.S)
        if not cursor:
            break
        url = f"{BASE}/?sort=due&after={cursor.group(1)}"
    assert sorted(map(int, seen)) == sorted(c.id for c in made)


def test_the_handler_list_and_assignment_accept_only_this_tenants_people(client, login, app, in_tenant):
    """A user of dealer-sh02 is neither offered as a handler in dealer-sh01 nor accepted when posted."""
    from portal.accounts.models import User
    from tests import factories as f
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    stranger = User.get(User.email == "cs@dealer-sh02.demo")
    login("cs@dealer-sh01.demo")
    page = client.get(f"/t/dealer-sh01/complaints/{c.id}").get_data(as_text=True)
    assert stranger.name not in page
    response = client.post(f"/t/dealer-sh01/complaints/{c.id}/assign",
                           data={"version": str(c.version), "department": "0", "assignee": str(stranger.id)})
    assert response.status_code == 422
    with in_tenant("dealer-sh01"):
        from portal.complaints.models import Complaint
        assert Complaint.get_by_id(c.id).assignee_id is None
