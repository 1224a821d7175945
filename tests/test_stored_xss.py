"""Stored XSS and formula injection: script, template and formula payloads typed into every text field
a customer or staff member can fill (through the real forms), then every page, fragment and export
that shows them is read back: no markup of theirs in HTML, no formula in a spreadsheet cell, no
template evaluated, no HTML mail.

The text fields are found by reading each form as a browser would (tests/forms in this file):
every text input and textarea of the form gets a payload, so a field added later is covered too.
One seeded database serves the whole module (seeding through the forms takes a while).
"""
import csv
import datetime
import io
import re
import shutil
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from portal import create_app, scope
from portal.complaints.models import Complaint
from portal.db import database
from tests.conftest import KesuClient, _close_pool, base_config

TENANT = "/t/dealer-sh01"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
# Each payload, by the longest that fits a field's maxlength.
PAYLOADS = ['<script>alert("kx")</script>"><img src=x onerror=alert(1)>{{7*7}}{{ \'\'.__class__.__mro__ }}',
            '<script>alert("kx")</script>"><img src=x onerror=alert(1)>',
            '"><img src=x onerror=alert(1)>',
            '<script>alert(1)</script>',
            '"><svg onload=f()>',
            '<i onclick=f()>']
FORMULAS = ['=HYPERLINK("http://evil.example/","click")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(1+1)",
            "=1+2"]
FILE_NAME = "<img src=x onerror=alert(1)>{{7*7}}.png"  # as browsers send it (they encode a quote as %22)


def payload(maxlength=None) -> str:
    limit = int(maxlength) if maxlength else 10_000
    return next((p for p in PAYLOADS if len(p) <= limit), "<i>")


# --- reading forms as a browser does ------------------------------------------------------------

class Forms(HTMLParser):
    """Every <form> of a page: its action, method and fields (inputs, textareas, selects)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms, self._form, self._textarea, self._select = [], None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action") or a.get("hx-post") or "", "method": a.get("method", "get").lower(),
                          "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["fields"].append(("input", a))
        elif tag == "textarea":
            a["value"] = ""
            self._textarea = a
            self._form["fields"].append(("textarea", a))
        elif tag == "select":
            self._select = {"name": a.get("name"), "options": [], "multiple": "multiple" in a}
            self._form["fields"].append(("select", self._select))
        elif tag == "option" and self._select is not None:
            self._select["options"].append({"value": a.get("value"), "selected": "selected" in a})

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def fill(form: dict, **overrides) -> dict:
    """What a user would send: a payload in every text field, the shown values elsewhere."""
    data = {}
    for kind, a in form["fields"]:
        name = a.get("name")
        if not name:
            continue
        if kind == "textarea":
            data[name] = payload(a.get("maxlength"))
        elif kind == "select":
            chosen = [o["value"] for o in a["options"] if o["selected"]]
            usable = [o["value"] for o in a["options"] if o["value"] not in (None, "", "0")]
            data[name] = chosen[:1] or usable[:1] or [o["value"] for o in a["options"]][:1]
            data[name] = data[name][0] if data[name] else ""
        else:
            kind = a.get("type", "text").lower()
            if kind in ("text", "search", ""):
                data[name] = payload(a.get("maxlength"))
            elif kind in ("hidden", "number", "date", "time", "datetime-local", "email", "tel", "url"):
                data.setdefault(name, a.get("value", "") or {"number": "1", "email": "kunde@example.com",
                                                               "tel": "13912345678", "time": "17:00",
                                                               "date": "2031-01-15",
                                                               "datetime-local": "2031-01-15T10:00"}.get(kind, ""))
            elif kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in data):
                    data[name] = a.get("value", "y")
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _has(form: dict, pair: str | None) -> bool:
    return pair is None or any(f"{a.get('name')}={a.get('value')}" == pair for kind, a in form["fields"]
                               if kind == "input")


def form_on(html: str, page: str, action: str, which: str | None = None) -> dict:
    """The page's form posting to `action` (a form without one posts to the page), with field `which`."""
    found = [f for f in Forms(html).forms if f["method"] == "post" and action in (f["action"] or page)
             and _has(f, which)]
    assert found, f"no form posting to {action} on {page}"
    return found[0]


def submit(client, page: str, action: str, files=None, expect=(200, 204, 303), which=None, **overrides):
    """Open `page`, fill its form that posts to `action`, send it; the response."""
    html = client.get(page).get_data(as_text=True)
    form = form_on(html, page, action, which)
    data = fill(form, **overrides)
    kwargs = {"content_type": "multipart/form-data"} if files else {}
    if files:
        data.update(files)
    response = client.post(urljoin(page, form["action"] or page), data=data, **kwargs)
    if response.status_code not in expect:
        html = response.get_data(as_text=True)
        errors = re.findall(r'name="([^"]+)"[^<]*(?:<[^p][^<]*)*<p class="error"[^>]*>([^<]+)', html)
        pytest.fail(f"{action}: {response.status_code} {errors or re.findall(r'class=.error[^>]*>([^<]+)', html)}")
    return response


# --- what must never be in a page -----------------------------------------------------------------

class Markup(HTMLParser):
    """Markup that could only have come from a payload: inline scripts, on* handlers, <img src=x>."""

    def __init__(self):
        super().__init__()
        self.found, self._script = [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and "src" not in a:
            self._script = True
        if any(name.startswith("on") for name in a):
            self.found.append(f"<{tag} {a}>")
        if tag in ("img", "svg", "i") and (a.get("src") == "x" or "onload" in a or "onclick" in a):
            self.found.append(f"<{tag} {a}>")
        if any((v or "").strip().lower().startswith("javascript:") for v in a.values()):
            self.found.append(f"<{tag} {a}>")

    def handle_data(self, data):
        if self._script:
            self.found.append(f"<script>{data[:80]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False


def injected(html: str) -> list[str]:
    parser = Markup()
    parser.feed(html)
    return parser.found


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_xlsx(data: bytes, where: str) -> list[str]:
    """Formula-looking text is stored as text (never a formula), with Excel's quote prefix."""
    seen = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: formula in {sheet.title}!{cell.coordinate}: {cell.value}"
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    assert cell.quotePrefix, f"{where}: {sheet.title}!{cell.coordinate} not marked as text"
                if isinstance(cell.value, str):
                    seen.append(cell.value)
    return seen


def check_csv(data: bytes, where: str) -> list[str]:
    text = data.decode("utf-8-sig")
    seen = []
    for row in csv.reader(io.StringIO(text)):
        for value in row:
            assert not value.startswith(FORMULA_START), f"{where}: cell starts a formula: {value}"
            seen.append(value)
    return seen


# --- the seeded site ---------------------------------------------------------------------------------

def sign_in(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": "kesu-demo"}).status_code == 303
    return client


@pytest.fixture(scope="module")
def site(tmp_path_factory, sqlite_template, smtp_server):
    """A database holding payloads in every text field, and what was made: {"url": ..., "ids": ...}."""
    folder = tmp_path_factory.mktemp("xss")
    shutil.copy(sqlite_template, folder / "kesu.db")
    config = base_config(f"sqlite:///{folder / 'kesu.db'}", folder, MAIL_SERVER=smtp_server.host,
                         MAIL_PORT=smtp_server.port)
    smtp_server.messages.clear()
    app = create_app(config)
    app.test_client_class = KesuClient
    made = seed(app)
    made["mail"] = list(smtp_server.messages)
    scope.set_scope(None)
    _close_pool()
    yield {"config": config, **made}
    _close_pool()


@pytest.fixture
def app(site):
    app = create_app(site["config"])  # the module's database (other modules' apps point elsewhere)
    app.test_client_class = KesuClient
    database.connect(reuse_if_open=True)
    yield app
    scope.set_scope(None)
    _close_pool()


def seed(app) -> dict:
    admin, gm = sign_in(app, "admin@dealer-sh01.demo"), sign_in(app, "gm@dealer-sh01.demo")
    # tenant settings: names of categories, departments, roles and people; what customers are shown
    submit(admin, f"{TENANT}/admin/categories/new", "/admin/categories", name=FORMULAS[4])
    submit(admin, f"{TENANT}/admin/departments/new", "/admin/departments", name="@SUM(A1)")
    submit(admin, f"{TENANT}/admin/roles/new", "/admin/roles")
    submit(admin, f"{TENANT}/admin/users/new", "/admin/users", email="x1@dealer-sh01.demo", password="Spring-tide-42")
    submit(admin, f"{TENANT}/settings/customer-link", "/settings/customer-link", contact_email="")
    submit(gm, f"{TENANT}/settings/revisit", "/settings/revisit", which="op=add")

    with app.app_context(), scope.scoped(scope.SYSTEM):
        from portal.tenancy.models import Category, Department
        category = Category.get(Category.name == FORMULAS[4]).id
        department = Department.get(Department.name == "@SUM(A1)").id
    # intake: every field, and a photo whose name is a payload
    numbers = []
    for i, text in enumerate([None, *FORMULAS[:4]]):
        overrides = {"phone": f"1391234567{i}", "email": f"kunde{i}@example.com", "vin": "", "complainants": "1",
                     "kind": "complaint"}
        if text:
            overrides.update(description=text, category=str(category))
        response = submit(gm, f"{TENANT}/complaints/new", "/complaints/new", **overrides,
                          files={"attachments": (io.BytesIO(PNG), FILE_NAME)} if i == 0 else None)
        numbers.append(int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]))
    cid = numbers[0]
    page = f"{TENANT}/complaints/{cid}"
    submit(gm, page, f"/complaints/{cid}/notes")
    submit(gm, page, f"/complaints/{cid}/attachments", files={"attachments": (io.BytesIO(PNG), FILE_NAME)})
    submit(gm, page, f"/complaints/{cid}/step/start_investigation")
    submit(gm, page, f"/complaints/{cid}/step/transfer")
    # the customer adds information through their link, with a photo
    with app.app_context(), scope.scoped(scope.SYSTEM):
        from portal.status.links import token_for
        status = f"/s/{token_for(Complaint.get_by_id(cid))}"
    customer = app.test_client()
    submit(customer, status, "/info", files={"photos": (io.BytesIO(PNG), FILE_NAME)})
    submit(gm, page, f"/complaints/{cid}/step/propose_plan")
    submit(customer, status, "/answer", answer="accept")
    submit(gm, page, f"/complaints/{cid}/step/implement")
    # the others go to the department whose name is a formula
    for other in numbers[1:]:
        submit(gm, f"{TENANT}/complaints/{other}", f"/complaints/{other}/step/start_investigation")
        submit(gm, f"{TENANT}/complaints/{other}", f"/complaints/{other}/step/transfer", department=str(department),
               assignee="0")
    # supervision, support, crisis on the others
    submit(gm, f"{TENANT}/supervision/complaints/{numbers[1]}/orders", "/orders")
    with app.app_context(), scope.scoped(scope.SYSTEM):
        from portal.revisits.models import RevisitTask
        from portal.supervision.models import SupervisionOrder
        order = SupervisionOrder.get(SupervisionOrder.complaint == numbers[1]).id
        revisit = RevisitTask.get(RevisitTask.complaint == cid).id
    submit(gm, f"{TENANT}/supervision/orders/{order}", f"/orders/{order}/progress",
           files={"attachments": (io.BytesIO(PNG), FILE_NAME)})
    submit(gm, f"{TENANT}/supervision/orders/{order}", f"/orders/{order}/follow-up")
    submit(gm, f"{TENANT}/complaints/{numbers[3]}", f"/support/complaints/{numbers[3]}/requests",
           files={"attachments": (io.BytesIO(PNG), FILE_NAME)})
    submit(gm, f"{TENANT}/complaints/{numbers[2]}", f"/crisis/complaints/{numbers[2]}/declare")
    with app.app_context(), scope.scoped(scope.SYSTEM):
        from portal.crisis.models import CrisisFile
        crisis = f"{TENANT}/crisis/{CrisisFile.get(CrisisFile.complaint == numbers[2]).id}"
    for part in ("/plans", "/statements", "/legal", "/case"):
        submit(gm, crisis, part)
    submit(gm, f"{TENANT}/revisits/{revisit}", f"/revisits/{revisit}", satisfaction="satisfied")
    submit(gm, f"{TENANT}/cases/new/{cid}", f"/cases/new/{cid}")
    submit(gm, f"{TENANT}/approvals/away", "/approvals/away")
    month = f"{datetime.datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m}"
    submit(gm, f"{TENANT}/reports/monthly?month={month}", "/analysis")
    hq = sign_in(app, "hq@svw.demo")
    submit(hq, f"/hq/complaints/{numbers[4]}", f"/hq/complaints/{numbers[4]}/comment")
    submit(hq, "/hq/work-orders/new", "/hq/work-orders/new", phone="13912345679", email="kunde9@example.com",
           vin="")
    return {"complaints": numbers, "status": status, "crisis": crisis}


# --- the checks -----------------------------------------------------------------------------------------

SKIP = ("/logout", "/static/", "/lang")


def crawl(client, seeds, limit=250) -> dict:
    """GET every page reachable from `seeds` by links and HTMX gets (two per URL shape): url -> response."""
    seen, queue, shapes, pages = set(), list(seeds), {}, {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        shape = re.sub(r"\d+", "N", urlparse(url).path) + ("?" if urlparse(url).query else "")
        if url in seen or (shapes.get(shape, 0) >= 2 and url not in seeds) or url.startswith(SKIP):
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        pages[url] = response
        if response.mimetype == "text/html" and response.status_code == 200:
            html = response.get_data(as_text=True)
            for link in re.findall(r'(?:href|hx-get)="([^"#]+)"', html):
                link = urljoin(url, link.replace("&amp;", "&"))
                if link.startswith(("/t/dealer-sh01", "/hq", "/s/")) and link not in seen:
                    queue.append(link)
    return pages


@pytest.mark.parametrize("email, seeds", [
    ("gm@dealer-sh01.demo", [f"{TENANT}/", f"{TENANT}/complaints/"]),
    ("admin@dealer-sh01.demo", [f"{TENANT}/admin/", f"{TENANT}/settings/"]),
    ("hq@svw.demo", ["/hq/", "/hq/complaints"]),
])
def test_no_page_or_fragment_carries_a_payloads_markup(app, site, email, seeds):
    client = sign_in(app, email)
    if "gm@" in email:
        seeds = seeds + [f"{TENANT}/complaints/{cid}" for cid in site["complaints"]] + [site["crisis"]]
    elif "hq@" in email:
        seeds = seeds + [f"/hq/complaints/{cid}" for cid in site["complaints"]]
    pages = crawl(client, seeds)
    problems, escaped = [], 0
    for url, response in pages.items():
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        problems += [f"{url}: {found}" for found in injected(html)]
        escaped += "&lt;script&gt;alert(" in html
    assert problems == [], "\n".join(problems[:20])
    assert escaped >= 3, "the payloads should be on the pages, escaped"
    assert len(pages) > 20


def test_the_status_page_shows_the_customers_and_staffs_payloads_as_text(app, site):
    html = app.test_client().get(site["status"]).get_data(as_text=True)
    assert injected(html) == []
    assert "&lt;script&gt;" in html


TEMPLATE_TYPED = "{{7*7}}{{ &#39;&#39;.__class__.__mro__ }}"  # as typed, HTML-escaped
EVALUATED = ("&lt;class", "<class", "(<class")  # what `''.__class__.__mro__` would print


def test_templates_in_texts_are_shown_as_typed_never_evaluated(app, site):
    """Tenant-editable texts (revisit questions, what customers are shown) and everyone's words are data:
    a Jinja payload in them comes out as typed, on pages and in mail, never evaluated."""
    client = sign_in(app, "gm@dealer-sh01.demo")
    cid = site["complaints"][0]
    with app.app_context(), scope.scoped(scope.SYSTEM):
        from portal.revisits.models import RevisitTask
        revisit = RevisitTask.get(RevisitTask.complaint == cid).id
    pages = {"complaint": client.get(f"{TENANT}/complaints/{cid}"), "crisis": client.get(site["crisis"]),
             "revisit questions": client.get(f"{TENANT}/settings/revisit"),
             "revisit": client.get(f"{TENANT}/revisits/{revisit}"),
             "customer's page": app.test_client().get(site["status"])}
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert TEMPLATE_TYPED in html, f"the {name} page shows the typed template text"
        assert not any(e in html for e in EVALUATED), f"the {name} page evaluated a template"
    bodies = [m["body"] for m in site["mail"]]
    assert any("{{7*7}}" in body for body in bodies)
    assert not any(e in body for body in bodies for e in EVALUATED)


def test_spreadsheet_and_csv_exports_neutralise_formulas(app, site):
    client = sign_in(app, "gm@dealer-sh01.demo")
    month = f"month={datetime.datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m}"  # when the complaints came in
    xlsx = client.get(f"{TENANT}/reports/monthly.xlsx?{month}")
    assert xlsx.status_code == 200
    cells = check_xlsx(xlsx.data, "monthly.xlsx")
    for formula in FORMULAS[:4]:
        assert formula in cells, f"{formula} should be in the export, as text"
    assert any(FORMULAS[4] in c for c in cells) and any("@SUM(A1)" in c for c in cells)  # category, department
    listed = check_csv(client.get(f"{TENANT}/reports/monthly.csv?{month}&part=complaints").data, "complaints.csv")
    for formula in FORMULAS[:4]:
        assert "'" + formula in listed, f"{formula} should be in the export, quoted"
    check_csv(client.get(f"{TENANT}/reports/monthly.csv?{month}").data, "monthly.csv")


def test_no_mail_carries_html_and_payloads_stay_plain_text(site):
    assert site["mail"], "the seeding caused mail"
    for message in site["mail"]:
        msg = message["message"]
        assert msg.get_content_type() == "text/plain" or not any(
            part.get_content_type() == "text/html" for part in msg.walk())
        assert "\n" not in message["subject"]
