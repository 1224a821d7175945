"""The customer's status link: what the customer sees and does, and what staff do with the link."""
import io
import logging
import re
import statistics
import time

import pytest

from portal.accounts.models import User
from portal.complaints import actions as complaint_actions
from portal.complaints.models import Attachment, Complaint, Customer, Note, Plan
from portal.complaints.rules import Move, Status
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.sla import settings
from portal.status import actions, links
from portal.status.models import CustomerAction
from portal.tenancy.models import Department
from tests import factories as f
from tests.conftest import translated

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64



def nonce(html: str, form: str) -> str:
    return re.search(rf'id="{form}-nonce"[^>]*value="([^"]+)"', html).group(1)


def plan_id(html: str) -> str:
    return re.search(r'name="plan" value="(\d+)"', html).group(1)


def open_complaint(in_tenant, until=None, **overrides):
    """A complaint in dealer-sh01 (walked to `until`) and the path of its status link."""
    with in_tenant("dealer-sh01"):
        c = f.complaint(**overrides)
        if until:
            f.advance(c, until)
        return c, f.status_path(c)


def reload(in_tenant, c):
    with in_tenant("dealer-sh01"):
        return Complaint.get_by_id(c.id)


def complaint_events(in_tenant, c, kind=None):
    with in_tenant("dealer-sh01"):
        query = Event.select().where((Event.subject_type == "complaint") & (Event.subject_id == c.id))
        if kind:
            query = query.where(Event.kind == kind)
        return list(query.order_by(Event.id))


def outbox(in_tenant, recipient=None):
    with in_tenant("dealer-sh01"):
        query = OutboxMessage.select().order_by(OutboxMessage.id)
        return [m for m in query if recipient is None or m.recipient == recipient]


# --- what the customer sees --------------------------------------------------------------------

def test_the_page_shows_number_plain_step_promised_date_and_the_outlets_contact(app, client, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        settings.save(tenant, "customer_link", {**links.link_settings(tenant), "contact_phone": "021 5555 0101",
                                                 "contact_hours": "9:00–18:00"}, f.user("admin@dealer-sh01.demo"), 0)
    c, path = open_complaint(in_tenant, Move.TRANSFER)
    response = client.get(path, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert c.number in html
    assert translated(app, "Being handled by the responsible department") in html  # the customer's language
    assert translated(app, "We promised to reply by") in html
    assert "上海浦东一店" in html and "021 5555 0101" in html and "9:00–18:00" in html


def test_customer_pages_send_no_referrer_no_store_and_noindex(app, client, in_tenant):
    _c, path = open_complaint(in_tenant)
    for url in (path, "/s/" + "A" * 32, "/s/lookup"):
        response = client.get(url)
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["Cache-Control"] == "no-store", url
        assert "noindex" in response.headers["X-Robots-Tag"], url


def test_the_page_runs_a_handful_of_queries(app, client, in_tenant):
    _c, path = open_complaint(in_tenant, Move.TRANSFER)
    client.get(path)
    assert len(_statements_of(lambda: client.get(path))) <= 10


def test_an_expired_form_gets_the_customers_error_page_not_the_staff_one(app, client, in_tenant):
    _c, path = open_complaint(in_tenant)
    response = client.post(f"{path}/urge", csrf=False)
    assert response.status_code == 400
    assert "c-card" in response.get_data(as_text=True) and "topbar" not in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_masks_the_phone_and_email_it_shows(app, client, in_tenant):
    _c, path = open_complaint(in_tenant, phone="13912345678", email="wang.fang@example.com")
    html = client.get(path).get_data(as_text=True)
    assert "139****5678" in html and "w***@example.com" in html
    assert "13912345678" not in html and "wang.fang" not in html


def test_the_page_is_in_the_customers_language_which_they_can_change(app, client, in_tenant, ):
    c, path = open_complaint(in_tenant)
    assert 'lang="zh-Hans"' in client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/language", data={"lang": "en"})
    assert response.status_code == 303
    assert 'lang="en"' in client.get(path).get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        assert Customer.get_by_id(c.customer_id).locale == "en"


# --- tokens that do not open a complaint ---------------------------------------------------------

def bad_tokens(in_tenant):
    """An unknown, a revoked and an expired token (all well-formed)."""
    with in_tenant("dealer-sh01") as tenant:
        revoked_c = f.complaint()
        revoked = f.status_path(revoked_c)
        actions.reissue(revoked_c, f.user("cs@dealer-sh01.demo"))
        expired_c = f.advance(f.complaint(), Move.REVISIT)
        settings.save(tenant, "customer_link", {**links.link_settings(tenant), "expiry_days": 0},
                      f.user("admin@dealer-sh01.demo"), 0)
        expired = f.status_path(expired_c)
        unknown = f.status_path(Complaint(id=987654, link_version=1))
    return {"unknown": unknown, "revoked": revoked, "expired": expired}


def test_unknown_revoked_and_expired_tokens_get_the_identical_404(app, client, in_tenant):
    answers = {}
    for name, path in bad_tokens(in_tenant).items():
        response = client.get(path)
        headers = {k: v for k, v in response.headers.items() if k not in ("Date",)}
        answers[name] = (response.status_code, headers, response.get_data())
        assert response.status_code == 404
        assert "Set-Cookie" not in response.headers
    assert answers["unknown"] == answers["revoked"] == answers["expired"]
    malformed = client.get("/s/not-a-token")
    assert (malformed.status_code, malformed.get_data()) == answers["unknown"][::2]


def test_posting_to_a_bad_token_is_the_same_404(app, client, in_tenant):
    bodies = set()
    for path in bad_tokens(in_tenant).values():
        response = client.post(f"{path}/urge")
        assert response.status_code == 404
        bodies.add(response.get_data())
    assert len(bodies) == 1
    assert bodies == {client.get("/s/" + "B" * 32).get_data()}


class _Statements(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seen = []

    def emit(self, record):
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        self.seen.append(sql)


def _statements_of(fn):
    handler, logger = _Statements(), logging.getLogger("peewee")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        fn()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return handler.seen


def test_unknown_revoked_and_expired_tokens_cost_the_same_queries_and_time(app, in_tenant):
    """The work behind a refusal does not depend on why: same statements, and no measurable time gap."""
    tokens = {name: path.rpartition("/")[2] for name, path in bad_tokens(in_tenant).items()}
    with app.test_request_context():
        work = {name: _statements_of(lambda t=t: links.resolve(t)) for name, t in tokens.items()}
        assert work["unknown"] == work["revoked"] == work["expired"]
        assert all(links.resolve(t) is None for t in tokens.values())
        attempts = [_time_resolve(tokens) for _ in range(3)]
    # A gap worth measuring would be a query or a write more (≥ 0.1 ms on SQLite, ≥ 1 ms on PostgreSQL
    # through a socket); the machine's load is noise, so one quiet attempt out of three is enough.
    assert any(max(q.values()) - min(q.values()) < max(0.25 * min(q.values()), 0.0005) for q in attempts), attempts


def _time_resolve(tokens: dict) -> dict:
    """The lower quartile of 40 interleaved timings per token (load on the machine hits all alike)."""
    samples = {name: [] for name in tokens}
    for _ in range(40):
        for name, token in tokens.items():
            start = time.perf_counter()
            links.resolve(token)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.quantiles(v, n=4)[0] for name, v in samples.items()}


def test_guessing_tokens_is_throttled_per_address(app, client, in_tenant):
    _c, good = open_complaint(in_tenant)
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    statuses = [client.get("/s/" + f"{i:032d}", environ_base=guesser).status_code for i in range(22)]
    assert statuses[:20] == [404] * 20 and statuses[20:] == [429, 429]
    # Blocked is blocked: a valid token from that address would otherwise tell itself apart.
    assert client.get(good, environ_base=guesser).status_code == 429
    assert client.get(good, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200


def test_links_keep_working_when_the_session_secret_is_rotated_if_they_have_their_own(app, in_tenant):
    app.config["STATUS_LINK_SECRET"] = "link-secret"
    _c, path = open_complaint(in_tenant)
    app.config["SECRET_KEY"] = "rotated-session-secret"
    assert app.test_client().get(path).status_code == 200
    app.config["STATUS_LINK_SECRET"] = "another-link-secret"
    assert app.test_client().get(path).status_code == 404


def test_reissuing_revokes_the_old_link_and_the_panel_shows_the_new_one(app, client, login, in_tenant):
    c, old = open_complaint(in_tenant)
    login("cs@dealer-sh01.demo")
    response = client.post(f"/t/dealer-sh01/complaints/{c.id}/customer-link/reissue")
    assert response.status_code == 303
    with in_tenant("dealer-sh01"):
        new = f.status_path(reload(in_tenant, c))
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    detail = client.get(f"/t/dealer-sh01/complaints/{c.id}").get_data(as_text=True)
    assert new in detail and old not in detail
    assert [e.kind for e in complaint_events(in_tenant, c, "status.link_reissued")] == ["status.link_reissued"]


# --- the customer's answers: the same events as the staff forms -----------------------------------

def comparable(event) -> tuple:
    data = {k: v for k, v in (event.loaded("data") or {}).items() if k != "plan"}
    return (event.kind, event.public, data, (event.loaded("before") or {}).get("status"),
            (event.loaded("after") or {}).get("status"))


@pytest.mark.parametrize("agreed", [True, False], ids=["accept", "reject"])
def test_answering_the_plan_from_the_link_records_what_the_staff_form_records(app, client, login, in_tenant, agreed):
    by_staff, _ = open_complaint(in_tenant, Move.PROPOSE_PLAN)
    by_customer, path = open_complaint(in_tenant, Move.PROPOSE_PLAN)
    html = client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/answer", data={"nonce": nonce(html, "answer"), "plan": plan_id(html),
                                                    "answer": "accept" if agreed else "reject", "opinion": "好的"})
    assert response.status_code == 303
    staff = login("cs@dealer-sh01.demo", c=app.test_client())
    response = staff.post(f"/t/dealer-sh01/complaints/{by_staff.id}/step/customer_response",
                          data={"version": reload(in_tenant, by_staff).version, "agreed": "yes" if agreed else "no",
                                "opinion": "好的"})
    assert response.status_code == 303
    [mine] = complaint_events(in_tenant, by_customer, "complaint.moved")[-1:]
    [theirs] = complaint_events(in_tenant, by_staff, "complaint.moved")[-1:]
    assert comparable(mine) == comparable(theirs)
    assert mine.actor_id is None and mine.actor_label == "customer"
    with in_tenant("dealer-sh01"):
        plan = Plan.get(Plan.complaint == by_customer.id)
        assert plan.agreed is agreed and plan.answered_by_customer and plan.customer_opinion == "好的"
    assert reload(in_tenant, by_customer).status == (Status.IMPLEMENTING if agreed else Status.TRANSFERRED)


def test_accepting_without_a_comment_records_the_acceptance_in_the_customers_words(app, client, in_tenant):
    c, path = open_complaint(in_tenant, Move.PROPOSE_PLAN)
    html = client.get(path).get_data(as_text=True)
    client.post(f"{path}/answer", data={"nonce": nonce(html, "answer"), "plan": plan_id(html), "answer": "accept"})
    with in_tenant("dealer-sh01"):
        assert Plan.get(Plan.complaint == c.id).customer_opinion


def test_rejecting_needs_a_reason_and_keeps_what_was_typed(app, client, in_tenant):
    c, path = open_complaint(in_tenant, Move.PROPOSE_PLAN)
    html = client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/answer", data={"nonce": nonce(html, "answer"), "plan": plan_id(html),
                                                    "answer": "reject", "opinion": "  "})
    assert response.status_code == 422
    assert reload(in_tenant, c).status == Status.PLAN_PROPOSED


@pytest.mark.parametrize("level, closed", [("very_satisfied", True), ("dissatisfied", False)])
def test_the_survey_from_the_link_records_what_a_phone_revisit_records(app, client, login, in_tenant, level, closed):
    by_staff, _ = open_complaint(in_tenant, Move.IMPLEMENT)
    by_customer, path = open_complaint(in_tenant, Move.IMPLEMENT)
    html = client.get(path).get_data(as_text=True)
    assert 'id="survey"' in html
    response = client.post(f"{path}/survey", data={"nonce": nonce(html, "survey"), "satisfaction": level,
                                                    "comment": "师傅很专业"})
    assert response.status_code == 303
    staff = login("cs@dealer-sh01.demo", c=app.test_client())
    staff.post(f"/t/dealer-sh01/complaints/{by_staff.id}/step/revisit",
               data={"version": reload(in_tenant, by_staff).version, "satisfaction": level, "comment": "师傅很专业"})
    mine = complaint_events(in_tenant, by_customer, "complaint.moved")[-1]
    theirs = complaint_events(in_tenant, by_staff, "complaint.moved")[-1]
    assert comparable(mine) == comparable(theirs)
    assert mine.actor_label == "customer"  # staff see that the customer answered
    assert reload(in_tenant, by_customer).status == (Status.CLOSED if closed else Status.TRANSFERRED)


def test_on_a_crisis_the_customers_first_satisfied_answer_does_not_close_it(app, client, in_tenant):
    """DOMAIN.md §5: a crisis needs a second revisit; the link's survey follows the revisit rules."""
    c, path = open_complaint(in_tenant, Move.IMPLEMENT)
    with in_tenant("dealer-sh01"):
        Complaint.update(crisis=True).where(Complaint.id == c.id).execute()
    html = client.get(path).get_data(as_text=True)
    client.post(f"{path}/survey", data={"nonce": nonce(html, "survey"), "satisfaction": "satisfied", "comment": ""})
    assert reload(in_tenant, c).status == Status.REVISIT_PENDING


@pytest.mark.parametrize("form", ["answer", "survey", "info"])
def test_a_double_tap_records_once_and_shows_the_current_state(app, client, in_tenant, form):
    until = {"answer": Move.PROPOSE_PLAN, "survey": Move.IMPLEMENT, "info": Move.TRANSFER}[form]
    c, path = open_complaint(in_tenant, until)
    html = client.get(path).get_data(as_text=True)
    data = {"answer": {"plan": plan_id(html) if form == "answer" else "", "answer": "reject", "opinion": "太贵"},
            "survey": {"satisfaction": "satisfied", "comment": ""},
            "info": {"text": "补充：还有异响"}}[form]
    before = len(complaint_events(in_tenant, c))
    first = client.post(f"{path}/{form}", data={"nonce": nonce(html, form), **data})
    second = client.post(f"{path}/{form}", data={"nonce": nonce(html, form), **data})
    assert first.status_code == second.status_code == 303
    assert len(complaint_events(in_tenant, c)) == before + 1
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already recorded" in page or "已" in page


def test_answering_a_plan_that_was_replaced_meanwhile_is_refused(app, client, in_tenant):
    c, path = open_complaint(in_tenant, Move.PROPOSE_PLAN)
    stale = client.get(path).get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        gm = f.user("gm@dealer-sh01.demo")
        perms = complaint_actions.permissions_of(gm, c.tenant)
        c = Complaint.get_by_id(c.id)
        complaint_actions.move(c, Move.CUSTOMER_RESPONSE, gm, perms, {"agreed": False, "opinion": "电话里拒绝"})
        complaint_actions.move(c, Move.PROPOSE_PLAN, gm, perms, {"cause": "c", "solution": "新的方案"})
    response = client.post(f"{path}/answer", data={"nonce": nonce(stale, "answer"), "plan": plan_id(stale),
                                                    "answer": "accept"})
    assert response.status_code == 409
    assert "新的方案" in response.get_data(as_text=True)
    assert reload(in_tenant, c).status == Status.PLAN_PROPOSED


# --- adding information, urging -----------------------------------------------------------------

def test_information_and_photos_from_the_customer_reach_the_handler_as_events(app, client, in_tenant):
    c, path = open_complaint(in_tenant, Move.TRANSFER)
    with in_tenant("dealer-sh01"):
        complaint_actions.assign(c, f.user("cs@dealer-sh01.demo"), assignee=f.user("advisor@dealer-sh01.demo"))
    html = client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/info", content_type="multipart/form-data",
                           data={"nonce": nonce(html, "info"), "text": "仪表盘照片见附件",
                                 "photos": [(io.BytesIO(PNG), "dash.png")]})
    assert response.status_code == 303
    kinds = [(e.kind, e.actor_label, e.public) for e in complaint_events(in_tenant, c)[-2:]]
    assert kinds == [("note.added", "customer", True), ("attachment.added", "customer", True)]
    with in_tenant("dealer-sh01"):
        assert Note.get(Note.complaint == c.id).from_customer
        assert Attachment.get(Attachment.complaint == c.id).from_customer
    mails = outbox(in_tenant, "advisor@dealer-sh01.demo")
    assert mails and c.number in mails[-1].subject


def test_uploads_from_the_customer_are_checked_like_staff_uploads(app, client, in_tenant):
    c, path = open_complaint(in_tenant)
    html = client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/info", content_type="multipart/form-data",
                           data={"nonce": nonce(html, "info"), "text": "看附件",
                                 "photos": [(io.BytesIO(b"MZ\x90\x00 not a photo"), "virus.exe")]})
    assert response.status_code == 422
    assert "virus.exe" in response.get_data(as_text=True)
    empty = client.post(f"{path}/info", data={"nonce": nonce(html, "info"), "text": " "})
    assert empty.status_code == 422
    assert not complaint_events(in_tenant, c, "note.added")


def test_adding_information_is_rate_limited(app, client, in_tenant):
    app.config["STATUS_INFO_PER_LINK"] = (2, 3600)
    _c, path = open_complaint(in_tenant)
    statuses = []
    for i in range(3):
        html = client.get(path).get_data(as_text=True)
        statuses.append(client.post(f"{path}/info", data={"nonce": nonce(html, "info"), "text": f"第{i}条"}).status_code)
    assert statuses == [303, 303, 429]


def test_customer_forms_are_rate_limited_per_link(app, client, in_tenant):
    app.config["STATUS_POSTS_PER_LINK"] = (3, 600)
    _c, path = open_complaint(in_tenant)
    statuses = [client.post(f"{path}/urge").status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_urging_counts_once_per_working_day_and_tells_the_handler_and_their_leader(app, client, in_tenant):
    c, path = open_complaint(in_tenant, Move.TRANSFER)
    with in_tenant("dealer-sh01"):
        dept = Department.get(Department.name == "售后服务部")
        complaint_actions.assign(c, f.user("cs@dealer-sh01.demo"), department=dept,
                                 assignee=f.user("advisor@dealer-sh01.demo"))
        leader = User.get_by_id(dept.leader_id)
    assert client.post(f"{path}/urge").status_code == 303
    again = client.post(f"{path}/urge")
    assert again.status_code == 303
    told = translated(app, "You already asked us to hurry today. You can do so again on the next working day.")
    assert told in client.get(again.headers["Location"]).get_data(as_text=True)
    urges = complaint_events(in_tenant, c, "complaint.urged")
    assert len(urges) == 1 and urges[0].public and urges[0].actor_label == "customer"
    told = {m.recipient for m in outbox(in_tenant) if "urged" in m.subject.lower() or "催办" in m.subject}
    assert {"advisor@dealer-sh01.demo", leader.email} <= told
    staff_view = reload(in_tenant, c)
    with in_tenant("dealer-sh01"):
        # the next working day may urge again
        import datetime
        from portal.db import now
        actions.urge(staff_view, at=now() + datetime.timedelta(days=7))
    assert len(complaint_events(in_tenant, c, "complaint.urged")) == 2


def test_urges_are_counted_for_the_monthly_report(app, client, in_tenant):
    import datetime

    from portal.db import now
    from portal.status import queries
    first, path = open_complaint(in_tenant, Move.TRANSFER)
    client.post(f"{path}/urge")
    with in_tenant("dealer-sh01"):
        actions.urge(reload(in_tenant, first), at=now() + datetime.timedelta(days=7))
        start, end = now() - datetime.timedelta(days=1), now() + datetime.timedelta(days=1)
        assert queries.urges_between(start, end) == 2  # stored at the moment of urging
        assert queries.urged_complaints_between(start, end) == 1
    with in_tenant("dealer-sh02"):
        assert queries.urges_between(start, end) == 0  # another tenant's report counts its own


def test_urging_is_not_offered_while_the_customer_is_asked_to_answer_or_after_closing(app, client, in_tenant):
    for until in (Move.PROPOSE_PLAN, Move.IMPLEMENT, Move.REVISIT):
        _c, path = open_complaint(in_tenant, until)
        assert 'id="urge"' not in client.get(path).get_data(as_text=True)
        assert client.post(f"{path}/urge").status_code == 409


# --- mail to the customer -------------------------------------------------------------------------

def test_the_customer_is_mailed_with_the_link_when_a_note_is_published_a_plan_proposed_and_it_closes(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(email="kunde@example.test")
        Customer.update(locale="en").where(Customer.id == c.customer_id).execute()
        cs = f.user("cs@dealer-sh01.demo")
        complaint_actions.add_note(c, cs, "内部：客户情绪激动")  # internal: no mail
        assert outbox(in_tenant, "kunde@example.test") == []
        complaint_actions.add_note(c, cs, "我们已联系配件中心", public=True)
        f.advance(c, Move.PROPOSE_PLAN)
        f.advance(c, Move.REVISIT)
        path = f.status_path(c)
    mails = outbox(in_tenant, "kunde@example.test")
    assert [m.subject for m in mails] == [f"News about your complaint {c.number}",
                                         f"Complaint {c.number}: a solution is proposed",
                                         f"Complaint {c.number} is closed"]
    assert all(path in m.body for m in mails)
    assert all("内部" not in m.body and "客户情绪激动" not in m.body for m in mails)


def test_staff_send_the_link_by_mail_in_the_language_they_choose(app, client, login, in_tenant):
    c, path = open_complaint(in_tenant, email="kunde@example.test")
    login("cs@dealer-sh01.demo")
    response = client.post(f"/t/dealer-sh01/complaints/{c.id}/customer-link/send", data={"locale": "zh_Hant"})
    assert response.status_code == 303
    [mail] = outbox(in_tenant, "kunde@example.test")
    assert path in mail.body
    with in_tenant("dealer-sh01"):
        assert Customer.get_by_id(c.customer_id).locale == "zh_Hant"
    no_mail, _ = open_complaint(in_tenant, phone="13911112222", email="")
    response = client.post(f"/t/dealer-sh01/complaints/{no_mail.id}/customer-link/send", data={"locale": "en"})
    assert response.status_code == 422


# --- the lookup page ------------------------------------------------------------------------------

def test_lookup_sends_the_link_to_the_email_on_file_and_always_answers_the_same(app, client, in_tenant):
    c, path = open_complaint(in_tenant, phone="13912345678", email="kunde@example.test")
    answers = []
    for number, phone in ((c.number, "139 1234 5678"), (c.number, "13900000000"), ("XX-000000-0000", "13912345678"),
                          (c.number.lower(), "+86 139-1234-5678")):
        response = client.post("/s/lookup", data={"number": number, "phone": phone})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        answers.append(re.sub(r'value="[^"]*"', "", body))
        assert "kunde" not in body and path not in body
    assert len(set(answers)) == 1
    mails = outbox(in_tenant, "kunde@example.test")
    assert len(mails) == 2 and all(path in m.body for m in mails)
    assert [e.loaded("data") for e in complaint_events(in_tenant, c, "status.link_sent")] == [{"via": "lookup"}] * 2


def test_lookup_is_throttled_per_address_and_per_complaint(app, client, in_tenant):
    c, _ = open_complaint(in_tenant, phone="13912345678", email="kunde@example.test")
    for i in range(5):
        client.post("/s/lookup", data={"number": c.number, "phone": "13912345678"},
                    environ_base={"REMOTE_ADDR": f"198.51.100.{i}"})
    assert len(outbox(in_tenant, "kunde@example.test")) == 3  # per complaint and day
    statuses = [client.post("/s/lookup", data={"number": "X", "phone": "13900000000"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


# --- staff side -------------------------------------------------------------------------------------

def test_the_panel_shows_link_and_qr_to_customer_staff_and_to_whoever_logged_it(app, client, login, in_tenant):
    c, path = open_complaint(in_tenant, actor_email="cs@dealer-sh01.demo")
    detail = f"/t/dealer-sh01/complaints/{c.id}"
    cs = login("cs@dealer-sh01.demo", c=app.test_client()).get(detail).get_data(as_text=True)
    assert path in cs and "<svg" in cs and "customer-link/reissue" in cs
    advisor = login("advisor@dealer-sh01.demo", c=app.test_client()).get(detail).get_data(as_text=True)
    assert path not in advisor and 'id="customer-link"' not in advisor  # could answer for the customer
    front, front_path = open_complaint(in_tenant, actor_email="advisor@dealer-sh01.demo", phone="13911110000")
    mine = login("advisor@dealer-sh01.demo", c=app.test_client()).get(f"/t/dealer-sh01/complaints/{front.id}")
    html = mine.get_data(as_text=True)
    assert front_path in html and "customer-link/reissue" not in html  # may hand it over, not manage it


def test_the_acceptance_receipt_carries_the_qr_code_and_link(app, client, login, in_tenant):
    c, path = open_complaint(in_tenant)
    login("cs@dealer-sh01.demo")
    html = client.get(f"/t/dealer-sh01/complaints/{c.id}/print/receipt").get_data(as_text=True)
    assert "<svg" in html and path in html


def test_tenant_admins_set_expiry_and_contact_and_whether_staff_names_show(app, client, login, in_tenant):
    login("admin@dealer-sh01.demo")
    page = client.get("/t/dealer-sh01/settings/customer-link")
    assert page.status_code == 200
    response = client.post("/t/dealer-sh01/settings/customer-link",
                           data={"version": "0", "expiry_days": "30", "contact_phone": "400-800-1234",
                                 "contact_email": "", "contact_address": "", "contact_hours": "",
                                 "show_staff_names": "y"})
    assert response.status_code == 303
    bad = client.post("/t/dealer-sh01/settings/customer-link", data={"version": "1", "expiry_days": "-1"})
    assert bad.status_code == 422
    with in_tenant("dealer-sh01") as tenant:
        cfg = links.link_settings(tenant)
    assert cfg["expiry_days"] == 30 and cfg["contact_phone"] == "400-800-1234" and cfg["show_staff_names"] is True
    c, path = open_complaint(in_tenant, Move.START_INVESTIGATION)
    html = app.test_client().get(path).get_data(as_text=True)
    assert "400-800-1234" in html and f.user_name("gm@dealer-sh01.demo") in html


def test_customer_forms_cannot_reach_another_tenants_complaint(app, client, in_tenant):
    """The token decides the tenant: a token for one tenant never opens data of another."""
    with in_tenant("dealer-sh02"):
        other = f.complaint("dealer-sh02", description="二店的投诉")
        other_path = f.status_path(other)
    _c, path = open_complaint(in_tenant)
    html = client.get(path).get_data(as_text=True)
    assert "上海闵行二店" not in html
    assert "上海闵行二店" in client.get(other_path).get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        assert not CustomerAction.select().exists()
