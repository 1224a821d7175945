"""The customer's status link on a phone: reject a plan, accept the next, answer the survey, see it closed."""
import pytest

from portal.complaints import actions
from portal.complaints.models import Complaint
from portal.complaints.rules import Move
from tests import factories as f
from tests.browser import ARTIFACTS

pytestmark = pytest.mark.browser


def _staff(in_tenant, c, move, data):
    with in_tenant("dealer-sh01"):
        gm = f.user("gm@dealer-sh01.demo")
        actions.move(Complaint.get_by_id(c.id), move, gm, actions.permissions_of(gm, c.tenant), data)


def _shot(page, n, state):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"status-phone-{n}-{state}.png"), full_page=True)


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_on_a_phone_the_customer_rejects_a_plan_accepts_the_next_answers_the_survey_and_sees_it_closed(
        phone, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.PROPOSE_PLAN)  # solution: 退还工时费并道歉
        path = f.status_path(c)
    page = phone.new_page()
    page.goto(path)
    assert page.locator(".c-summary").get_attribute("data-state") == "solution_proposed"
    assert "退还工时费并道歉" in page.inner_text("#plan")
    assert _fits_the_screen(page)
    _shot(page, 1, "plan-proposed")

    page.fill("#opinion", "只退工时费不够，希望同时免除配件费")
    page.click("#plan button[value=reject]")
    page.wait_for_selector(".c-summary[data-state=being_handled]")
    assert not page.locator("#plan").count()
    assert page.locator(".c-note[role=status]").count() == 1
    _shot(page, 2, "rejected")

    _staff(in_tenant, c, Move.PROPOSE_PLAN, {"cause": "内部：报价错误", "solution": "退还工时费和配件费，并赠送一次保养"})
    page.reload()
    assert "赠送一次保养" in page.inner_text("#plan")
    assert "内部" not in page.content()
    _shot(page, 3, "second-plan")

    page.click("#plan button[value=accept]")
    page.wait_for_selector(".c-summary[data-state=solution_being_carried_out]")
    _shot(page, 4, "accepted")

    _staff(in_tenant, c, Move.IMPLEMENT, {"summary": "已退款并预约保养"})
    page.reload()
    assert page.locator("#survey").is_visible()
    _shot(page, 5, "survey")
    page.check("#survey input[value=very_satisfied]")
    page.fill("#comment", "处理及时，谢谢")
    page.click("#survey button[type=submit]")
    page.wait_for_selector(".c-summary[data-state=closed]")
    assert not page.locator("#survey, #plan, #urge, #info").count()
    assert _fits_the_screen(page)
    _shot(page, 6, "closed")

    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).status == "closed"
    assert phone.console_errors == []  # nothing refused by the CSP, no script errors
