"""Customers' personal data (PIPL): one masking rule, a log of who saw it, export, erasure after retention."""
import datetime
import io
import json
import os
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest

from portal import privacy
from portal.complaints import actions as complaint_actions
from portal.complaints.models import Attachment, Complaint, Customer, Note
from portal.complaints.rules import Move
from portal.customers import erasure
from portal.db import now
from portal.events import Event
from portal.sla import settings
from portal.sla.models import ClusterComplainant, ClusterEntry
from tests import factories as f
from tests.conftest import translated_html

BASE = "/t/dealer-sh01"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WHO = {"customer_name": "欧阳明月", "phone": "13912340001", "email": "ouyang@example.com",
       "address": "上海市静安区南京西路1号", "plate": "沪B88888", "vin": "LSVAB4BR5EN012345"}
IDENTIFIERS = ["欧阳明月", "13912340001", "ouyang@example.com", "南京西路1号", "沪B88888", "LSVAB4BR5EN012345",
               "310101199001011234"]


def a_complaint(in_tenant, until=None, **overrides):
    with in_tenant("dealer-sh01"):
        c = f.complaint(**{**WHO, **overrides})
        return f.advance(c, until) if until else c


# --- the rules (pure) -------------------------------------------------------------------------

def test_a_viewer_without_the_permission_sees_a_masked_customer_and_no_address():
    p = privacy.person("欧阳明月", "13912340001", "ouyang@example.com", "静安区", full=False)
    assert (p.name, p.phone, p.email, p.address) == ("欧***", "139****0001", "o***@example.com", "")
    full = privacy.person("欧阳明月", "13912340001", "ouyang@example.com", "静安区", full=True)
    assert (full.name, full.phone, full.email, full.address) == (
        "欧阳明月", "13912340001", "ouyang@example.com", "静安区")
    assert privacy.sees_full({"customer.full"}) and not privacy.sees_full({"complaint.view"})


@pytest.mark.parametrize("closed,months,want", [
    (datetime.datetime(2023, 1, 31, 10), 1, datetime.datetime(2023, 2, 28, 10)),
    (datetime.datetime(2024, 1, 31, 10), 1, datetime.datetime(2024, 2, 29, 10)),
    (datetime.datetime(2023, 11, 15), 36, datetime.datetime(2026, 11, 15)),
    (None, 36, None),
])
def test_the_retention_period_runs_in_calendar_months_from_the_last_closing(closed, months, want):
    assert privacy.retention_ends(closed, months) == want


@pytest.mark.parametrize("open_count,closed_days_ago,want", [
    (1, 2000, "open"), (0, 30, "retention"), (0, 2000, None), (0, None, None)])
def test_erasure_waits_for_every_complaint_to_close_and_the_retention_period_to_end(open_count, closed_days_ago, want):
    at = datetime.datetime(2026, 6, 1)
    closed = at - datetime.timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    assert privacy.erasure_refusal(open_count, closed, 36, at) == want


def test_scrubbing_replaces_the_known_identifiers_and_anything_like_a_phone_id_card_or_e_mail():
    known = privacy.Identifiers(names=("欧阳明月",), phones=("13912340001",), plates=("沪B88888",))
    text = "欧阳明月（沪B88888）来电 139-1234-0001，另一号码 021-62345678，身份证 310101199001011234，邮箱 a.b@c.cn"
    out = privacy.scrub(text, known)
    gone = ("欧阳明月", "沪B88888", "1234-0001", "62345678", "310101199001011234", "a.b@c.cn")
    assert all(x not in out for x in gone)
    assert "来电" in out and out.count(privacy.ERASED) == 6


def test_redacting_json_keeps_keys_codes_and_numbers_and_replaces_the_customers_words():
    known = privacy.Identifiers(names=("欧阳明月",))
    value = {"move": "revisit", "satisfaction": "satisfied", "number": "SH01-202611-0001", "attachment": 7,
             "body": "随便什么话", "findings": "欧阳明月的车确实有异响", "payload": [{"phone": "13912340001"}]}
    got = privacy.redact_json(value, known)
    assert got["move"] == "revisit" and got["satisfaction"] == "satisfied" and got["attachment"] == 7
    assert got["number"] == "SH01-202611-0001" and got["body"] == privacy.ERASED
    assert got["findings"] == f"{privacy.ERASED}的车确实有异响" and got["payload"] == [{"phone": privacy.ERASED}]


# --- one masking rule in lists and on the file -------------------------------------------------

def test_the_queue_and_the_file_mask_the_customer_for_roles_without_customer_full(client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("advisor@dealer-sh01.demo")  # a service advisor: complaint.view without customer.full
    for url in (f"{BASE}/complaints/", f"{BASE}/complaints/{c.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "欧***" in page and "139****0001" in page, url
        assert "欧阳明月" not in page and "13912340001" not in page and "南京西路" not in page, url


def test_the_queue_shows_the_customer_in_full_to_those_who_see_the_file_in_full(app, client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("cs@dealer-sh01.demo")  # a complaint specialist holds customer.full
    queue = client.get(f"{BASE}/complaints/").get_data(as_text=True)
    page = client.get(f"{BASE}/complaints/{c.id}").get_data(as_text=True)
    for html in (queue, page):
        assert "欧阳明月" in html and "13912340001" in html and "139****0001" not in html
    assert "ouyang@example.com" in page and "南京西路1号" in page


def test_headquarters_lists_and_read_only_files_mask_the_customer(app, login, in_tenant):
    c = a_complaint(in_tenant)
    hq = login("hq@svw.demo", c=app.test_client())
    for url in ("/hq/complaints", f"/hq/complaints/{c.id}"):
        page = hq.get(url).get_data(as_text=True)
        assert "139****0001" in page and "欧***" in page, url
        assert "13912340001" not in page and "欧阳明月" not in page, url


def test_an_hq_handler_sees_the_customer_of_a_complaint_hq_took_over_in_full_and_is_logged(app, login, in_tenant):
    from portal import scope
    from portal.hq import oversight
    from portal.tenancy.models import Network
    c = a_complaint(in_tenant, complainants=5)  # a collective complaint of five: major
    with app.app_context(), scope.scoped(scope.for_network(Network.get(Network.slug == "svw"))):
        assert Complaint.get_by_id(c.id).grade == "major"
        oversight.take_over(Complaint.get_by_id(c.id), f.user("hq@svw.demo"), "集体投诉，总部直接处理")
    hq = login("hq@svw.demo", c=app.test_client())
    page = hq.get(f"/hq/complaints/{c.id}").get_data(as_text=True)
    assert "13912340001" in page and "欧阳明月" in page
    assert "139****0001" in hq.get("/hq/complaints").get_data(as_text=True)  # the list stays masked
    (logged,) = viewed_events(in_tenant, c.customer_id)
    assert logged.actor_id == f.user("hq@svw.demo").id and logged.loaded("data")["page"] == "hq"


# --- who saw the customer in full ---------------------------------------------------------------

def viewed_events(in_tenant, customer_id):
    with in_tenant("dealer-sh01"):
        return list(Event.select().where((Event.kind == "customer.viewed") & (Event.subject_type == "customer")
                                         & (Event.subject_id == customer_id)).order_by(Event.id))


def test_every_view_of_the_unmasked_file_is_logged_with_who_when_which_and_where_from(app, client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("cs@dealer-sh01.demo")
    headers = {"User-Agent": "KesuTest/1.0"}
    before = now()
    client.get(f"{BASE}/complaints/{c.id}", headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    client.get(f"{BASE}/complaints/{c.id}", headers={**headers, "HX-Request": "true"})
    logged = viewed_events(in_tenant, c.customer_id)
    assert len(logged) == 2
    first = logged[0]
    assert first.actor_id == f.user("cs@dealer-sh01.demo").id and first.at >= before
    assert (first.ip, first.user_agent) == ("203.0.113.5", "KesuTest/1.0")
    assert first.loaded("data") == {"complaint": c.id, "number": c.number, "page": "complaint"}
    assert "13912340001" not in (first.data or "") and "欧阳明月" not in (first.data or "")


def test_a_masked_view_is_not_logged_as_a_view_of_the_full_record(client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("advisor@dealer-sh01.demo")
    assert client.get(f"{BASE}/complaints/{c.id}").status_code == 200
    assert viewed_events(in_tenant, c.customer_id) == []


# --- export -------------------------------------------------------------------------------------

def test_a_tenant_admin_exports_everything_about_a_customer_as_a_zip_with_the_files(app, client, login, in_tenant):
    c = a_complaint(in_tenant, Move.TRANSFER)
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    cs.post(f"{BASE}/complaints/{c.id}/notes", data={"body": "客户说下午在家"})
    cs.post(f"{BASE}/complaints/{c.id}/attachments", content_type="multipart/form-data",
            data={"attachments": [(io.BytesIO(PNG), "发票.png")]})
    login("admin@dealer-sh01.demo")
    page = client.get(f"{BASE}/customers/{c.customer_id}")
    assert page.status_code == 200
    response = client.post(f"{BASE}/customers/{c.customer_id}/export", data={"fmt": "zip"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    doc = json.loads(archive.read("export.json"))
    assert doc["customer"]["name"] == "欧阳明月" and doc["customer"]["phone"] == "13912340001"
    (complaint,) = doc["complaints"]
    assert complaint["number"] == c.number and complaint["plate"] == "沪B88888"
    assert [n["body"] for n in complaint["notes"]] == ["客户说下午在家"]
    assert {e["kind"] for e in complaint["events"]} >= {"complaint.received", "complaint.moved", "note.added"}
    (photo,) = complaint["attachments"]
    assert archive.read(photo["file"]) == PNG and photo["filename"] == "发票.png"
    with in_tenant("dealer-sh01"):
        logged = Event.get((Event.kind == "customer.exported") & (Event.subject_id == c.customer_id))
    assert logged.actor_id == f.user("admin@dealer-sh01.demo").id
    assert logged.loaded("data") == {"format": "zip", "complaints": 1, "files": 1}


def test_a_privacy_admin_who_sees_customers_in_full_is_logged_on_the_customer_page(client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("gm@dealer-sh01.demo")  # the general manager holds customer.privacy and customer.full
    page = client.get(f"{BASE}/customers/{c.customer_id}").get_data(as_text=True)
    assert "13912340001" in page and "南京西路1号" in page
    (logged,) = viewed_events(in_tenant, c.customer_id)
    assert logged.loaded("data") == {"page": "customer"}


def test_the_json_export_holds_the_same_document(client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("admin@dealer-sh01.demo")
    response = client.post(f"{BASE}/customers/{c.customer_id}/export", data={"fmt": "json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert json.loads(response.data)["complaints"][0]["description"] == "首保收费，客户认为应免费"


def test_only_roles_with_the_privacy_permission_reach_the_customer_pages(app, client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("cs@dealer-sh01.demo")
    assert client.get(f"{BASE}/customers/").status_code == 403
    assert client.get(f"{BASE}/customers/{c.customer_id}").status_code == 403
    assert client.post(f"{BASE}/customers/{c.customer_id}/export", data={"fmt": "json"}).status_code == 403
    other = login("admin@dealer-sh02.demo", c=app.test_client())
    assert other.get(f"/t/dealer-sh02/customers/{c.customer_id}").status_code == 404
    assert other.post(f"/t/dealer-sh02/customers/{c.customer_id}/erase", data={"confirm": "y"}).status_code == 404


def test_the_admin_finds_a_customer_by_full_phone_or_complaint_number(client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("admin@dealer-sh01.demo")
    for q in ("139 1234 0001", c.number):
        page = client.get(f"{BASE}/customers/", query_string={"q": q}).get_data(as_text=True)
        assert f"/customers/{c.customer_id}" in page, q
    assert f"/customers/{c.customer_id}" not in client.get(f"{BASE}/customers/?q=1391234").get_data(as_text=True)


# --- erasure ------------------------------------------------------------------------------------

def close_long_ago(in_tenant, c, days=4000):
    with in_tenant("dealer-sh01"):
        Complaint.update(closed_at=now() - datetime.timedelta(days=days)).where(Complaint.id == c.id).execute()


def test_erasure_is_refused_before_the_retention_period_ends(app, client, login, in_tenant):
    c = a_complaint(in_tenant, Move.REVISIT)
    with in_tenant("dealer-sh01"):
        closed = Complaint.get_by_id(c.id).closed_at
    login("admin@dealer-sh01.demo")
    response = client.post(f"{BASE}/customers/{c.customer_id}/erase", data={"confirm": "y"})
    assert response.status_code == 422
    ends = privacy.add_months(closed, 36).replace(tzinfo=datetime.UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert translated_html(app, "The retention period ends on %(date)s. The customer's data cannot be erased "
                                "before then.", date=ends.strftime("%Y-%m-%d")) in response.get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        assert Customer.get_by_id(c.customer_id).name == "欧阳明月"


def test_erasure_is_refused_while_a_complaint_is_open_and_without_the_confirmation(app, client, login, in_tenant):
    c = a_complaint(in_tenant)
    login("admin@dealer-sh01.demo")
    response = client.post(f"{BASE}/customers/{c.customer_id}/erase", data={"confirm": "y"})
    assert response.status_code == 422
    refusal = translated_html(app, "This customer still has open complaints. Their data can be erased once every "
                                   "complaint is closed and the retention period has ended.")
    assert refusal in response.get_data(as_text=True)
    unticked = client.post(f"{BASE}/customers/{c.customer_id}/erase", data={})
    assert unticked.status_code == 422
    assert translated_html(app, "Tick the box to confirm the erasure.") in unticked.get_data(as_text=True)


def customer_adds_information(app, in_tenant, c):
    """The customer writes through their link (from their own address), with a photo."""
    with app.app_context():
        path = f.status_path(c)
    customer = app.test_client()
    html = customer.get(path).get_data(as_text=True)
    nonce = re.search(r'id="info-nonce"[^>]*value="([^"]+)"', html).group(1)
    response = customer.post(f"{path}/info", content_type="multipart/form-data",
                             environ_base={"REMOTE_ADDR": "198.51.100.7"}, headers={"User-Agent": "CustomerPhone"},
                             data={"nonce": nonce, "text": "我是欧阳明月，身份证 310101199001011234，电话13912340001",
                                   "photos": [(io.BytesIO(PNG), "欧阳明月的行驶证.png")]})
    assert response.status_code == 303
    return path


def test_erasure_after_retention_replaces_personal_data_everywhere_and_keeps_the_complaint(app, client, login,
                                                                                          in_tenant):
    c = a_complaint(in_tenant, Move.TRANSFER)
    path = customer_adds_information(app, in_tenant, c)
    with in_tenant("dealer-sh01"):
        complaint_actions.add_note(c, f.user("cs@dealer-sh01.demo"), "欧阳明月要求回电 13912340001", public=False)
        f.advance(Complaint.get_by_id(c.id), Move.REVISIT)
        kept = Complaint.get_by_id(c.id)
        phone = kept.customer.phone
        files = [os.path.join(app.config["UPLOAD_DIR"], str(a.tenant_id), a.stored_name)
                 for a in Attachment.select().where(Attachment.complaint == c.id)]
    assert files and all(os.path.exists(p) for p in files)
    with in_tenant("dealer-sh01"):
        by_customer = list(Event.select().where((Event.subject_id == c.id) & (Event.actor_label == "customer")))
    assert by_customer and {(e.ip, e.user_agent) for e in by_customer} == {("198.51.100.7", "CustomerPhone")}
    close_long_ago(in_tenant, c)
    login("admin@dealer-sh01.demo")
    response = client.post(f"{BASE}/customers/{c.customer_id}/erase", data={"confirm": "y"})
    assert response.status_code == 303
    with in_tenant("dealer-sh01"):
        customer = Customer.get_by_id(c.customer_id)
        after = Complaint.get_by_id(c.id)
        notes = [n.body for n in Note.select().where(Note.complaint == c.id)]
        assert Attachment.select().where(Attachment.complaint == c.id).count() == 0
        log = list(Event.select().where(Event.tenant == after.tenant_id))
        complainants = {r.complainant for r in ClusterEntry.select()} | {r.complainant for r in ClusterComplainant.select()}
    assert phone and phone not in complainants  # the cluster register forgets the phone too
    assert (customer.name, customer.phone, customer.email, customer.address) == (privacy.ERASED, "", None, None)
    assert customer.erased_at is not None
    assert (after.description, after.customer_request, after.plate, after.vin) == (privacy.ERASED,) * 2 + (None,) * 2
    for name in ("number", "kind", "channel", "status", "grade", "category_id", "department_id", "received_at",
                 "reply_due_at", "complainants"):
        assert getattr(after, name) == getattr(kept, name), name
    assert notes and set(notes) == {privacy.ERASED}
    assert not any(os.path.exists(p) for p in files)
    text = " ".join(f"{e.before} {e.after} {e.data}" for e in log)
    assert not [x for x in IDENTIFIERS if x in text]
    assert not [e for e in log if e.actor_label == "customer" and (e.ip or e.user_agent)]
    kinds = {e.kind for e in log}
    assert {"customer.erased", "events.redacted"} <= kinds
    # the customer's link stops working: the printed one, and any shown again since
    assert client.get(path).status_code == 404
    with app.app_context():
        assert app.test_client().get(f.status_path(after)).status_code == 404


def test_an_erased_customer_appears_as_erased_and_cannot_be_erased_twice(app, client, login, in_tenant):
    c = a_complaint(in_tenant, Move.REVISIT)
    close_long_ago(in_tenant, c)
    login("admin@dealer-sh01.demo")
    assert client.post(f"{BASE}/customers/{c.customer_id}/erase", data={"confirm": "y"}).status_code == 303
    label = translated_html(app, "Erased customer")
    assert label in client.get(f"{BASE}/customers/{c.customer_id}").get_data(as_text=True)
    gm = login("gm@dealer-sh01.demo", c=app.test_client())
    assert label in gm.get(f"{BASE}/complaints/").get_data(as_text=True)
    assert client.post(f"{BASE}/customers/{c.customer_id}/erase", data={"confirm": "y"}).status_code == 409


def test_erasing_a_customer_leaves_the_monthly_report_unchanged(app, in_tenant):
    from portal.reports import documents
    from portal.reports.rules import Period
    with in_tenant("dealer-sh01") as t:
        admin = f.user("admin@dealer-sh01.demo")
        mine = [f.advance(f.complaint(**WHO, description=f"第{i}次"), Move.REVISIT) for i in range(2)]
        f.advance(f.complaint(phone="13700000002", customer_name="别人"), Move.TRANSFER)
        settings.save(t, "privacy", {"retention_months": 1}, admin, 0)
        period = Period.month_of(datetime.datetime.fromisoformat(documents.local(now(), t.timezone)).date())
        before = documents.monthly(t, period)
        done = erasure.erase(Customer.get_by_id(mine[0].customer_id), t, admin, at=now() + datetime.timedelta(days=70))
        after = documents.monthly(t, period)
    assert done.complaints == 2
    assert before["figures"]["new"] >= 3 and before["figures"]["closed"] >= 2  # the erased complaints count
    for doc in (before, after):
        doc.pop("generated_at")
    assert after == before


def test_the_retention_period_is_a_tenant_setting_recorded_in_the_log(app, client, login, in_tenant):
    login("admin@dealer-sh01.demo")
    page = client.get(f"{BASE}/settings/privacy").get_data(as_text=True)
    assert 'value="36"' in page
    response = client.post(f"{BASE}/settings/privacy", data={"retention_months": "24", "version": "0"})
    assert response.status_code == 303
    with in_tenant("dealer-sh01") as t:
        assert settings.load(t, "privacy")["retention_months"] == 24
        event = Event.select().where(Event.kind == "settings.changed").order_by(Event.id.desc()).first()
    assert event.loaded("data") == {"group": "privacy"} and event.loaded("after") == {"retention_months": 24}
    bad = client.post(f"{BASE}/settings/privacy", data={"retention_months": "0", "version": "1"})
    assert bad.status_code == 422
