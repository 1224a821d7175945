"""The monthly report (客服月报): SQL figures against raw rows, snapshots, exports, HQ, permissions."""
import csv
import io
import json
import random
import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import openpyxl
import pytest

from portal.complaints.models import Complaint, Customer
from portal.complaints.rules import Move
from portal.db import now
from portal.events import Event
from portal.reports import documents, queries, rules, store, worktime
from portal.reports.models import Report
from portal.reports.rules import ComplaintRow, DeadlineRow, Period, RevisitRow
from portal.sla import settings
from portal.sla.models import Deadline, Pause
from portal.tenancy.models import Category, Department
from tests import factories as f
from tests.conftest import translated
from tests.test_query_counts import counting
from tests.test_reports_rules import independent

MONTH = Period.parse("2025-11")
BASE = "/t/dealer-sh01/reports"
GRADES = ["general", "general", "important", "hot", "major"]
CHANNELS = ["phone", "walk_in", "web", "hq_dispatch"]
SATISFACTION = ["very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied"]


# --- a generated month ------------------------------------------------------------------------------

def _deadline(rng, tenant, c, kind, received):
    """One deadline in one of the shapes the engine leaves behind."""
    due = received + timedelta(hours=rng.uniform(2, 35 * 24))
    shape = rng.choice(["on_time", "late", "running", "paused_then_met", "paused", "met_early"])
    met = {"on_time": due - timedelta(hours=1), "late": due + timedelta(hours=5), "running": None,
           "paused_then_met": received + timedelta(days=3), "paused": None,
           "met_early": received + timedelta(hours=1)}[shape]
    if shape.startswith("paused"):
        Pause.create(tenant=tenant, complaint=c, reason="parts", started_at=received + timedelta(hours=1),
                     ended_at=met)
        due = None
    on_time = None if met is None else (due is None or met <= due)
    Deadline.create(tenant=tenant, complaint=c, kind=kind, started_at=received, budget_seconds=3600.0,
                    due_at=due, met_at=met, on_time=on_time)


def generate(tenant, n=60, seed=7, month=MONTH, description=None):
    """n register entries around `month`: spanning its boundaries, closed, reopened, merged, paused."""
    rng = random.Random(seed)
    b = month.bounds(tenant.timezone)
    cats, depts = list(Category.select()), list(Department.select())
    customer = Customer.create(tenant=tenant, name="测试客户", phone=f"1390000{seed:04d}")
    for i in range(n):
        received = b.start + timedelta(seconds=rng.uniform(-40 * 86400, (b.end - b.start).total_seconds() + 10 * 86400))
        state = rng.choice(["open", "closed", "closed", "invalid", "merged", "reopened", "returned", "redirected"])
        closed = received + timedelta(seconds=rng.uniform(1800, 45 * 86400)) if state in ("closed", "invalid") else None
        status = {"open": "transferred", "closed": "closed", "invalid": "closed_invalid", "merged": "merged",
                  "reopened": "investigating", "returned": "returned", "redirected": "redirected"}[state]
        c = Complaint.create(
            tenant=tenant, number=f"G{seed}-{i:04d}", kind=rng.choice(["complaint"] * 5 + ["inquiry", "repair"]),
            channel=rng.choice(CHANNELS), status=status, grade=rng.choice(GRADES), customer=customer,
            category=rng.choice(cats + [None]), department=rng.choice(depts + [None]),
            description=description or f"生成的投诉 {i}", received_at=received,
            closed_at=received + timedelta(hours=2) if state in ("merged", "returned", "redirected") else closed,
            is_repeat=rng.random() < 0.2, crisis=rng.random() < 0.1, reopen_count=int(state == "reopened"))
        for kind in ("reply", "completion", "plan") + (("reply",) if state == "reopened" else ()):
            _deadline(rng, tenant, c, kind, received)
        for _ in range(rng.choice([0, 1, 1, 2])):  # a second revisit: the first one reopened it
            data = {"move": "revisit", "satisfaction": rng.choice(SATISFACTION),
                    "comment": '客户说 "satisfaction": "satisfied" 不对'}
            Event.create(tenant=tenant, kind="complaint.moved", subject_type="complaint", subject_id=c.id,
                         at=received + timedelta(days=rng.uniform(0, 30)),
                         data=json.dumps(data, ensure_ascii=False, sort_keys=True))
        Event.create(tenant=tenant, kind="complaint.moved", subject_type="complaint", subject_id=c.id, at=received,
                     data=json.dumps({"move": "start_investigation"}))


def raw_rows():
    """Every complaint, deadline and revisit of the tenant as they sit in the tables."""
    names = {c.id: c.name for c in Category.select()}
    departments = {d.id: d.name for d in Department.select()}
    complaints = [SimpleNamespace(id=c.id, kind=c.kind, status=c.status, grade=c.grade,
                                  category=names.get(c.category_id, ""),
                                  department=departments.get(c.department_id, ""),
                                  channel=c.channel, received_at=c.received_at, closed_at=c.closed_at,
                                  is_repeat=c.is_repeat, crisis=c.crisis) for c in Complaint.select()]
    deadlines = [SimpleNamespace(complaint=d.complaint_id, kind=d.kind, due_at=d.due_at, met_at=d.met_at,
                                 on_time=d.on_time) for d in Deadline.select()]
    revisits = []
    for e in Event.select().where(Event.kind == "complaint.moved"):
        data = json.loads(e.data or "{}")
        if data.get("move") == "revisit":
            revisits.append(SimpleNamespace(complaint=e.subject_id, at=e.at, satisfaction=data["satisfaction"]))
    return complaints, deadlines, revisits


def sql_figures(tenant, period=MONTH, as_of=None):
    return rules.summarise(queries.tallies([tenant], period, as_of=as_of or now())[tenant.id])


def assert_matches(got, want):
    for key in ("register", "passed_on", "new", "closed", "open_at_end", "carried_over", "by_grade", "by_category"):
        assert got[key] == want[key], key
    for key in ("response_rate", "completion_rate", "satisfaction_rate", "repeat_rate"):
        value = got[key]["value"]
        assert (value is None) if want[key] is None else value == pytest.approx(want[key]), key
    for key in ("mean_days", "median_days"):  # to a few seconds: SQLite's julianday() keeps milliseconds
        value = got["handling"][key]
        assert (value is None) if want[key] is None else value == pytest.approx(want[key], abs=1e-4), key


@pytest.mark.parametrize("shift", [0, -1, 1])
def test_every_kpi_of_a_generated_month_equals_an_independent_computation(in_tenant, shift):
    with in_tenant("dealer-sh01") as t:
        generate(t)
        period, as_of = MONTH.shift(shift), now()
        cal = settings.calendar_for(t)
        want = independent(*raw_rows(), as_of, cal, bounds=period.bounds(t.timezone))
        got = sql_figures(t, period, as_of)
    assert got["new"] > 0 and got["response_rate"]["den"] > 0 and got["satisfaction_rate"]["den"] > 0
    assert_matches(got, want)
    assert got["new"] + got["carried_over"] == got["closed"] + got["open_at_end"]


def test_the_sql_tally_equals_the_rules_tally_of_the_same_rows(in_tenant):
    with in_tenant("dealer-sh01") as t:
        generate(t, seed=11)
        complaints, deadlines, revisits = raw_rows()
        as_of, b = now(), MONTH.bounds(t.timezone)
        reference = rules.tally_rows([ComplaintRow(**vars(c)) for c in complaints],
                                     [DeadlineRow(**vars(d)) for d in deadlines],
                                     [RevisitRow(**vars(r)) for r in revisits],
                                     b, as_of, worktime.handling_days(settings.calendar_for(t)),
                                     previous=MONTH.shift(-1).bounds(t.timezone))
        got = sql_figures(t, MONTH, as_of)
    want = rules.summarise(reference)
    assert got["handling"]["mean_days"] == pytest.approx(want["handling"]["mean_days"])
    assert {k: v for k, v in got.items() if k != "handling"} == {k: v for k, v in want.items() if k != "handling"}


def test_a_month_without_complaints_has_zero_counts_and_no_rates(in_tenant):
    with in_tenant("dealer-sh01") as t:
        got = sql_figures(t, Period.parse("2024-01"))
    assert (got["new"], got["closed"], got["register"]) == (0, 0, 0)
    rates = ("response_rate", "completion_rate", "satisfaction_rate", "repeat_rate")
    assert all(got[k]["value"] is None for k in rates)
    assert got["handling"]["mean_days"] is None and got["top_problems"] == []


def test_the_trend_counts_new_and_closed_complaints_month_by_month(in_tenant):
    with in_tenant("dealer-sh01") as t:
        generate(t, seed=3)
        complaints, _, _ = raw_rows()
        points = store.trend([t], MONTH)
        months = [(m.label, m.bounds(t.timezone)) for m in rules.trailing_months(MONTH)]
    cs = [c for c in complaints if c.kind == "complaint" and c.status not in ("merged", "returned", "redirected")]
    for point, (label, b) in zip(points, months):
        assert point["period"] == label
        assert point["new"] == sum(1 for c in cs if b.start <= c.received_at < b.end)
        assert point["closed"] == sum(1 for c in cs if c.closed_at and b.start <= c.closed_at < b.end)
    assert sum(p["new"] for p in points) > 0


def test_complaints_walked_through_the_process_count_in_the_current_month(in_tenant):
    with in_tenant("dealer-sh01") as t:
        done = f.advance(f.complaint(), Move.REVISIT)
        f.complaint(phone="13911112222")
        period, as_of = Period.month_of(datetime.fromisoformat(documents.local(now(), t.timezone)).date()), now()
        want = independent(*raw_rows(), as_of, settings.calendar_for(t), bounds=period.bounds(t.timezone))
        got = sql_figures(t, period, as_of)
    assert done.status == "closed" and got["closed"] >= 1 and got["satisfaction_rate"]["num"] >= 1
    assert_matches(got, want)


def test_the_network_report_adds_up_its_workspaces_tenant_by_tenant(app, in_tenant, login):
    for slug, seed in (("dealer-sh01", 5), ("dealer-sh02", 6)):
        with in_tenant(slug) as t:
            generate(t, n=25, seed=seed)
            alone = sql_figures(t)
            assert alone["new"] > 0
    from portal import scope
    from portal.tenancy.actions import tenants_of
    from portal.tenancy.models import Network
    network = Network.get(Network.slug == "svw")
    with scope.scoped(scope.for_network(network)):
        tenants = tenants_of(network)
        doc = documents.hq_monthly(tenants, MONTH)
        separately = {t.id: rules.summarise(queries.tallies([t], MONTH)[t.id]) for t in tenants}
    for row in doc["rows"]:
        mine = separately[row["tenant"].id]
        assert {k: row["figures"][k] for k in ("new", "closed", "open_at_end", "response_rate")} == \
               {k: mine[k] for k in ("new", "closed", "open_at_end", "response_rate")}
    for key in ("new", "closed", "open_at_end", "carried_over", "register"):
        assert doc["figures"][key] == sum(r["figures"][key] for r in doc["rows"])
    for outcome in ("returned", "redirected"):
        assert doc["figures"]["passed_on"][outcome] == sum(r["figures"]["passed_on"][outcome] for r in doc["rows"])
    body = login("hq@svw.demo").get(f"/hq/reports/monthly?month={MONTH.label}").get_data(as_text=True)
    assert "上海浦东一店" in body and "上海闵行二店" in body and "北京朝阳项目公司" not in body
    assert f'data-figure="new">{doc["figures"]["new"]}<' in body


# --- the page, the snapshot, the exports ------------------------------------------------------------

def figures_on_page(html: str) -> dict:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def test_the_monthly_page_shows_the_figures_charts_and_definitions_without_inline_styles(in_tenant, login, app):
    with in_tenant("dealer-sh01") as t:
        generate(t)
        want = sql_figures(t)
    html = login("manager@dealer-sh01.demo").get(f"{BASE}/monthly?month={MONTH.label}").get_data(as_text=True)
    shown = figures_on_page(html)
    assert int(shown["new"]) == want["new"] and int(shown["open_at_end"]) == want["open_at_end"]
    assert 'class="chart chart-trend"' in html and 'class="gauge"' in html and 'class="chart chart-bars"' in html
    assert "style=" not in html and "<script>" not in html
    assert translated(app, "How the figures are counted") in html


def test_a_submitted_report_does_not_change_when_complaints_change_later(in_tenant, login, app):
    with in_tenant("dealer-sh01") as t:
        generate(t)
    client = login("manager@dealer-sh01.demo")
    page = f"{BASE}/monthly?month={MONTH.label}"
    response = client.post(f"{BASE}/monthly/{MONTH.label}/analysis",
                           data={"analysis": "等待时间类投诉上升，整改：预约制", "version": "0", "submit": "1"})
    assert response.status_code == 303
    before = figures_on_page(client.get(page).get_data(as_text=True))
    with in_tenant("dealer-sh01") as t:
        frozen = Report.get((Report.kind == "monthly") & (Report.period == MONTH.label))
        b = MONTH.bounds(t.timezone)
        for c in Complaint.select().where(Complaint.received_at.between(b.start, b.end)):  # close everything
            Complaint.update(status="closed", closed_at=b.start + timedelta(days=3)).where(
                Complaint.id == c.id).execute()
        generate(t, n=10, seed=99)  # and more complaints arrive in that month
        Deadline.update(on_time=False).execute()
        live = sql_figures(t)
    html = client.get(page).get_data(as_text=True)
    assert figures_on_page(html) == before and before != {k: str(v) for k, v in live.items() if k in before}
    assert "等待时间类投诉上升" in html
    with in_tenant("dealer-sh01"):
        assert Report.get_by_id(frozen.id).snapshot == frozen.snapshot and frozen.submitted
    again = client.post(f"{BASE}/monthly/{MONTH.label}/analysis", data={"analysis": "改", "version": str(frozen.version),
                                                                      "save": "1"})
    assert again.status_code == 303
    with in_tenant("dealer-sh01"):
        assert Report.get_by_id(frozen.id).analysis.startswith("等待时间类投诉上升")
    hq = login("hq@svw.demo", c=app.test_client())
    listing = hq.get(f"/hq/reports/monthly?month={MONTH.label}").get_data(as_text=True)
    assert f"/hq/reports/submitted/{frozen.id}" in listing
    shown = hq.get(f"/hq/reports/submitted/{frozen.id}").get_data(as_text=True)
    assert figures_on_page(shown) == before and "等待时间类投诉上升" in shown


def test_a_draft_is_saved_and_a_second_editor_with_an_old_version_is_refused(in_tenant, login):
    client = login("manager@dealer-sh01.demo")
    url = f"{BASE}/monthly/{MONTH.label}/analysis"
    assert client.post(url, data={"analysis": "初稿", "version": "0", "save": "1"}).status_code == 303
    stale = client.post(url, data={"analysis": "另一个人的稿", "version": "0", "save": "1"})
    assert stale.status_code == 409 and "另一个人的稿" in stale.get_data(as_text=True)
    empty = client.post(url, data={"analysis": "  ", "version": "1", "submit": "1"})
    assert empty.status_code == 422
    with in_tenant("dealer-sh01"):
        report = Report.get((Report.kind == "monthly") & (Report.period == MONTH.label))
        assert (report.analysis, report.status, report.version) == ("初稿", "draft", 1)
        assert Event.select().where((Event.kind == "report.saved") & (Event.subject_id == report.id)).count() == 1


def test_only_roles_with_the_report_permissions_see_or_submit_reports(login, app):
    assert login("advisor@dealer-sh01.demo").get(f"{BASE}/monthly").status_code == 403
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    assert cs.get(f"{BASE}/monthly").status_code == 200
    assert cs.post(f"{BASE}/monthly/{MONTH.label}/analysis", data={"analysis": "x", "version": "0",
                                                                   "save": "1"}).status_code == 403
    assert cs.get(f"{BASE}/monthly?month=2025-13").status_code == 404


def test_the_xlsx_opens_with_openpyxl_and_its_figures_equal_the_pages(in_tenant, login):
    with in_tenant("dealer-sh01") as t:
        generate(t, description="=HYPERLINK(\"http://evil.example\",\"点我\")")
        register = sql_figures(t)["register"]
    client = login("manager@dealer-sh01.demo")
    html = client.get(f"{BASE}/monthly?month={MONTH.label}").get_data(as_text=True)
    response = client.get(f"{BASE}/monthly.xlsx?month={MONTH.label}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["汇总", "投诉明细"]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    shown = figures_on_page(html)
    assert str(summary["新增投诉"]) == shown["new"] and str(summary["本月结案"]) == shown["closed"]
    assert str(summary["月末未结"]) == shown["open_at_end"] and str(summary["上月结转"]) == shown["carried_over"]
    assert f'{summary["平均处理时长（工作日）"]:.1f}' == shown["mean_days"]
    assert f'{summary["及时响应率"] * 100:.1f}%' in html and book["汇总"]["B9"].number_format == "0.0%"
    sheet = book["投诉明细"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["编号", "类型", "渠道"] and "受理时间" in header
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == register
    received = rows[0][header.index("受理时间")]
    assert isinstance(received.value, datetime) and received.is_date
    text = rows[0][header.index("投诉内容")]
    assert text.value.startswith("=HYPERLINK") and text.data_type == "s" and text.quotePrefix


def test_the_csv_exports_are_utf8_with_a_byte_order_mark_and_neutralise_formulas(in_tenant, login):
    with in_tenant("dealer-sh01") as t:
        generate(t, n=10, description="@SUM(A1:A2) 大灯")
    client = login("manager@dealer-sh01.demo")
    summary = client.get(f"{BASE}/monthly.csv?month={MONTH.label}")
    assert summary.data.startswith(b"\xef\xbb\xbf") and "text/csv" in summary.headers["Content-Type"]
    rows = list(csv.reader(io.StringIO(summary.data.decode("utf-8-sig"))))
    assert rows[0] == ["指标", "数值"] and rows[1] == ["月份", MONTH.label]
    detail = client.get(f"{BASE}/monthly.csv?month={MONTH.label}&part=complaints").data
    lines = list(csv.reader(io.StringIO(detail.decode("utf-8-sig"))))
    assert detail.startswith(b"\xef\xbb\xbf") and lines[0][0] == "编号"
    assert all(line[-1] == "'@SUM(A1:A2) 大灯" for line in lines[1:]) and len(lines) > 1


def test_the_monthly_page_runs_the_same_few_queries_however_many_complaints(in_tenant, login):
    """9 once the months are stored: sign-in and workspace (3), the report row, the calendar settings (2),
    the month with its lists, the trend's months, the event counts."""
    client = login("manager@dealer-sh01.demo")
    url = f"{BASE}/monthly?month={MONTH.label}"
    with in_tenant("dealer-sh01") as t:
        generate(t, n=5, seed=1)
    client.get(url)  # computes and stores the months
    with counting() as few:
        assert client.get(url).status_code == 200
    with in_tenant("dealer-sh01") as t:
        generate(t, n=60, seed=2)  # their events mark the months they touch
    with counting() as recomputing:  # shown as stored; the worker (here in-process, once answered) recomputes
        assert client.get(url).status_code == 200
    client.get(url)  # keeps the recomputed month's lists
    with counting() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many) <= 9, "\n".join(s[:120] for s in many)
    touched = sum(s.startswith('UPDATE "monthly_figures" SET "ends_at"') for s in recomputing)
    # the claim (2), the worker's tenant, calendar and months (4), nine statements a month
    assert 1 <= touched <= 3 and len(recomputing) <= len(many) + 6 + 6 + 9 * touched


# --- quarterly and major complaints ------------------------------------------------------------------

def test_the_quarterly_analyses_split_general_from_hot_and_important_complaints(in_tenant, login):
    with in_tenant("dealer-sh01") as t:
        generate(t)
        quarter = Period.parse("2025-Q4")
        general = rules.summarise(queries.tallies([t], quarter, grades=rules.GROUPS["general"])[t.id])
        hot = rules.summarise(queries.tallies([t], quarter, grades=rules.GROUPS["hot_important"])[t.id])
        everything = rules.summarise(queries.tallies([t], quarter)[t.id])
    assert set(general["by_grade"]) >= {"general"} and general["by_grade"]["hot"] == 0
    assert hot["by_grade"]["general"] == 0 and hot["by_grade"]["hot"] + hot["by_grade"]["important"] == hot["new"]
    assert general["new"] + hot["new"] + everything["by_grade"]["major"] == everything["new"]
    client = login("manager@dealer-sh01.demo")
    for group, figures in (("general", general), ("hot_important", hot)):
        page = client.get(f"{BASE}/quarterly/{group}?quarter=2025-Q4")
        assert page.status_code == 200 and figures_on_page(page.get_data(as_text=True))["new"] == str(figures["new"])
    assert client.get(f"{BASE}/quarterly/general?quarter=2025-11").status_code == 404
    submitted = client.post(f"{BASE}/hot_important/2025-Q4/analysis", data={"analysis": "热点投诉集中在等待时间",
                                                                         "version": "0", "submit": "1"})
    assert submitted.status_code == 303
    assert "热点投诉集中在等待时间" in client.get(f"{BASE}/quarterly/hot_important?quarter=2025-Q4").get_data(as_text=True)


def test_every_major_complaint_has_its_own_analysis_page_with_masked_customer_data(in_tenant, login, app):
    with in_tenant("dealer-sh01"):
        major = f.advance(f.complaint(), Move.TRANSFER)
        Complaint.update(grade="major").where(Complaint.id == major.id).execute()
        general = f.complaint(phone="13955556666")
    client = login("manager@dealer-sh01.demo")
    page = client.get(f"{BASE}/major/{major.id}").get_data(as_text=True)
    assert major.number in page and "138****8000" in page and "13800138000" not in page and "张*" in page
    assert client.get(f"{BASE}/major/{general.id}").status_code == 404
    assert client.post(f"{BASE}/major/{major.id}/analysis", data={"analysis": "根因：配件缺货", "version": "0",
                                                                  "submit": "1"}).status_code == 303
    with in_tenant("dealer-sh01") as t:
        report = Report.get(Report.kind == "major")
        this_month = Period.month_of(datetime.fromisoformat(documents.local(now(), t.timezone)).date()).label
    frozen = json.loads(report.snapshot)
    assert frozen["complaint"]["number"] == major.number and frozen["analysis"] == "根因：配件缺货"
    hq = login("hq@svw.demo", c=app.test_client())
    listing = hq.get(f"/hq/reports/monthly?month={this_month}").get_data(as_text=True)
    assert f"/hq/reports/submitted/{report.id}" in listing
    shown = hq.get(f"/hq/reports/submitted/{report.id}").get_data(as_text=True)
    assert "根因：配件缺货" in shown and major.number in shown and "13800138000" not in shown


def test_headquarters_reads_submitted_reports_of_its_own_network_only(in_tenant, login, app):
    client = login("manager@dealer-sh01.demo")
    url = f"{BASE}/monthly/{MONTH.label}/analysis"
    client.post(url, data={"analysis": "草稿", "version": "0", "save": "1"})
    with in_tenant("dealer-sh01"):
        report = Report.get(Report.kind == "monthly")
    hq, other = login("hq@svw.demo", c=app.test_client()), login("hq@prop.demo", c=app.test_client())
    assert hq.get(f"/hq/reports/submitted/{report.id}").status_code == 404  # a draft is the tenant's own
    client.post(url, data={"analysis": "正式", "version": "1", "submit": "1"})
    assert hq.get(f"/hq/reports/submitted/{report.id}").status_code == 200
    assert other.get(f"/hq/reports/submitted/{report.id}").status_code == 404
    staff = login("cs@dealer-sh01.demo", c=app.test_client())
    assert staff.get(f"/hq/reports/submitted/{report.id}").status_code == 404
