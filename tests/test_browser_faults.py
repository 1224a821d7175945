"""In the browser, a request that fails says so: a 503 from a busy database, any other error status,
or no answer at all. HTMX swaps nothing on an error, so without this the form would look as if it worked.

The failures are the server's real answers, replayed by the browser's network layer for one request:
the app's own 503 page (as tests/test_faults.py makes it with a locked database), or a dropped connection.
"""
import pytest

from portal.complaints.models import Note
from tests import factories as f
from tests.conftest import translated

pytestmark = pytest.mark.browser

BUSY = "The service is busy or its database cannot be reached just now. Please try again in a moment."
OFFLINE = "The portal cannot be reached. Check the connection, then try again."


def open_complaint(app, browser, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    page = browser.new_page()
    page.goto("/login")
    page.get_by_label(translated(app, "E-mail")).fill("cs@dealer-sh01.demo")
    page.get_by_label(translated(app, "Password")).fill("kesu-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"/t/dealer-sh01/complaints/{c.id}")
    return c, page


def add_note(page, text):
    form = page.locator("form[action$='/notes']")
    form.locator("textarea[name=body]").fill(text)
    form.locator("button[type=submit]").first.click()


@pytest.mark.parametrize("failure, message", [("busy", BUSY), ("offline", OFFLINE)])
def test_a_failed_htmx_request_tells_the_user_and_the_next_one_clears_it(app, browser, in_tenant, failure, message):
    c, page = open_complaint(app, browser, in_tenant)
    box = page.locator("#request-failed")
    assert box.is_hidden()

    def fail_once(route):
        if failure == "offline":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=503, headers={"Retry-After": "5", "Content-Type": "text/html; charset=utf-8"},
                          body="<!doctype html><h1>503</h1>")
    page.route("**/notes", fail_once, times=1)
    add_note(page, "第一次：服务器不可用")
    box.wait_for(state="visible")
    assert box.inner_text() == translated(app, message)
    with in_tenant("dealer-sh01"):
        assert Note.select().where(Note.complaint == c.id).count() == 0

    add_note(page, "第二次：已恢复")  # the server answers again: the notice goes, the note is saved
    page.wait_for_function("document.getElementById('request-failed').hidden")
    page.get_by_text("第二次：已恢复").first.wait_for()
    with in_tenant("dealer-sh01"):
        assert Note.select().where(Note.complaint == c.id).count() == 1
    # htmx logs the failed request itself; nothing else may go wrong (a CSP refusal, a script error)
    assert [e for e in browser.console_errors if "Content Security Policy" in e or "Uncaught" in e] == []
