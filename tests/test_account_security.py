"""Account security: password policy, lockout with admin unlock, sign-in limits that an office behind
one address survives, per-recipient limits on mail a customer can cause, no header injection."""
import re

import pytest

from portal.accounts.models import User
from portal.accounts.rules import password_problems
from portal.complaints import actions as complaint_actions
from portal.complaints.models import Complaint, Customer
from portal.complaints.rules import Move
from portal.events import Event
from portal.notify.actions import deliver_due
from portal.notify.models import OutboxMessage
from portal.scope import SYSTEM, scoped
from portal.tenancy.models import Category, Department, Membership
from tests import factories as f
from tests.conftest import translated_html as translated

CS = "cs@dealer-sh01.demo"
ADMIN = "admin@dealer-sh01.demo"
WRONG = "E-mail or password is wrong, or the account is disabled."
SLOW_DOWN = "Too many failed attempts. Wait a few minutes and try again."
LOCKED = ("Too many failed attempts: the account is locked. Ask an administrator of your workspace "
          "to unlock it; a headquarters account, the system's operator.")



def sign_in(client, email, password="kesu-demo", address="192.0.2.10"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def user_events(in_tenant, email, kind, slug="dealer-sh01"):
    with in_tenant(slug):
        user = User.get(User.email == email)
        return list(Event.select().where((Event.subject_type == "user") & (Event.subject_id == user.id)
                                         & (Event.kind == kind)))


# --- password policy ----------------------------------------------------------------------------

@pytest.mark.parametrize("password, problem", [
    ("Short-1", "too_short"),
    ("abcdefghijkl", "one_class"),
    ("ABCDEFGHIJKL", "one_class"),
    ("198403120736", "one_class"),
    ("!!!@@@###$$$%", "one_class"),
    ("Password123", "too_common"),
    ("1qaz2wsx3edc", "too_common"),
    ("woaini1314", "too_common"),
    ("aaaaaaaaaa1", "too_common"),
    ("li.ming@example.com", "like_email"),
    ("Li.Ming-2024", "like_email"),
])
def test_weak_passwords_are_refused_for_a_reason(password, problem):
    assert problem in password_problems(password, "li.ming@example.com")


@pytest.mark.parametrize("password", ["Spring-tide-42", "long-enough-secret", "tongzhou-2026", "客诉处理2024年春天",
                                      "correct horse battery staple"])
def test_reasonable_passwords_pass(password):
    assert password_problems(password, "li.ming@example.com") == []


def test_a_weak_password_is_refused_with_every_reason_translated_and_nothing_typed_lost(app, login, in_tenant):
    client = login(ADMIN)
    with in_tenant("dealer-sh01"):
        role = Membership.select().join(User).where(User.email == CS).get().role_id
    data = {"name": "李明", "email": "liming@dealer-sh01.demo", "role": role, "password": "liming"}
    response = client.post("/t/dealer-sh01/admin/users/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("The password needs at least %(n)d characters.",
                    "The password needs at least two kinds of characters: letters, digits or symbols.",
                    "The password must not contain the e-mail address or its name part."):
        expected = translated(app, message, n=10) if "%(n)d" in message else translated(app, message)
        assert expected in html
    assert 'value="李明"' in html and 'value="liming@dealer-sh01.demo"' in html
    assert User.get_or_none(User.email == "liming@dealer-sh01.demo") is None


def test_a_password_reset_follows_the_policy_too(app, login, in_tenant):
    client = login(ADMIN)
    with in_tenant("dealer-sh01"):
        member = Membership.select(Membership, User).join(User).where(User.email == CS).get()
    response = client.post(f"/t/dealer-sh01/admin/users/{member.id}/password",
                           data={"password": "qwertyuiop", "version": member.user.version})
    assert response.status_code == 422
    assert translated(app, "The password is too common or too simple.") in response.get_data(as_text=True)
    assert sign_in(app.test_client(), CS).status_code == 303  # the old password still works


# --- lockout ----------------------------------------------------------------------------------------

def lock_out(app, email, address="192.0.2.10"):
    """Fail to sign in as `email` as often as it takes to lock the account; the statuses seen."""
    client = app.test_client()
    return [sign_in(client, email, "not-the-password", address).status_code
            for _ in range(app.config.get("LOGIN_LOCK_FAILURES", 10))]


def test_ten_failures_lock_the_account_and_its_tenant_records_it(app, in_tenant):
    statuses = lock_out(app, CS)
    slow = app.config["LOGIN_MAX_FAILURES"]
    assert statuses == [422] * slow + [429] * (10 - slow)
    user = User.get(User.email == CS)
    assert user.locked and user.locked_at is not None
    [event] = user_events(in_tenant, CS, "user.locked")
    assert event.loaded("data") == {"failures": 10} and event.actor_label == "system"


def test_a_locked_account_is_refused_even_with_the_right_password_after_the_window(app, in_tenant):
    lock_out(app, CS)
    with scoped(SYSTEM):
        from portal.throttle import Throttle
        Throttle.delete().execute()  # the 15 minutes are over
    response = sign_in(app.test_client(), CS)
    assert response.status_code == 422
    assert translated(app, LOCKED) in response.get_data(as_text=True)


def test_a_lock_ends_the_sessions_of_the_account(app, login):
    victim = login(CS, c=app.test_client())
    assert victim.get("/t/dealer-sh01/").status_code == 200
    lock_out(app, CS, address="203.0.113.66")
    assert victim.get("/t/dealer-sh01/").status_code == 302


def _page(response, email):
    """The page without its per-session CSRF tokens and with the e-mail replaced."""
    html = re.sub(r'[\w.-]{20,}\.[\w-]{6}\.[\w-]{20,}', "token", response.get_data(as_text=True))
    return html.replace(email, "x")


def test_guessing_an_unknown_address_reads_exactly_like_guessing_a_real_one(app):
    real, unknown = app.test_client(), app.test_client()
    for _ in range(10):
        a = sign_in(real, CS, "not-the-password", "192.0.2.20")
        b = sign_in(unknown, "nobody@dealer-sh01.demo", "not-the-password", "192.0.2.21")
        assert a.status_code == b.status_code
        assert _page(a, CS) == _page(b, "nobody@dealer-sh01.demo")
    assert translated(app, LOCKED) in b.get_data(as_text=True)


def test_the_admin_sees_the_lock_and_unlocks_the_account_which_can_then_sign_in(app, login, in_tenant):
    lock_out(app, CS)
    admin = login(ADMIN)
    with in_tenant("dealer-sh01"):
        member = Membership.select(Membership, User).join(User).where(User.email == CS).get()
    listing = admin.get("/t/dealer-sh01/admin/users").get_data(as_text=True)
    row = listing[listing.index(member.user.name):][:600]
    assert translated(app, "Locked") in row
    page = admin.get(f"/t/dealer-sh01/admin/users/{member.id}").get_data(as_text=True)
    assert f"/t/dealer-sh01/admin/users/{member.id}/unlock" in page

    response = admin.post(f"/t/dealer-sh01/admin/users/{member.id}/unlock",
                          data={"version": member.user.version})
    assert response.status_code == 303
    assert not User.get(User.email == CS).locked
    [event] = user_events(in_tenant, CS, "user.unlocked")
    assert event.actor.email == ADMIN and event.loaded("after") == {"locked": False}
    assert sign_in(app.test_client(), CS).status_code == 303


def test_unlocking_with_an_old_version_is_refused_with_409(app, login, in_tenant):
    with in_tenant("dealer-sh01"):
        member = Membership.select(Membership, User).join(User).where(User.email == CS).get()
    shown = member.user.version
    lock_out(app, CS)  # the lock itself changed the account since the page was shown
    response = login(ADMIN).post(f"/t/dealer-sh01/admin/users/{member.id}/unlock", data={"version": shown})
    assert response.status_code == 409
    assert User.get(User.email == CS).locked


def test_only_user_admins_may_unlock(app, login, in_tenant):
    lock_out(app, CS)
    with in_tenant("dealer-sh01"):
        member = Membership.select(Membership, User).join(User).where(User.email == CS).get()
    manager = login("manager@dealer-sh01.demo")
    assert manager.post(f"/t/dealer-sh01/admin/users/{member.id}/unlock",
                        data={"version": User.get(User.email == CS).version}).status_code == 403
    other_admin = login("admin@dealer-sh02.demo", c=app.test_client())
    assert other_admin.post(f"/t/dealer-sh02/admin/users/{member.id}/unlock",
                            data={"version": User.get(User.email == CS).version}).status_code == 404
    assert User.get(User.email == CS).locked


def test_a_new_password_from_the_admin_also_unlocks(app, login, in_tenant):
    lock_out(app, CS)
    with in_tenant("dealer-sh01"):
        member = Membership.select(Membership, User).join(User).where(User.email == CS).get()
    response = login(ADMIN).post(f"/t/dealer-sh01/admin/users/{member.id}/password",
                                 data={"password": "Autumn-leaf-77", "version": User.get(User.email == CS).version})
    assert response.status_code == 303
    assert sign_in(app.test_client(), CS, "Autumn-leaf-77").status_code == 303


# --- one office, one address ------------------------------------------------------------------------

def test_an_office_behind_one_address_does_not_lock_itself_out(app):
    """Five colleagues each mistype four times, then get in: 20 failures from one address, no 429."""
    office = "198.51.100.7"
    people = [f"{p}@dealer-sh01.demo" for p in ("cs", "manager", "gm", "admin", "advisor")]
    for email in people:
        client = app.test_client()
        for _ in range(4):
            assert sign_in(client, email, "typo-typo-typo", office).status_code == 422
        assert sign_in(client, email, address=office).status_code == 303


def test_failures_from_one_address_across_many_emails_are_slowed_down(app):
    client = app.test_client()
    statuses = [sign_in(client, f"guess{i}@dealer-sh01.demo", "not-the-password", "203.0.113.5").status_code
                for i in range(21)]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429
    # a different address is not affected
    assert sign_in(app.test_client(), CS, address="203.0.113.6").status_code == 303


# --- mail a customer can cause --------------------------------------------------------------------------

def outbox_to(in_tenant, address):
    with in_tenant("dealer-sh01"):
        return list(OutboxMessage.select().where(OutboxMessage.recipient == address))


def test_link_lookups_mail_one_address_at_most_its_hourly_share(app, client, in_tenant):
    app.config["STATUS_MAILS_PER_RECIPIENT"] = (2, 3600)
    with in_tenant("dealer-sh01"):
        complaints = [f.complaint(phone="13912345678", email="victim@example.test") for _ in range(3)]
    for i, c in enumerate(complaints):  # each its own complaint and address: only the recipient limit holds
        response = client.post("/s/lookup", data={"number": c.number, "phone": "13912345678"},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{i + 20}"})
        assert response.status_code == 200
    assert len(outbox_to(in_tenant, "victim@example.test")) == 2


def test_urges_mail_a_handler_at_most_their_hourly_share_but_every_urge_is_recorded(app, client, in_tenant):
    app.config["STATUS_MAILS_PER_RECIPIENT"] = (1, 3600)
    paths = []
    with in_tenant("dealer-sh01"):
        dept = Department.get(Department.name == "售后服务部")
        for _ in range(2):
            c = f.advance(f.complaint(), Move.TRANSFER)
            complaint_actions.assign(c, f.user(CS), department=dept, assignee=f.user("advisor@dealer-sh01.demo"))
            paths.append((c, f.status_path(c)))
    for _c, path in paths:
        assert client.post(f"{path}/urge").status_code == 303
    urged = [m for m in outbox_to(in_tenant, "advisor@dealer-sh01.demo") if "催办" in m.subject]
    assert len(urged) == 1
    with in_tenant("dealer-sh01"):
        assert Event.select().where((Event.kind == "complaint.urged")
                                    & Event.subject_id.in_([c.id for c, _ in paths])).count() == 2


# --- header injection ----------------------------------------------------------------------------------

INJECTED = "\r\nBcc: spy@example.test\r\nX-Injected: 1"


def deliver(app):
    with app.app_context(), scoped(SYSTEM):
        return deliver_due(app)


def test_an_email_address_with_a_line_break_is_refused_at_intake(app, login, in_tenant):
    client = login(CS)
    with in_tenant("dealer-sh01"):
        category = Category.select().first().id
    response = client.post("/t/dealer-sh01/complaints/new", data={
        "kind": "complaint", "channel": "phone", "customer_name": "王芳", "phone": "13912345678",
        "email": "kunde@example.test" + INJECTED, "category": str(category), "description": "x",
        "complainants": "1", "intake_key": "k-inject"}, content_type="multipart/form-data")
    assert response.status_code == 422
    with in_tenant("dealer-sh01"):
        assert Complaint.select().count() == 0


def test_customer_text_with_line_breaks_never_becomes_a_mail_header(app, mailbox, login, in_tenant):
    """Customer data full of CR/LF and header lines travels in real mail through a real SMTP server:
    every message reaches only its recipient, with a one-line subject and no extra headers."""
    with in_tenant("dealer-sh01"):
        c = f.complaint(customer_name="王芳" + INJECTED, description="描述" + INJECTED, address="上海" + INJECTED,
                        email="kunde@example.test")
        # and an address stored with a line break (imported data, say): only its first line is used
        Customer.update(email="kunde2@example.test" + INJECTED).where(Customer.id == c.customer_id).execute()
    client = login(CS)
    assert client.post(f"/t/dealer-sh01/complaints/{c.id}/customer-link/send", data={"locale": "zh_Hans"}).status_code == 303
    with in_tenant("dealer-sh01"):
        f.advance(Complaint.get_by_id(c.id), Move.PROPOSE_PLAN)
    deliver(app)
    assert mailbox.messages, "the customer was mailed"
    assert mailbox.to("spy@example.test") == []
    for message in mailbox.messages:
        assert message["to"] == ["kunde2@example.test"] or not message["to"][0].startswith("kunde")
        headers = message["message"]
        assert headers["Bcc"] is None and headers["X-Injected"] is None
        assert "\n" not in message["subject"] and "\r" not in message["subject"]
    assert any(m["to"] == ["kunde2@example.test"] for m in mailbox.messages)
