"""Chromium through Playwright, against the app served on a loopback port.

Browser tests skip with a clear reason when Chromium or Playwright is missing, unless
KESU_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails the test instead.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("KESU_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str):
    if os.environ.get("KESU_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser required (KESU_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture
def live_server(app):
    """Serve the test app on 127.0.0.1:<free port> in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def _chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    pw.stop()


def _context(browser, live_server, **options):
    """A browser context at the live server; `context.console_errors` collects what pages
    report as errors (a CSP violation, a failed script), so tests can assert there were none."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", **options)
    context.set_default_timeout(10_000)
    context.console_errors = []

    def watch(page):
        page.on("console", lambda m: m.type == "error" and context.console_errors.append(
            f"{m.text} ({m.location.get('url', '')})"))
        page.on("pageerror", lambda e: context.console_errors.append(str(e)))
    context.on("page", watch)
    return context


def _close(context, name: str) -> None:
    """Keep a screenshot of every page the test left open (test-artifacts/), then close."""
    ARTIFACTS.mkdir(exist_ok=True)
    for i, page in enumerate(context.pages):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}-{i}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a screenshot is a courtesy; never hide the test's result
            pass
    context.close()


@pytest.fixture
def browser(_chromium, live_server, request):
    """A fresh browser context (desktop size) whose pages start at the live server."""
    context = _context(_chromium, live_server, viewport={"width": 1280, "height": 900})
    yield context
    _close(context, request.node.name)


@pytest.fixture
def phone(_chromium, live_server, request):
    """A phone-sized browser context for customer pages."""
    context = _context(_chromium, live_server, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True)
    yield context
    _close(context, request.node.name)
