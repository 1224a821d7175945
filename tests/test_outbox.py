"""The e-mail outbox: mail commits with the change that causes it, leaves through real SMTP,
survives a mail-server outage, and is shown to the tenant's admins (and nobody else's)."""
import datetime
import logging
import threading

import pytest

from portal import create_app, scope
from portal.db import atomic, database, now
from portal.notify import actions
from portal.notify.actions import MAX_ATTEMPTS, deliver_due, queue_mail, render_mail
from portal.notify.models import OutboxMessage, OutboxStatus
from portal.tenancy.models import Tenant
from tests.conftest import KesuClient, base_config
from tests.smtp import Collector, SmtpServer

LATER = datetime.timedelta(hours=2)  # past any backoff: the message is due again


def deliver(app, at=None) -> dict:
    """One delivery round, as the worker runs it (as of `at`, to look past a backoff)."""
    with app.app_context(), scope.scoped(scope.SYSTEM):
        return deliver_due(app, clock=(lambda: at) if at else now)


def reload(message) -> OutboxMessage:
    with scope.scoped(scope.SYSTEM):
        return OutboxMessage.get_by_id(message.id)


def queue(recipient="kunde@example.test", subject="您的投诉已受理", body="尊敬的客户：\n我们已收到您的投诉。\n",
          tenant="dealer-sh01") -> OutboxMessage:
    with scope.scoped(scope.SYSTEM), atomic():
        return queue_mail(recipient, subject, body, tenant=Tenant.get(Tenant.slug == tenant))


@pytest.fixture
def make_app(app, tmp_path):
    """Another app on this test's database, with other settings (MAIL_SERVER None unless given)."""
    def _make(**settings):
        if not database.is_closed():
            database.close()
        other = create_app(base_config(app.config["DATABASE_URL"], tmp_path, **settings))
        other.test_client_class = KesuClient
        return other
    return _make


@pytest.fixture
def outage(make_app):
    """(app, server): the app's SMTP server has gone away; `server.start()` brings it back on its port."""
    server = SmtpServer().start()
    down = make_app(MAIL_SERVER=server.host, MAIL_PORT=server.port)
    server.stop()
    yield down, server
    server.stop()


# --- queueing and sending -------------------------------------------------------------------

def test_mail_queued_in_a_transaction_arrives_with_recipient_subject_and_chinese_body(app, mailbox, in_tenant):
    with in_tenant("dealer-sh01"), atomic():
        message = queue_mail("kunde@example.test", "您的投诉已受理", "尊敬的客户：\n我们已收到您的投诉。\n")

    assert deliver(app) == {"sent": 1, "retry": 0, "failed": 0}
    [received] = mailbox.to("kunde@example.test")
    assert received["subject"] == "您的投诉已受理"
    assert received["body"].replace("\r\n", "\n") == "尊敬的客户：\n我们已收到您的投诉。\n"
    assert received["message"].get_content_charset() == "utf-8"
    sent = reload(message)
    assert (sent.status, sent.attempts, sent.last_error) == (OutboxStatus.SENT, 1, None)
    assert sent.sent_at is not None


def test_a_rolled_back_transaction_queues_no_mail(app, mailbox, in_tenant):
    with pytest.raises(RuntimeError), in_tenant("dealer-sh01"), atomic():
        queue_mail("kunde@example.test", "不该发出", "正文")
        raise RuntimeError("the change failed")

    with scope.scoped(scope.SYSTEM):
        assert not OutboxMessage.select().where(OutboxMessage.recipient == "kunde@example.test").exists()
    deliver(app)
    assert mailbox.messages == []


def test_subject_and_recipient_cannot_inject_headers(app, mailbox):
    message = queue(recipient="kunde@example.test\r\nBcc: spy@example.test",
                    subject="投诉进展\r\nBcc: spy@example.test\nX-Evil: 1")

    assert (message.recipient, message.subject) == ("kunde@example.test", "投诉进展 Bcc: spy@example.test X-Evil: 1")
    deliver(app)
    [received] = mailbox.messages
    assert received["to"] == ["kunde@example.test"]
    assert received["message"]["Bcc"] is None and received["message"]["X-Evil"] is None


def test_a_message_without_recipient_is_not_queued(app):
    assert queue(recipient="  \n") is None


def test_render_mail_takes_the_subject_from_the_first_line(app):
    with app.app_context(), scope.scoped(scope.SYSTEM):
        tenant = Tenant.get(Tenant.slug == "dealer-sh01")
        user = type("User", (), {"name": "王经理"})()
        subject, body = render_mail("test_message", locale="en", user=user, tenant=tenant)

    assert subject == "Test message from 上海浦东一店"
    assert body.startswith("Hello 王经理,\n")
    assert body.endswith(app.config["PUBLIC_BASE_URL"] + "\n")


# --- outages, retries, backoff ---------------------------------------------------------------

def test_while_smtp_is_down_mail_waits_with_its_error_and_leaves_once_when_it_is_back(outage):
    app, server = outage
    message = queue()

    assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    waiting = reload(message)
    assert (waiting.status, waiting.attempts) == (OutboxStatus.QUEUED, 1)
    assert "Connection refused" in waiting.last_error
    assert waiting.next_attempt_at >= now() + datetime.timedelta(seconds=25)  # backoff, not a hot loop

    server.start()
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 0}  # still backing off
    assert deliver(app, at=now() + LATER)["sent"] == 1
    assert deliver(app, at=now() + 2 * LATER)["sent"] == 0
    assert [m["to"] for m in server.messages] == [["kunde@example.test"]]
    assert reload(message).status == OutboxStatus.SENT


def test_a_dead_server_charges_only_the_message_that_was_tried(outage):
    app, _ = outage
    first, second = queue(recipient="a@example.test"), queue(recipient="b@example.test")

    deliver(app)

    assert (reload(first).attempts, reload(second).attempts) == (1, 0)
    assert reload(second).last_error is None
    assert deliver(app, at=now() + LATER) == {"sent": 0, "retry": 1, "failed": 0}  # one try per round


def test_after_the_last_attempt_a_message_is_failed_and_kept_with_a_growing_backoff(outage):
    app, _ = outage
    message = queue()
    waits, at = [], now()
    for _ in range(MAX_ATTEMPTS):
        deliver(app, at=at)
        waits.append(reload(message).next_attempt_at - at)
        at += LATER

    failed = reload(message)
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert failed.last_error
    assert [w.total_seconds() for w in waits] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert deliver(app, at=at) == {"sent": 0, "retry": 0, "failed": 0}  # given up: not retried alone


def test_an_admin_retries_a_failed_message_from_the_outbox_page(outage, login, mailbox):
    app, server = outage
    message = queue()
    with scope.scoped(scope.SYSTEM):
        OutboxMessage.update(attempts=MAX_ATTEMPTS - 1).where(OutboxMessage.id == message.id).execute()
    deliver(app)
    assert reload(message).status == OutboxStatus.FAILED
    client = login("admin@dealer-sh01.demo", c=app.test_client())
    page = client.get(f"/t/dealer-sh01/admin/outbox/{message.id}").get_data(as_text=True)
    assert "/retry" in page

    response = client.post(f"/t/dealer-sh01/admin/outbox/{message.id}/retry")

    assert response.status_code == 303
    requeued = reload(message)
    assert requeued.status == OutboxStatus.QUEUED and requeued.attempts <= 1  # a fresh set of attempts
    assert client.post(f"/t/dealer-sh01/admin/outbox/{message.id}/retry").status_code == 409
    server.start()
    deliver(app, at=now() + LATER)
    assert len(server.to("kunde@example.test")) == 1
    assert reload(message).status == OutboxStatus.SENT


def test_a_refused_recipient_waits_while_the_others_are_sent(make_app):
    class Picky(Collector):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("nobody@"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    server = SmtpServer()
    server.collector = Picky()
    server.start()
    try:
        app = make_app(MAIL_SERVER=server.host, MAIL_PORT=server.port)
        refused, fine = queue(recipient="nobody@example.test"), queue(recipient="fine@example.test")
        assert deliver(app) == {"sent": 1, "retry": 1, "failed": 0}
    finally:
        server.stop()
    assert [m["to"] for m in server.messages] == [["fine@example.test"]]
    assert "no such user" in reload(refused).last_error
    assert reload(fine).status == OutboxStatus.SENT


# --- two workers ----------------------------------------------------------------------------

def test_two_workers_delivering_at_once_send_each_message_once(app, mailbox):
    messages = [queue(recipient=f"kunde{i}@example.test") for i in range(30)]
    database.close()  # each worker thread opens its own connection
    start, results = threading.Barrier(2), []

    def worker():
        start.wait()
        results.append(deliver(app))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sum(r["sent"] for r in results) == 30
    assert sorted(r for m in mailbox.messages for r in m["to"]) == sorted(m.recipient for m in messages)


def test_a_due_message_can_be_claimed_by_only_one_worker(app):
    message = queue()
    at = now()
    with scope.scoped(scope.SYSTEM):
        assert actions._claim(message.id, at) is not None
        assert actions._claim(message.id, at) is None  # a second worker with the same list gets nothing


def test_a_message_whose_worker_died_mid_send_is_sent_after_its_lease(app, mailbox):
    message = queue()
    with scope.scoped(scope.SYSTEM):
        actions._claim(message.id, now())  # ... and the worker that claimed it never came back

    assert deliver(app)["sent"] == 0  # leased: nobody else sends it meanwhile
    assert deliver(app, at=now() + actions.LEASE + datetime.timedelta(seconds=1))["sent"] == 1
    assert len(mailbox.to("kunde@example.test")) == 1


# --- no SMTP configured, and the outbox page --------------------------------------------------

def test_without_smtp_mail_stays_queued_and_only_its_tenants_admins_see_it(make_app, login):
    app = make_app()  # MAIL_SERVER None
    message = queue(subject="待发送的通知", body="这封邮件还在发件箱里。")
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 0}
    assert reload(message).status == OutboxStatus.QUEUED

    own = login("admin@dealer-sh01.demo", c=app.test_client())
    listing = own.get("/t/dealer-sh01/admin/outbox/")
    assert listing.status_code == 200 and "待发送的通知" in listing.get_data(as_text=True)
    assert "这封邮件还在发件箱里。" in own.get(f"/t/dealer-sh01/admin/outbox/{message.id}").get_data(as_text=True)

    other = login("admin@dealer-sh02.demo", c=app.test_client())
    assert "待发送的通知" not in other.get("/t/dealer-sh02/admin/outbox/").get_data(as_text=True)
    assert other.get(f"/t/dealer-sh02/admin/outbox/{message.id}").status_code == 404
    assert other.post(f"/t/dealer-sh02/admin/outbox/{message.id}/retry").status_code == 404
    assert other.get("/t/dealer-sh01/admin/outbox/").status_code == 404


def test_the_outbox_needs_the_audit_permission(client, login):
    login("cs@dealer-sh01.demo")
    assert client.get("/t/dealer-sh01/admin/outbox/").status_code == 403


def test_the_outbox_shows_times_in_the_tenant_time_zone(client, login):
    message = queue()
    with scope.scoped(scope.SYSTEM):
        OutboxMessage.update(created_at=datetime.datetime(2024, 5, 1, 1, 30)).where(
            OutboxMessage.id == message.id).execute()
    login("admin@dealer-sh01.demo")
    assert "2024-05-01 09:30" in client.get("/t/dealer-sh01/admin/outbox/").get_data(as_text=True)


def test_the_outbox_pages_newest_first_by_keyset_without_counting(client, login):
    ids = [queue(subject=f"通知 {i:02d}").id for i in range(55)]
    login("admin@dealer-sh01.demo")
    statements = []
    handler = logging.Handler()
    handler.emit = lambda record: statements.append(str(record.msg))
    peewee_log = logging.getLogger("peewee")
    peewee_log.addHandler(handler)
    peewee_log.setLevel(logging.DEBUG)
    try:
        first = client.get("/t/dealer-sh01/admin/outbox/").get_data(as_text=True)
    finally:
        peewee_log.removeHandler(handler)

    assert first.index("通知 54") < first.index("通知 53") and "通知 04" not in first
    outbox_queries = [s.upper() for s in statements if "outbox_message" in s]
    assert len(outbox_queries) == 1
    assert not any("COUNT(" in s or "OFFSET" in s for s in outbox_queries)
    older = f"/t/dealer-sh01/admin/outbox/?before={ids[5]}"
    assert older in first
    second = client.get(older).get_data(as_text=True)
    assert "通知 04" in second and "通知 00" in second and "通知 05" not in second


def test_the_outbox_filters_by_status(client, login):
    queue(subject="还在排队")
    failed = queue(subject="已经放弃")
    with scope.scoped(scope.SYSTEM):
        OutboxMessage.update(status=OutboxStatus.FAILED).where(OutboxMessage.id == failed.id).execute()
    login("admin@dealer-sh01.demo")

    page = client.get("/t/dealer-sh01/admin/outbox/?status=failed").get_data(as_text=True)
    assert "已经放弃" in page and "还在排队" not in page
    fragment = client.get("/t/dealer-sh01/admin/outbox/?status=queued", headers={"HX-Request": "true"})
    assert "还在排队" in fragment.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)


def test_an_admin_sends_themself_a_test_message(client, login, mailbox):
    login("admin@dealer-sh01.demo")
    response = client.post("/t/dealer-sh01/admin/outbox/test")
    assert response.status_code == 303
    deliver(client.application)  # the request already woke the (in-process) worker; this is idempotent
    [received] = mailbox.to("admin@dealer-sh01.demo")
    assert "上海浦东一店" in received["subject"]



@pytest.mark.browser
def test_an_admin_filters_the_outbox_and_retries_a_failed_message_in_the_browser(browser):
    queue(subject="排队中的通知")
    failed = queue(subject="发送失败的通知")
    with scope.scoped(scope.SYSTEM):
        OutboxMessage.update(status=OutboxStatus.FAILED, attempts=MAX_ATTEMPTS, last_error="SMTP down").where(
            OutboxMessage.id == failed.id).execute()
    page = browser.new_page()
    page.goto("/login")
    page.fill("input[name=email]", "admin@dealer-sh01.demo")
    page.fill("input[name=password]", "kesu-demo")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/t/dealer-sh01/**")
    page.goto("/t/dealer-sh01/admin/outbox/")

    page.select_option("select#status", "failed")  # htmx swaps the list in place
    page.wait_for_url("**status=failed")
    assert page.locator("#outbox-list").inner_text().count("通知") == 1
    page.click("text=发送失败的通知")
    page.click("form[action$='/retry'] button")

    page.wait_for_url(f"**/admin/outbox/{failed.id}")
    assert reload(failed).status != OutboxStatus.FAILED
