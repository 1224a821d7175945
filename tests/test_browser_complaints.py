"""The complaint register in a real browser: one complaint through the seven steps, and the queue search.

The demo users do what they would do at their desks: the complaint specialist logs, investigates,
transfers, records the customer's answer and the revisit; the service manager proposes the plan and
marks it implemented. Labels are looked up as the catalog renders them, so the test holds whether
or not a text is translated yet; steps are found by `data-step`, statuses by the badge's class.
"""
import re

import pytest

from portal import scope
from portal.complaints.models import Complaint
from portal.complaints.rules import Status
from portal.tenancy.models import Tenant
from tests import factories
from tests.browser import ARTIFACTS
from tests.conftest import translated

pytestmark = pytest.mark.browser

BASE = "/t/dealer-sh01/complaints"
CS, MANAGER = "cs@dealer-sh01.demo", "manager@dealer-sh01.demo"
NUMBER = re.compile(r"SH01-\d{6}-\d{4}")


class Desk:
    """One browser page, driven as a member of staff would, with a screenshot after each step."""

    def __init__(self, app, context, name):
        self.app, self.page, self.name, self.shots = app, context.new_page(), name, 0
        self.errors = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def t(self, msgid, **variables):
        return translated(self.app, msgid, **variables)

    def shot(self, what):
        self.shots += 1
        ARTIFACTS.mkdir(exist_ok=True)
        # caret="initial": hiding the caret leaves style="" on inputs, which htmx then copies on the
        # next swap, and the CSP (rightly) reports that as a violation.
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{what}.png"), full_page=True,
                             caret="initial")

    def sign_in(self, email):
        """Sign in on the login page the portal sent us to (or on /login)."""
        page = self.page
        if "/login" not in page.url:
            page.goto("/login")
        page.get_by_label(self.t("E-mail")).fill(email)
        page.get_by_label(self.t("Password")).fill("kesu-demo")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)

    def sign_out(self):
        self.page.locator("form[action='/logout'] button").click()
        self.page.wait_for_url("**/login")

    def visit(self, url, email):
        """Follow a link (as in the assignment e-mail) while signed out, and sign in on the way."""
        self.page.goto(url)
        self.sign_in(email)
        self.page.wait_for_url(f"**{url}")

    def step(self, move, fields=(), choices=(), checks=()):
        """Open the step's form in the "Next step" panel, fill it by its labels, submit it (HTMX)."""
        form = self.page.locator(f"#step-panel details[data-step='{move}']")
        if form.get_attribute("open") is None:
            form.locator("summary").click()
        for label, value in fields:
            form.get_by_label(self.t(label), exact=True).fill(value)
        for label, option in choices:
            form.get_by_label(self.t(label), exact=True).select_option(label=option)
        for label in checks:
            form.get_by_label(self.t(label), exact=True).check()
        before = self.page.url
        with self.page.expect_response(lambda r: f"/step/{move}" in r.url) as answer:
            form.locator("button[type=submit]").click()
        assert answer.value.status == 200, answer.value.text()[:2000]
        assert answer.value.request.headers.get("hx-request") == "true"  # swapped in place, no reload
        assert self.page.url == before

    def status_is(self, status):
        badge = self.page.locator(f"#complaint h1 .badge.status-{status}")
        badge.wait_for()
        return badge


def stored(app, cid) -> dict:
    with app.app_context(), scope.scoped(scope.for_tenant(Tenant.get(Tenant.slug == "dealer-sh01"))):
        c = Complaint.get_by_id(cid)
        return {"status": c.status, "department": c.department.name, "assignee": c.assignee.email,
                "channel": c.channel, "category": c.category.name, "plate": c.plate}


def test_a_complaint_goes_through_all_seven_steps_in_the_browser(app, browser):
    desk = Desk(app, browser, "lifecycle")
    page = desk.page

    # 1 Receive: the complaint specialist logs the customer's call.
    desk.visit(f"{BASE}/new", CS)
    desk.shot("intake-form")
    page.get_by_label(desk.t("Channel")).select_option("walk_in")
    page.get_by_label(desk.t("Customer name")).fill("周晓明")
    page.get_by_label(desk.t("Phone"), exact=True).press_sequentially("139 1234 5678")
    page.get_by_label(desk.t("E-mail")).fill("zhou.xm@example.com")
    page.get_by_label(desk.t("Vehicle model")).fill("帕萨特")
    page.get_by_label(desk.t("Plate number")).fill("沪B12345")
    page.get_by_label(desk.t("Mileage (km)")).fill("5200")
    page.get_by_label(desk.t("Category")).select_option(label="收费争议")
    page.get_by_label(desk.t("What happened")).fill("首次保养被收取工时费180元，服务顾问没有解释首保范围。")
    page.get_by_label(desk.t("What the customer asks for")).fill("退还工时费并道歉。")
    page.locator(".intake-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/complaints/\d+$"))
    number = NUMBER.search(page.locator("#complaint h1").inner_text()).group(0)
    assert number in page.locator(".flashes").inner_text()
    cid = int(page.url.rsplit("/", 1)[1])
    url = f"{BASE}/{cid}"
    desk.status_is("received")
    desk.shot("received")

    # 2 Investigate.
    desk.step("start_investigation")
    desk.status_is("investigating")
    desk.shot("investigating")

    # 3 Transfer to the responsible department with the findings and the transfer slip.
    desk.step("transfer", fields=[("Investigation findings", "首保免工时费，结算时被收取且未解释，投诉成立。"),
                                  ("Transfer slip: what the department must do", "请3个工作日内给出原因分析和处理方案。")],
              choices=[("Responsible department", "售后服务部"), ("Handler", "服务经理（SH01）")])
    desk.status_is("transferred")
    desk.shot("transferred")
    desk.sign_out()

    # 4a The service manager proposes a plan.
    desk.visit(url, MANAGER)
    desk.step("propose_plan", fields=[("Cause analysis (internal)", "服务顾问不熟悉首保政策。"),
                                      ("Solution put to the customer", "退还工时费180元，服务经理当面致歉。")])
    desk.status_is("plan_proposed")
    desk.shot("plan-proposed")
    desk.sign_out()

    # 4b The specialist records that the customer agrees.
    desk.visit(url, CS)
    desk.step("customer_response", checks=["Agrees"], fields=[("Customer's opinion", "同意退款方案。")])
    desk.status_is("implementing")
    desk.shot("implementing")
    desk.sign_out()

    # 5 The manager marks the plan implemented.
    desk.visit(url, MANAGER)
    desk.step("implement", fields=[("What was done", "工时费已退还，服务经理已当面致歉。")])
    desk.status_is("revisit_pending")
    desk.shot("revisit-pending")
    desk.sign_out()

    # 6 Revisit, 7 close: the customer is satisfied.
    desk.visit(url, CS)
    desk.step("revisit", checks=["Satisfied"], fields=[("Customer's words", "处理及时，满意。")])
    badge = desk.status_is("closed")
    assert badge.inner_text().strip() == desk.t("Closed")
    desk.shot("closed")

    assert stored(app, cid) == {"status": Status.CLOSED, "department": "售后服务部", "assignee": MANAGER,
                                "channel": "walk_in", "category": "收费争议", "plate": "沪B12345"}
    timeline = page.locator(".timeline").inner_text()
    assert "退还工时费180元" in timeline and "处理及时，满意。" in timeline
    assert desk.errors == [], "\n".join(desk.errors)


def test_a_complaint_is_found_by_its_number_in_the_queue_search(app, browser, in_tenant):
    with in_tenant("dealer-sh01"):
        wanted = factories.complaint(customer_name="钱多多", phone="13700001111", plate="沪D55555")
        other = factories.complaint(customer_name="孙少平", phone="13600002222", plate="沪E66666")
    desk = Desk(app, browser, "queue-search")
    page = desk.page
    desk.visit(f"{BASE}/", CS)
    queue = page.locator("#queue")
    assert wanted.number in queue.inner_text() and other.number in queue.inner_text()
    page.evaluate("window.kesuNoReload = true")  # gone if the search reloaded the page

    page.get_by_label(desk.t("Search")).press_sequentially(wanted.number, delay=20)
    page.wait_for_url(f"**q={wanted.number}**")  # hx-push-url puts the search in the address
    page.wait_for_function("n => !document.querySelector('#queue').innerText.includes(n)", arg=other.number)

    assert page.evaluate("window.kesuNoReload") is True
    rows = queue.locator("tbody tr")
    assert rows.count() == 1
    assert rows.first.get_by_role("link", name=wanted.number).is_visible()
    assert "钱多多" in rows.first.inner_text()
    desk.shot("found")
    rows.first.get_by_role("link", name=wanted.number).click()
    page.wait_for_url(f"**{BASE}/{wanted.id}")
    assert desk.errors == [], "\n".join(desk.errors)
