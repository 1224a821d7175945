"""In a real browser: declare a crisis, build the team, submit and approve the plan, while the supervision
board (open in another window) follows along without being reloaded."""
import pytest

from portal.crisis.models import CrisisFile
from tests import factories as f
from tests.conftest import translated

pytestmark = pytest.mark.browser
T = "/t/dealer-sh01"


def shown(app, msgid, **values) -> str:
    """A text as the pages render it: in the portal's default language (the demo users choose none)."""
    return translated(app, msgid, app.config["BABEL_DEFAULT_LOCALE"], **values)


@pytest.fixture
def desks(_chromium, live_server, request):
    """Browser contexts of their own (own cookies) for each member of staff; closed with a screenshot."""
    from tests.browser import _close, _context
    opened = []

    def new():
        context = _context(_chromium, live_server, viewport={"width": 1280, "height": 900})
        opened.append(context)
        return context
    yield new
    for i, context in enumerate(opened):
        _close(context, f"{request.node.name}-desk{i}")


def desk(app, desks, email):
    """A page signed in as one member of staff, in a browser context of its own."""
    context = desks()
    page = context.new_page()
    page.goto("/login")
    page.get_by_label(shown(app, "E-mail")).fill(email)
    page.get_by_label(shown(app, "Password")).fill("kesu-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_crisis_plan_approval_shows_on_the_supervision_board_without_a_reload(app, desks, in_tenant):
    app.config["SUPERVISION_BOARD_POLL_SECONDS"] = 1
    with in_tenant("dealer-sh01"):
        c = f.complaint(description="车辆行驶中自燃，客户要求赔偿")  # the rules declare this one themselves
        other = f.complaint(phone="13700000000", description="保养后异响")
        gm, manager, advisor = (f.user(f"{p}@dealer-sh01.demo") for p in ("gm", "manager", "advisor"))
        assert not CrisisFile.select().where(CrisisFile.complaint == other.id).exists()

    board = desk(app, desks, "cs@dealer-sh01.demo")
    board.goto(f"{T}/supervision/")
    board.evaluate("window.kesuNotReloaded = true")
    assert board.locator("article.board-order").count() == 1  # the automatic crisis file's order

    # The service manager declares a crisis on the other complaint from its page (HTMX swap).
    m = desk(app, desks, "manager@dealer-sh01.demo")
    m.goto(f"{T}/complaints/{other.id}")
    m.locator("#supervision-panel details:has(form.declare-form) > summary").click()
    m.locator("form.declare-form textarea[name=summary]").fill("客户称将联系媒体，并要求赔偿")
    m.locator("form.declare-form button[type=submit]").click()
    m.locator("a.crisis-link").click()
    m.wait_for_url("**/crisis/*")

    # The board picks the new crisis order up by itself.
    board.locator("article.board-order").nth(1).wait_for(timeout=10_000)

    # Build the team: GM leads, the manager executes, the advisor is a member.
    if not m.locator("form.team-form").is_visible():
        m.locator("#crisis-team details > summary").click()
    m.locator("form.team-form select[name=leader]").select_option(str(gm.id))
    m.locator("form.team-form select[name=executive]").select_option(str(manager.id))
    m.locator(f"form.team-form input[name=members][value='{advisor.id}']").check()
    m.locator("form.team-form button[type=submit]").click()
    m.locator("dd[data-role=executive]", has_text=manager.name).wait_for()
    assert advisor.name in m.locator("dd[data-role=members]").inner_text()

    # Submit the plan: it goes to the GM (a general complaint).
    m.locator("form.plan-form textarea[name=body]").fill("总经理当面道歉，免费更换，承担拖车费")
    m.locator("form.plan-form button[type=submit]").click()
    m.locator("[data-plan='1'][data-status=pending]").wait_for()
    order_card = board.locator("article.board-order", has_text=_number(in_tenant, other))
    order_card.get_by_text(shown(app, "All milestones done or waived: ready to close.")).wait_for()

    # The GM approves from the approvals inbox.
    g = desk(app, desks, "gm@dealer-sh01.demo")
    g.goto(f"{T}/approvals/")
    item = g.locator("article.approval", has_text="总经理当面道歉")
    item.locator("input[name=decision][value=approve]").check()
    item.locator("button[type=submit]").click()
    g.locator("article.approval", has_text="总经理当面道歉").wait_for(state="detached")

    # The board now shows the 12-hour contact milestone, and was never reloaded.
    contact = shown(app, "Customer or media contacted after approval (12 hours)")
    order_card.get_by_text(contact).wait_for(timeout=10_000)
    assert board.evaluate("window.kesuNotReloaded") is True
    m.reload()
    assert m.locator("[data-plan='1'][data-status=approved]").count() == 1
    for page in (board, m, g):
        assert not page.context.console_errors, page.context.console_errors


def _number(in_tenant, complaint):
    from portal.supervision.models import SupervisionOrder
    with in_tenant("dealer-sh01") as tenant:
        return SupervisionOrder.get(SupervisionOrder.complaint == complaint.id).number(tenant.code)
