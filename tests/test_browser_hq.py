"""Headquarters in a real browser: HQ dispatches a work order, the dealer's customer service accepts and
answers it, and HQ's dashboard shows the change. Labels are looked up as the catalog renders them."""
import pytest

from tests.browser import ARTIFACTS
from tests.conftest import translated

pytestmark = pytest.mark.browser

SH01 = "tr[data-tenant=dealer-sh01]"


def sign_in(app, page, email):
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label(translated(app, "E-mail")).fill(email)
    page.get_by_label(translated(app, "Password")).fill("kesu-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def figure(page, name) -> str:
    """One figure of dealer-sh01's row, once the comparison panel has loaded by itself (HTMX)."""
    page.goto("/hq/")
    cell = page.locator(f"#panel-comparison {SH01} td[data-figure={name}]")
    cell.wait_for()
    return cell.inner_text().strip()


def test_hq_dispatches_the_dealer_accepts_and_answers_and_the_dashboard_changes(app, browser):
    t = lambda msgid, **v: translated(app, msgid, **v)  # noqa: E731
    page = browser.new_page()
    sign_in(app, page, "hq@svw.demo")
    assert figure(page, "work_orders_waiting") == "0" and figure(page, "response_rate") == "—"

    page.get_by_role("link", name=t("Dispatch a work order")).click()
    page.get_by_label(t("Dispatch to")).select_option(label="上海浦东一店")
    page.get_by_label(t("Received by headquarters via")).select_option("phone")
    page.get_by_label(t("Kind")).select_option("inquiry")
    page.get_by_label(t("Customer name")).fill("周杰")
    page.get_by_label(t("Phone"), exact=True).fill("13812345678")
    page.get_by_label(t("What happened")).fill("客户致电总部热线：首保是否免费？门店说要收工时费")
    page.get_by_label(t("First response to headquarters within (hours)")).fill("4")
    page.get_by_role("button", name=t("Dispatch"), exact=True).click()
    page.wait_for_url("**/hq/work-orders/*")
    number = page.locator("h1").inner_text().split()[0]
    page.screenshot(path=str(ARTIFACTS / "hq-work-order.png"), full_page=True)
    assert figure(page, "work_orders_waiting") == "1"

    sign_in(app, page, "cs@dealer-sh01.demo")
    page.goto("/t/dealer-sh01/complaints/?channel=hq_dispatch")
    page.locator("table.queue-table tbody tr a").first.click()
    panel = page.locator("#hq-work-order")
    assert number in panel.inner_text()
    panel.get_by_label(t("Response to headquarters")).fill("已收到，今天内答复客户")
    panel.get_by_role("button", name=t("Accept the work order")).click()
    panel = page.locator("#hq-work-order")
    panel.locator(".badge.ok").wait_for()  # responded in time, swapped in by HTMX
    step = page.locator("details[data-step=answer]")
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    step.get_by_label(t("Answer given to the customer")).fill("首保工时费全免，已告知客户并退还")
    step.get_by_role("button", name=t("Answer and close")).click()
    page.locator(".badge.status-answered").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "hq-work-order-answered.png"), full_page=True)

    sign_in(app, page, "hq@svw.demo")
    assert figure(page, "work_orders_waiting") == "0"
    assert figure(page, "response_rate").startswith("100.0%")  # the promised reply, met in time
    page.screenshot(path=str(ARTIFACTS / "hq-dashboard.png"), full_page=True)
    page.goto(f"/hq/work-orders?status=all")
    assert t("Completed") in page.locator("table.work-orders").inner_text()
    assert not browser.console_errors, browser.console_errors
