"""The monthly report in a real browser: its charts are drawn, the month can be changed, the XLSX downloads."""
import io

import openpyxl
import pytest

from portal.reports.rules import Period
from tests.browser import ARTIFACTS
from tests.conftest import translated
from tests.test_reports import MONTH, generate

pytestmark = pytest.mark.browser


def sign_in(app, page, email):
    page.goto("/login")
    page.get_by_label(translated(app, "E-mail")).fill(email)
    page.get_by_label(translated(app, "Password")).fill("kesu-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_the_monthly_report_shows_its_charts_and_downloads_the_xlsx(app, browser, in_tenant):
    with in_tenant("dealer-sh01") as t:
        generate(t)
    page = browser.new_page()
    sign_in(app, page, "manager@dealer-sh01.demo")
    page.goto(f"/t/dealer-sh01/reports/monthly?month={MONTH.label}")
    trend = page.locator("svg.chart-trend")
    assert trend.is_visible() and trend.locator("rect.bar-new").count() == 12
    box = trend.bounding_box()
    assert box["width"] > 300 and box["height"] > 80  # drawn, not collapsed
    assert page.locator("svg.gauge").count() == 4 and page.locator("svg.chart-bars rect").count() > 0
    assert page.locator("path.gauge-value").count() >= 1
    new = page.locator("[data-figure=new]").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monthly-report.png"), full_page=True)
    page.emulate_media(media="print")  # still drawn when printed
    assert page.locator("svg.chart-trend").is_visible() and not page.locator("header.topbar").is_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as info:
        page.get_by_role("link", name=translated(app, "Download XLSX")).click()
    download = info.value
    assert download.suggested_filename == f"kesu-dealer-sh01-{MONTH.label}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert str(summary["新增投诉"]) == new

    page.locator("a[rel=prev]").click()  # the month before, by the link that works without JavaScript
    page.wait_for_url(f"**month={Period.parse(MONTH.label).shift(-1).label}")
    assert page.locator("svg.chart-trend").is_visible()
    assert not browser.console_errors, browser.console_errors
