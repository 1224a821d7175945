"""A revisit call in a real browser: the queue's filters swap in place, a refused call keeps its answers."""
import pytest

from portal.complaints.models import Complaint
from portal.complaints.rules import Status
from portal.revisits.models import ChecklistItem
from tests import factories as f
from tests.conftest import translated

pytestmark = pytest.mark.browser


def test_customer_service_makes_a_revisit_call_from_the_queue(app, browser, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        f.checklist_answers(tenant)  # the tenant's checklist exists
        on_time = ChecklistItem.get(ChecklistItem.text == "维修按时完工")
    t = lambda msgid, **kw: translated(app, msgid, **kw)  # noqa: E731
    page = browser.new_page()
    page.goto("/login")
    page.get_by_label(t("E-mail")).fill("cs@dealer-sh01.demo")
    page.get_by_label(t("Password")).fill("kesu-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto("/t/dealer-sh01/revisits")
    assert c.number in page.locator("#revisit-queue").inner_text()
    page.select_option("#show", "done")  # htmx swaps the list in place
    page.wait_for_function("n => !document.querySelector('#revisit-queue').innerText.includes(n)", arg=c.number)
    assert "show=done" in page.url
    page.select_option("#show", "open")
    page.wait_for_function("n => document.querySelector('#revisit-queue').innerText.includes(n)", arg=c.number)
    page.locator("#revisit-queue tr", has_text=c.number).locator("a.button").click()

    form = page.locator("form.revisit-form")
    for item in form.locator("[data-item]").all():
        radios = item.locator("input[type=radio]")
        if radios.count() and item.get_attribute("data-item") != str(on_time.id):
            radios.first.check()  # "yes", or 1 on a scale: the first choice
    form.locator("input[name=satisfaction][value=very_satisfied]").check()
    form.locator("textarea[name=comment]").fill("服务很周到")
    form.locator("input[name=reached][value=yes]").check()
    form.locator("button[type=submit]").click()
    refused = page.locator(f"[data-item='{on_time.id}'] .error")
    refused.wait_for()
    assert refused.inner_text() == t("This question must be answered.")
    assert page.locator("textarea[name=comment]").input_value() == "服务很周到"

    page.locator(f"[data-item='{on_time.id}'] input[value=yes]").check()
    page.locator("form.revisit-form button[type=submit]").click()
    page.locator(".revisit-answers").wait_for()
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).status == Status.CLOSED
    # The browser logs the refused (422) post itself; anything else (CSP, scripts) is a failure.
    assert [e for e in browser.console_errors if "status of 422" not in e] == []
