"""The foundation in a real browser: sign in, switch language, move around, sign out."""
import re

import pytest

from tests.browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_a_specialist_signs_in_switches_to_english_walks_the_nav_and_signs_out(browser):
    page = browser.new_page()
    page.goto("/")
    assert re.search(r"/login", page.url)
    assert page.locator("html").get_attribute("lang") == "zh-Hans"

    page.fill("input[name=email]", "cs@dealer-sh01.demo")
    page.fill("input[name=password]", "kesu-demo")
    page.click("form:not(.lang-form) button[type=submit]")
    page.wait_for_url("**/t/dealer-sh01/")
    assert "上海浦东一店" in page.inner_text("header")

    # portal.js submits the language form when the select changes (its button is hidden).
    assert not page.is_visible(".lang-form button")
    page.select_option("#lang-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith("/t/dealer-sh01/")
    assert page.locator("html").get_attribute("lang") == "en"

    links = page.locator(".main-nav a")
    assert links.count() >= 1
    for href in [links.nth(i).get_attribute("href") for i in range(links.count())]:
        page.click(f".main-nav a[href='{href}']")
        page.wait_for_url(f"**{href}")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator(f".main-nav a[href='{href}']").get_attribute("class") == "active"
        assert not page.locator(".error-page").count(), href
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "foundation-workspace-en.png"), full_page=True)

    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")
    page.goto("/t/dealer-sh01/")
    assert "/login" in page.url  # the session is gone
    assert page.locator("html").get_attribute("lang") == "en"  # the language stays with the browser
    assert browser.console_errors == []
