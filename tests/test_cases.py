"""The case library (客服案例库): written up from closed complaints, masked, searchable in Chinese, shared."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from portal.cases import rules
from portal.cases.models import Case, CaseGram
from portal.complaints.models import Complaint
from portal.complaints.rules import Move
from portal.events import Event
from portal.sla import clocks
from portal.sla.models import Deadline
from tests import factories as f
from tests.conftest import translated
from tests.test_query_counts import counting

BASE = "/t/dealer-sh01/cases"
HEADLIGHT = "车辆大灯灯光发颤，客户张伟（13800138000）要求更换大灯总成，邮箱 zhang.wei@example.com"


# --- text rules, no database ----------------------------------------------------------------------

def test_the_customers_phone_name_and_email_are_masked_wherever_they_appear():
    text = rules.scrub(HEADLIGHT + "，车牌沪A12345，另一号码 139-1234-5678", names=["张伟"], phones=["13800138000"],
                       plates=["沪A12345"])
    assert "张伟" not in text and "张*" in text
    assert "13800138000" not in text and "138****8000" in text and "139****5678" in text
    assert "zhang.wei@example.com" not in text and "z***@example.com" in text
    assert "沪A12345" not in text and "沪A***45" in text
    assert "大灯" in text  # the story itself stays


def test_chinese_search_terms_become_bigrams():
    assert rules.grams("大灯发颤") == {"大灯", "灯发", "发颤"}
    assert rules.terms("  大灯  ＡＢ 大灯 ") == ["大灯", "ab"]  # full-width folded, duplicates dropped
    assert rules.query_grams(["灯"]) == set()  # one character: matched by LIKE alone


chinese = st.text(alphabet=st.sampled_from(list("车辆大灯灯光发颤配件等待服务态度收费维修 ABc，。")), min_size=2, max_size=40)


@settings(max_examples=200, deadline=None)
@given(text=chinese, data=st.data())
def test_any_piece_of_a_text_is_found_by_its_bigrams_and_highlighted(text, data):
    start = data.draw(st.integers(0, len(text) - 2))
    piece = text[start:start + data.draw(st.integers(2, len(text) - start))]
    words = rules.terms(piece)
    assert rules.query_grams(words) <= rules.grams(text)  # the index never misses a case that contains it
    marked = rules.highlight(text, words)
    if words:
        assert "<mark>" in marked
    assert re.sub(r"</?mark>", "", str(marked)) == str(Markup.escape(text))


def test_highlighting_escapes_everything_but_the_marks():
    out = rules.highlight("<script>alert(1)</script> 大灯", ["大灯"])
    assert str(out) == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>大灯</mark>"


# --- the library ------------------------------------------------------------------------------------

def closed_headlight_complaint(in_tenant, slug="dealer-sh01", **overrides):
    with in_tenant(slug):
        c = f.complaint(slug, description=HEADLIGHT, customer_name="张伟", phone="13800138000", **overrides)
        return f.advance(c, Move.REVISIT, tenant_slug=slug)


def case_form(client, cid, **changes):
    """The pre-filled form's values, with the sections a writer must add."""
    html = client.get(f"{BASE}/new/{cid}").get_data(as_text=True)
    values = {name: value for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', html)}
    for name in ("scenario", "cause", "practice", "handling", "improvements"):
        found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
        values[name] = found.group(1) if found else ""
    select = re.search(r'<select[^>]*name="category".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option selected value="(\d+)"', select)
    values["category"] = chosen.group(1) if chosen else "0"
    values.update(practice="先确认配件到货时间再承诺", improvements="建立配件预警", grade="important", tags="配件 技术支持")
    values.pop("csrf_token", None)
    values.update(changes)
    return html, values


def test_a_case_written_from_a_closed_complaint_is_prefilled_masked_and_found_by_a_chinese_word(in_tenant, login):
    c = closed_headlight_complaint(in_tenant)
    client = login("manager@dealer-sh01.demo")
    html, values = case_form(client, c.id)
    assert "大灯" in html and "张*" in html and "138****8000" in html
    assert "13800138000" not in html and "张伟" not in html
    response = client.post(f"{BASE}/new/{c.id}", data=values)
    assert response.status_code == 303
    with in_tenant("dealer-sh01"):
        case = Case.get(Case.complaint == c.id)
        assert CaseGram.select().where(CaseGram.case == case.id).count() > 10
        assert Event.select().where((Event.kind == "case.saved") & (Event.subject_id == case.id)).exists()
    results = client.get(f"{BASE}/?q=大灯").get_data(as_text=True)
    assert "<mark>大灯</mark>" in results and f"/cases/{case.id}" in results
    assert "13800138000" not in results and "张伟" not in results
    assert f"/cases/{case.id}" in client.get(f"{BASE}/?q=大灯 发颤").get_data(as_text=True)
    assert f"/cases/{case.id}" in client.get(f"{BASE}/?q=灯").get_data(as_text=True)  # one character: LIKE
    assert f"/cases/{case.id}" not in client.get(f"{BASE}/?q=灯光闪烁").get_data(as_text=True)
    page = client.get(f"{BASE}/{case.id}?q=大灯").get_data(as_text=True)
    assert "<mark>大灯</mark>" in page and "13800138000" not in page and "z***@example.com" in page
    assert client.get(f"{BASE}/new/{c.id}").headers["Location"].endswith(f"/cases/{case.id}")  # one case each


def test_text_typed_into_a_case_is_masked_too_and_html_is_escaped(in_tenant, login):
    c = closed_headlight_complaint(in_tenant)
    client = login("manager@dealer-sh01.demo")
    _, values = case_form(client, c.id, practice="回电张伟 13800138000 确认", title="<b>大灯</b>案例")
    assert client.post(f"{BASE}/new/{c.id}", data=values).status_code == 303
    with in_tenant("dealer-sh01"):
        case = Case.get(Case.complaint == c.id)
    assert case.practice == "回电张* 138****8000 确认"
    body = client.get(f"{BASE}/?q=大灯").get_data(as_text=True)
    assert "&lt;b&gt;<mark>大灯</mark>&lt;/b&gt;" in body and "<b>大灯" not in body


def test_an_open_complaint_cannot_be_written_up_and_invalid_input_keeps_what_was_typed(in_tenant, login):
    with in_tenant("dealer-sh01"):
        open_one = f.complaint(phone="13912345678")
    client = login("manager@dealer-sh01.demo")
    assert client.get(f"{BASE}/new/{open_one.id}").status_code == 404
    c = closed_headlight_complaint(in_tenant)
    _, values = case_form(client, c.id, practice="", title="我写的标题")
    response = client.post(f"{BASE}/new/{c.id}", data=values)
    assert response.status_code == 422 and "我写的标题" in response.get_data(as_text=True)


def test_a_crisis_case_written_in_the_library_meets_its_one_week_deadline(in_tenant, login):
    c = closed_headlight_complaint(in_tenant)
    with in_tenant("dealer-sh01"):
        Complaint.update(crisis=True).where(Complaint.id == c.id).execute()
        c = Complaint.get_by_id(c.id)
        clocks.start(c, "case_writeup")
    client = login("manager@dealer-sh01.demo")
    assert f"/cases/new/{c.id}" in client.get(f"{BASE}/").get_data(as_text=True)  # listed as due
    _, values = case_form(client, c.id)
    assert client.post(f"{BASE}/new/{c.id}", data=values).status_code == 303
    with in_tenant("dealer-sh01"):
        clock = Deadline.get((Deadline.complaint == c.id) & (Deadline.kind == "case_writeup"))
    assert clock.met_at is not None and clock.on_time


def test_a_case_is_private_until_shared_then_the_network_and_hq_read_it_and_hq_features_it(in_tenant, login, app):
    c = closed_headlight_complaint(in_tenant)
    owner = login("manager@dealer-sh01.demo")
    _, values = case_form(owner, c.id)
    owner.post(f"{BASE}/new/{c.id}", data=values)
    with in_tenant("dealer-sh01"):
        case = Case.get(Case.complaint == c.id)
    neighbour = login("manager@dealer-sh02.demo", c=app.test_client())
    hq = login("hq@svw.demo", c=app.test_client())
    other_network = login("hq@prop.demo", c=app.test_client())
    assert f"/cases/{case.id}" not in neighbour.get("/t/dealer-sh02/cases/?q=大灯").get_data(as_text=True)
    assert neighbour.get(f"/t/dealer-sh02/cases/{case.id}").status_code == 404
    assert hq.get(f"/hq/cases/{case.id}").status_code == 404
    assert owner.post(f"{BASE}/{case.id}/share", data={"shared": "1"}).status_code == 303
    found = neighbour.get("/t/dealer-sh02/cases/?q=大灯").get_data(as_text=True)
    assert f"/t/dealer-sh02/cases/{case.id}" in found and "<mark>大灯</mark>" in found
    page = neighbour.get(f"/t/dealer-sh02/cases/{case.id}").get_data(as_text=True)
    assert "13800138000" not in page and "/edit" not in page
    assert neighbour.get(f"/t/dealer-sh02/cases/{case.id}/edit").status_code == 404
    assert neighbour.post(f"/t/dealer-sh02/cases/{case.id}/share", data={"shared": "0"}).status_code == 404
    assert f"/hq/cases/{case.id}" in hq.get("/hq/cases/?q=大灯").get_data(as_text=True)
    assert other_network.get(f"/hq/cases/{case.id}").status_code == 404
    assert f"/hq/cases/{case.id}" not in other_network.get("/hq/cases/?q=大灯").get_data(as_text=True)
    assert hq.post(f"/hq/cases/{case.id}/feature", data={"featured": "1"}).status_code == 303
    with in_tenant("dealer-sh01"):
        assert Case.get_by_id(case.id).featured
    listing = neighbour.get("/t/dealer-sh02/cases/").get_data(as_text=True)
    assert f'<span class="badge ok">{translated(app, "Featured")}</span>' in listing


def test_two_editors_of_one_case_do_not_overwrite_each_other(in_tenant, login):
    c = closed_headlight_complaint(in_tenant)
    client = login("manager@dealer-sh01.demo")
    _, values = case_form(client, c.id)
    client.post(f"{BASE}/new/{c.id}", data=values)
    with in_tenant("dealer-sh01"):
        case = Case.get(Case.complaint == c.id)
    first = dict(values, title="第一次修改", version=str(case.version))
    second = dict(values, title="第二次修改", version=str(case.version))
    assert client.post(f"{BASE}/{case.id}/edit", data=first).status_code == 303
    stale = client.post(f"{BASE}/{case.id}/edit", data=second)
    assert stale.status_code == 409 and "第一次修改" in stale.get_data(as_text=True)
    assert f"/cases/{case.id}" in client.get(f"{BASE}/?q=第一次").get_data(as_text=True)
    assert f"/cases/{case.id}" not in client.get(f"{BASE}/?q=第二次").get_data(as_text=True)


def test_only_roles_with_the_case_permission_use_the_library(login, app):
    assert login("advisor@dealer-sh01.demo").get(f"{BASE}/").status_code == 403
    assert login("cs@dealer-sh01.demo", c=app.test_client()).get(f"{BASE}/").status_code == 200


def test_a_search_runs_a_fixed_handful_of_queries(in_tenant, login):
    client = login("manager@dealer-sh01.demo")
    client.get(f"{BASE}/?q=大灯")
    with counting() as statements:
        assert client.get(f"{BASE}/?q=大灯 发颤", headers={"HX-Request": "true"}).status_code == 200
    assert len(statements) <= 6, "\n".join(s[:120] for s in statements)
