"""The HQ dashboard: every figure equals the same figure counted from the raw rows, links to the rows behind
it, puts the worst tenants first, and costs the same few queries for 2 tenants as for 32."""
import contextlib
import datetime
import html
import logging
import re
from zoneinfo import ZoneInfo

from portal import scope
from portal.complaints.models import Complaint
from portal.complaints.rules import OPEN_STATES, SATISFIED, Move
from portal.hq import queries
from portal.hq.models import ReportReview, WorkOrder
from portal.revisits.models import RevisitTask
from portal.sla.models import Deadline
from portal.supervision.models import Milestone, SupervisionOrder
from portal.tenancy.actions import create_tenant
from portal.tenancy.models import Network, Tenant
from tests import factories as f
from tests.conftest import translated

HQ = "hq@svw.demo"
NOW = lambda: datetime.datetime.now(datetime.UTC).replace(tzinfo=None)  # noqa: E731


def tenant(slug) -> Tenant:
    return Tenant.get(Tenant.slug == slug)


@contextlib.contextmanager
def inside(app, slug):
    with app.app_context(), scope.scoped(scope.for_tenant(tenant(slug))):
        yield


def make_register(app, login):
    """Complaints of every kind of figure in two dealers of svw, and some in the property network."""
    with inside(app, "dealer-sh01"):
        major = f.complaint(phone="13900000001", description="已起诉，法院已立案")  # a filed lawsuit: major
        hot = f.complaint(phone="13900000002", description="客户说要找媒体曝光")
        f.complaint(phone="13900000003", kind="inquiry", description="咨询保养价格")
        crisis = f.complaint(phone="13900000004", description="刹车失灵导致事故，客户受伤，要求赔偿")
        f.advance(f.complaint(phone="13900000005"), Move.PROPOSE_PLAN)  # reply met in time
        late = f.complaint(phone="13900000006")
        Deadline.update(due_at=NOW() - datetime.timedelta(hours=2)).where(
            (Deadline.complaint == late.id) & (Deadline.kind == "reply")).execute()
        f.advance(late, Move.PROPOSE_PLAN)  # reply met late
        overdue = f.complaint(phone="13900000007")
        Deadline.update(due_at=NOW() - datetime.timedelta(days=1)).where(
            (Deadline.complaint == overdue.id) & Deadline.kind.in_(["reply", "completion"])).execute()
        f.advance(f.complaint(phone="13900000008"), Move.REVISIT)  # revisited, satisfied, closed
        unhappy = f.advance(f.complaint(phone="13900000009"), Move.IMPLEMENT)
        from portal.complaints import actions
        gm = f.user("gm@dealer-sh01.demo")
        actions.move(unhappy, Move.REVISIT, gm, actions.permissions_of(gm, tenant("dealer-sh01")),
                     {"satisfaction": "dissatisfied"})
        f.complaint(phone="13900000010", description="安全气囊没有弹出")  # a written report to HQ
    with inside(app, "dealer-sh02"):
        f.complaint("dealer-sh02", phone="13900000011")
        f.complaint("dealer-sh02", phone="13900000012", description="已起诉")
    with inside(app, "prop-bj01"):
        f.complaint("prop-bj01", phone="13900000013", description="已起诉，法院已立案")
    client = login(HQ)
    client.post(f"/hq/complaints/{hot.id}/supervision", data={"reason": "督办"})
    with app.app_context(), scope.scoped(scope.SYSTEM):
        Milestone.update(warned_at=NOW()).where(Milestone.order.in_(
            SupervisionOrder.select(SupervisionOrder.id).where(SupervisionOrder.complaint == hot.id))).execute()
    form = {"tenant": tenant("dealer-sh02").id, "source": "media", "response_hours": "2", "kind": "complaint",
            "customer_name": "韩梅", "phone": "13900000014", "description": "记者来电询问", "complainants": "1",
            "intake_key": "dash-1"}
    assert client.post("/hq/work-orders/new", data=form).status_code == 303
    with app.app_context(), scope.scoped(scope.SYSTEM):
        WorkOrder.update(response_due_at=NOW() - datetime.timedelta(minutes=5)).execute()
    return {"major": major, "crisis": crisis}


def expected_figures(network_slug="svw") -> dict:
    """The dashboard's figures, counted from the raw rows in Python (not with the queries under test)."""
    zone = ZoneInfo("Asia/Shanghai")
    local = datetime.datetime.now(zone)
    since = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(datetime.UTC).replace(tzinfo=None)
    at = NOW()
    with scope.scoped(scope.SYSTEM):
        network = Network.get(Network.slug == network_slug)
        tenants = list(Tenant.select().where(Tenant.network == network.id))
        complaints = list(Complaint.select())
        deadlines = list(Deadline.select())
        reviews = {r.complaint_id for r in ReportReview.select()}
        tasks = list(RevisitTask.select())
        orders = list(SupervisionOrder.select())
        milestones = list(Milestone.select())
        work_orders = list(WorkOrder.select())
    figures = {}
    for t in tenants:
        mine = [c for c in complaints if c.tenant_id == t.id]
        open_ = [c for c in mine if c.status in OPEN_STATES and c.kind == "complaint"]
        running = [d for d in deadlines if d.tenant_id == t.id and d.met_at is None and d.due_at and d.due_at < at]
        met = [d for d in deadlines if d.tenant_id == t.id and d.met_at and d.met_at >= since]
        done = [r for r in tasks if r.tenant_id == t.id and r.status == "done" and r.done_at and r.done_at >= since
                and r.satisfaction]
        open_orders = [o for o in orders if o.tenant_id == t.id and o.status == "open"]
        warned = {m.order_id for m in milestones if m.order_id in {o.id for o in open_orders} and m.status == "open"
                  and m.warned_at}
        waiting = [w for w in work_orders if w.tenant_id == t.id and w.status == "dispatched"]

        def rate(rows, good):
            return None if not rows else round(100.0 * len([r for r in rows if good(r)]) / len(rows), 1)

        figures[t.slug] = {
            "open_total": len(open_), "crises": len([c for c in open_ if c.crisis]),
            **{f"open_{g}": len([c for c in open_ if c.grade == g]) for g in ("general", "important", "hot", "major")},
            "overdue_reply": len([d for d in running if d.kind == "reply"]),
            "overdue_completion": len([d for d in running if d.kind == "completion"]),
            "response_rate": rate([d for d in met if d.kind == "reply"], lambda d: d.on_time),
            "completion_rate": rate([d for d in met if d.kind == "completion"], lambda d: d.on_time),
            "satisfaction_rate": rate(done, lambda r: r.satisfaction in SATISFIED),
            "reports_pending": len([c for c in mine if c.report_required and c.id not in reviews and c.status != "merged"]),
            "work_orders_waiting": len(waiting), "work_orders_overdue": len([w for w in waiting if w.response_due_at < at]),
            "supervision_open": len(open_orders), "warnings": len(warned),
        }
    return figures


def dashboard_figures(app) -> dict:
    with app.app_context(), scope.scoped(scope.for_network(Network.get(Network.slug == "svw"))):
        rows = queries.comparison(Network.get(Network.slug == "svw"))
    keys = next(iter(expected_figures().values())).keys()
    return {r["tenant"].slug: {k: r[k] for k in keys} for r in rows}


def test_every_dashboard_figure_equals_the_count_from_the_raw_rows(app, login):
    make_register(app, login)
    with app.app_context():
        expected = expected_figures()
    got = dashboard_figures(app)
    assert got == expected
    sh01 = expected["dealer-sh01"]
    # the register above exercises every figure, so equality is not 0 == 0
    assert sh01["open_major"] >= 1 and sh01["crises"] >= 1 and sh01["overdue_reply"] >= 1
    assert sh01["response_rate"] not in (None, 100.0) and sh01["satisfaction_rate"] == 50.0
    assert sh01["reports_pending"] >= 1 and sh01["supervision_open"] >= 1 and sh01["warnings"] >= 1
    assert expected["dealer-sh02"]["work_orders_overdue"] == 1


def test_the_comparison_page_shows_the_figures_and_never_another_networks_tenants(app, login):
    make_register(app, login)
    with app.app_context():
        expected = expected_figures()
    body = login(HQ).get("/hq/comparison").get_data(as_text=True)
    row = re.search(r'<tr data-tenant="dealer-sh01">(.*?)</tr>', body, re.S).group(1)
    cell = re.search(r'data-figure="overdue_reply">(.*?)</td>', row, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", cell).strip() == str(expected["dealer-sh01"]["overdue_reply"])
    rate = re.search(r'data-figure="response_rate">(.*?)</td>', row, re.S).group(1)
    assert f'{expected["dealer-sh01"]["response_rate"]}%' in rate
    assert "北京朝阳项目公司" not in body and 'data-tenant="prop-bj01"' not in body


def test_each_figure_links_to_the_list_of_exactly_those_complaints(app, login):
    make_register(app, login)
    with app.app_context():
        expected = expected_figures()["dealer-sh01"]
    client = login(HQ)
    body = client.get("/hq/comparison").get_data(as_text=True)
    row = re.search(r'<tr data-tenant="dealer-sh01">(.*?)</tr>', body, re.S).group(1)
    cells = dict(re.findall(r'<td data-figure="(\w+)">(.*?)</td>', row, re.S))
    checked = 0
    for key in ("open_total", "open_major", "crises", "overdue_reply", "overdue_completion", "reports_pending",
                "supervision_open", "warnings"):
        href, text = re.search(r'<a href="([^"]+)"[^>]*>(.*?)</a>', cells[key]).groups()
        assert text == str(expected[key]), key
        listed = client.get(html.unescape(href)).get_data(as_text=True)
        count = translated(app, "%(n)s complaints", n=str(expected[key]))
        assert f">{count}<" in listed, (key, re.findall(r'result-count">([^<]*)', listed))
        checked += 1
    assert checked == 8


def test_the_worst_tenants_come_first(app, login):
    make_register(app, login)
    rows = list(dashboard_figures(app))
    assert rows[0] == "dealer-sh01"  # the one with overdue deadlines and missed milestones
    body = login(HQ).get("/hq/comparison?sort=name&dir=asc").get_data(as_text=True)
    assert body.index("上海浦东一店") < body.index("上海闵行二店")


class _Statements(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sql = []

    def emit(self, record):
        if record.name != "peewee":  # peewee.pool logs connection returns: not statements
            return
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        if sql.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            self.sql.append(sql)


def statements(client, url) -> list[str]:
    logger, handler = logging.getLogger("peewee"), _Statements()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        assert client.get(url).status_code == 200
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return handler.sql


def test_the_dashboard_runs_the_same_few_queries_for_2_tenants_as_for_32(app, login):
    make_register(app, login)
    client = login(HQ)
    urls = ["/hq/", "/hq/comparison", "/hq/inbox", "/hq/work-orders?status=dispatched&compact=1"]
    small = {url: len(statements(client, url)) for url in urls}
    with app.app_context():
        network = Network.get(Network.slug == "svw")
        for i in range(30):
            t = create_tenant(network, f"dealer-x{i:02d}", f"测试店{i:02d}", f"X{i:02d}")
            with scope.scoped(scope.for_tenant(t)):
                from portal.complaints import actions
                from portal.tenancy.models import Category
                actions.intake(t, None, f.intake_data(phone=f"1370000{i:04d}", category=Category.select().first()))
    big = {url: len(statements(client, url)) for url in urls}
    assert big == small
    assert small["/hq/comparison"] <= 10, small  # 8 for the figures (tenants + 7 aggregates), 2 for the request


COMPARISON_INDEXES = ["complaint_open_by_grade", "complaint_report_required", "deadline_unmet_by_kind",
                      "deadline_kind_met_at_tenant_id_on_time", "revisit_task_done"]


def test_the_comparison_reads_its_figures_from_the_indexes_made_for_it(app, login):
    """Each partial index's predicate is the query's own WHERE clause, so the planner can use it: a change on
    either side (a new open state, a reworded condition) would fall back to scanning the register. With the
    tables' other indexes dropped (in a transaction rolled back) and, on PostgreSQL, sequential scans
    discouraged, each figure must still be read through its index."""
    from peewee import SqliteDatabase
    from portal.db import database
    make_register(app, login)
    with app.app_context():
        db = database.obj
        sqlite = isinstance(db, SqliteDatabase)
        network = Network.get(Network.slug == "svw")
        seen = []
        db.query_hooks.append(lambda event: seen.append((event.sql, event.params)))
        try:
            with scope.scoped(scope.for_network(network)):
                queries.comparison(network)
        finally:
            db.query_hooks.pop()
        with db.atomic() as transaction:
            for table in ("complaint", "deadline", "revisit_task"):
                for index in db.get_indexes(table):
                    if index.name not in COMPARISON_INDEXES and not index.name.endswith("_pkey") \
                            and not index.name.startswith("sqlite_autoindex"):
                        db.execute_sql(f'DROP INDEX "{index.name}"')
            if not sqlite:
                db.execute_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            plans = "\n".join(" ".join(map(str, row)) for sql, params in seen
                              for row in db.execute_sql(explain + sql, params).fetchall())
            transaction.rollback()
    assert [name for name in COMPARISON_INDEXES if name not in plans] == [], plans
