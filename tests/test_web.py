"""The web layer every page shares: security headers, errors, health, CSRF, language, HTMX, time zones."""
import datetime
import re

import pytest
from flask import g

from portal import create_app
from portal.i18n import localtime
from portal.tenancy.models import Tenant
from tests.conftest import base_config, build_url, rules_under
from tests.conftest import translated_html as translated

NOT_FOUND = "This page does not exist, or you have no access to it."
CSRF_MESSAGE = "The form expired or was sent from elsewhere. Reload the page and try again."


def directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}


def assert_secure_headers(response):
    csp = directives(response.headers["Content-Security-Policy"])
    script_src = csp.get("script-src", csp.get("default-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


@pytest.mark.parametrize("path, email, status", [
    ("/login", None, 200),
    ("/no/such/page", None, 404),
    ("/healthz", None, 200),
    ("/t/dealer-sh01/", "cs@dealer-sh01.demo", 200),
    ("/t/dealer-sh02/", "cs@dealer-sh01.demo", 404),
    ("/hq/", "hq@svw.demo", 200),
])
def test_every_kind_of_page_carries_the_security_headers(client, login, path, email, status):
    if email:
        login(email)
    response = client.get(path)
    assert response.status_code == status
    assert_secure_headers(response)


def test_pages_are_not_cached_but_static_files_are_cacheable(client):
    assert "no-store" in client.get("/login").headers["Cache-Control"]
    static = client.get("/static/portal.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


INLINE = [(re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "inline <script>"),
          (re.compile(r"\sstyle=", re.I), "style= attribute"),
          (re.compile(r"\son[a-z]+=", re.I), "on*= handler"),
          (re.compile(r"\shx-on[:-]", re.I), "hx-on (needs eval)")]


def assert_csp_clean(html: str, where: str):
    for pattern, what in INLINE:
        match = pattern.search(html)
        assert match is None, f"{what} on {where}: {html[max(match.start() - 80, 0):match.end() + 80]}"


PAGES = [r for r in rules_under("/t/<tenant>") if "GET" in r.methods and r.arguments == {"tenant"}]


@pytest.mark.parametrize("rule", PAGES, ids=lambda r: r.endpoint)
def test_workspace_pages_need_nothing_the_csp_forbids(app, login, rule):
    for email in ("gm@dealer-sh01.demo", "admin@dealer-sh01.demo"):
        client = login(email, c=app.test_client())
        response = client.get(build_url(app, rule, tenant="dealer-sh01"))
        if response.status_code == 200 and response.mimetype == "text/html":
            assert_csp_clean(response.get_data(as_text=True), f"{rule.rule} as {email}")


def test_front_pages_need_nothing_the_csp_forbids(app, client, login):
    for path in ("/login", "/no/such/page"):
        assert_csp_clean(client.get(path).get_data(as_text=True), path)
    login("hq@svw.demo")
    assert_csp_clean(client.get("/hq/").get_data(as_text=True), "/hq/")


def test_an_unknown_address_shows_the_not_found_page_in_the_users_language(app, client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert translated(app, NOT_FOUND, "zh_Hans") in body
    assert '<html lang="zh-Hans">' in body
    english = client.get("/no/such/page", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert translated(app, NOT_FOUND, "en") in english.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_health_check_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/no/such/dir/kesu.db",
                                 "postgresql://postgres@127.0.0.1:1/kesu"],
                         ids=["sqlite-missing-directory", "postgres-nobody-listening"])
def test_health_check_answers_503_when_the_database_is_unreachable(tmp_path, url):
    app = create_app(base_config(url.format(tmp=tmp_path), tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == {"status", "db"}
    assert body["status"] != "ok" and body["db"] != "ok"


@pytest.mark.parametrize("path, data", [
    ("/login", {"email": "cs@dealer-sh01.demo", "password": "kesu-demo"}),
    ("/lang", {"lang": "en"}),
])
def test_a_post_without_csrf_token_is_refused(app, client, path, data):
    response = client.post(path, data=data, csrf=False)
    assert response.status_code == 400
    assert translated(app, CSRF_MESSAGE) in response.get_data(as_text=True)
    assert client.get("/t/dealer-sh01/").status_code == 302  # not signed in
    assert 'lang="zh-Hans"' in client.get("/login").get_data(as_text=True)  # language unchanged


def test_switching_language_changes_the_page_language(app, client):
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert translated(app, "Sign in", "en") in body
    client.post("/lang", data={"lang": "zh_Hant", "next": "/login"})
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hant">' in body
    assert translated(app, "Sign in", "zh_Hant") in body


def test_an_unknown_language_is_ignored(client):
    client.post("/lang", data={"lang": "klingon", "next": "/login"})
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)


def test_the_browser_language_is_the_default(client):
    page = client.get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.9"})
    assert '<html lang="zh-Hant">' in page.get_data(as_text=True)


def test_the_language_switch_returns_to_the_page_it_came_from(client):
    response = client.post("/lang", data={"lang": "en"}, headers={"Referer": "http://localhost/login?x=1"})
    assert response.headers["Location"] == "/login?x=1"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_the_language_switch_never_sends_the_user_to_another_site(client, target):
    response = client.post("/lang", data={"lang": "en", "next": target},
                           headers={"Referer": "https://evil.example/page"})
    assert response.headers["Location"] == "/"


def test_htmx_requests_and_full_pages_vary_on_the_hx_request_header(client, login):
    login("cs@dealer-sh01.demo")
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/t/dealer-sh01/", headers=headers)
        assert response.status_code == 200
        assert "HX-Request" in response.headers.get("Vary", ""), headers


def test_htmx_render_returns_the_fragment_only_to_htmx(app):
    from portal.htmx import render

    with app.test_request_context(headers={"HX-Request": "true"}):
        response = render("errors/error.html", "macros/forms.html", status=404)
        assert "<html" not in response.get_data(as_text=True) and "HX-Request" in response.vary
    with app.test_request_context():
        response = render("errors/error.html", "macros/forms.html", status=404)
        assert "<html" in response.get_data(as_text=True) and "HX-Request" in response.vary


@pytest.mark.parametrize("zone, utc, shown", [
    ("Asia/Shanghai", datetime.datetime(2026, 1, 15, 16, 30), "2026-01-16 00:30"),
    ("Europe/Berlin", datetime.datetime(2026, 1, 15, 16, 30), "2026-01-15 17:30"),
    ("Europe/Berlin", datetime.datetime(2026, 7, 15, 16, 30), "2026-07-15 18:30"),  # summer time
])
def test_times_are_shown_in_the_tenants_time_zone(app, zone, utc, shown):
    with app.test_request_context():
        g.tenant = Tenant(slug="t", name="t", code="T", timezone=zone)
        assert localtime(utc) == shown
        assert localtime(None) == ""
        assert localtime(datetime.date(2026, 1, 15)) == "2026-01-15"


def test_times_outside_a_workspace_are_shown_in_china_time(app):
    with app.test_request_context():
        assert localtime(datetime.datetime(2026, 1, 15, 16, 30)) == "2026-01-16 00:30"
