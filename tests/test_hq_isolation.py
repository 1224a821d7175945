"""Headquarters sees its own network only: every /hq route, walked from the URL map, answers 404 for
another network's complaints, work orders, tenants, approvals and support requests; tenant staff get
404 on every /hq URL; a tenant never reaches another tenant's work orders."""
import re

import pytest

from portal import scope
from portal.tenancy.models import Network, Tenant
from tests import factories as f
from tests.conftest import build_url, rules_under

HQ_RULES = rules_under("/hq")
# The HQ workspace's own routes; other areas' /hq pages (reports, cases) name their own rows.
OWN_RULES = [r for r in HQ_RULES if r.endpoint.startswith("hq.")]
WORK_ORDER_RULES = [r for r in rules_under("/t/<tenant>") if r.endpoint.startswith("work_orders.")]
OTHER_NETWORK_NAMES = ["北京朝阳项目公司", "北京海淀项目公司", "万家地产物业集团"]
# What each integer argument of an HQ route names.
ARGUMENT_OBJECTS = {"cid": "complaint", "wid": "work_order", "tid": "tenant", "aid": "approval", "rid": "support"}


def rule_id(rule) -> str:
    return f"{rule.endpoint}:{rule.rule}"


def methods_of(rule) -> list[str]:
    return [m for m in ("GET", "POST") if m in rule.methods]


def objects_of(app, login, hq_email: str, tenant_slug: str) -> dict:
    """One of everything an HQ route can name, in a network: a complaint (major, with an approval routed to
    HQ and a support request), a work order dispatched by that network's HQ, the tenant itself."""
    from portal.approvals import actions as approvals
    from portal.complaints.models import Complaint
    from portal.hq.models import WorkOrder
    from portal.support import actions as support
    tenant = Tenant.get(Tenant.slug == tenant_slug)
    with app.app_context(), scope.scoped(scope.for_tenant(tenant)):
        c = f.complaint(tenant_slug, description="已起诉，法院已立案")
        c = Complaint.get_by_id(c.id)
        approval = approvals.request_downgrade(c, f.user(f"manager@{tenant_slug}.demo"), "hot", "诉讼撤回")
        row = support.request(c, f.user(f"manager@{tenant_slug}.demo"), "technical", description="需要技术支持")
    client = login(hq_email, c=app.test_client())
    form = {"tenant": tenant.id, "source": "phone", "response_hours": "24", "kind": "complaint", "customer_name": "某",
            "phone": "13911112222", "description": "总部热线来电", "complainants": "1", "intake_key": hq_email}
    assert client.post("/hq/work-orders/new", data=form).status_code == 303
    with scope.scoped(scope.for_tenant(tenant)):
        wo = WorkOrder.select().order_by(WorkOrder.id.desc()).get()
    return {"complaint": c.id, "work_order": wo.id, "tenant": tenant.id, "approval": approval.id, "support": row.id}


def url_with(app, rule, objects) -> str:
    values = {arg: objects[ARGUMENT_OBJECTS[arg]] for arg in rule.arguments if arg in ARGUMENT_OBJECTS}
    return build_url(app, rule, **values)


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={"reason": "x", "body": "x", "grade": "major"})


@pytest.fixture
def foreign(app, login):
    return objects_of(app, login, "hq@prop.demo", "prop-bj01")


@pytest.mark.parametrize("rule", [r for r in OWN_RULES if set(r.arguments) & set(ARGUMENT_OBJECTS)], ids=rule_id)
def test_another_networks_objects_do_not_exist_for_hq(app, login, foreign, rule):
    client = login("hq@svw.demo")
    for method in methods_of(rule):
        response = request(client, method, url_with(app, rule, foreign))
        body = response.get_data(as_text=True)
        assert response.status_code == 404, (method, response.status_code)
        for name in OTHER_NETWORK_NAMES:
            assert name not in body


@pytest.mark.parametrize("rule", [r for r in OWN_RULES if set(r.arguments) & set(ARGUMENT_OBJECTS)], ids=rule_id)
def test_the_same_routes_with_the_networks_own_objects_exist(app, login, rule):
    """The control for the test above: its 404 is about the network, not a broken route."""
    own = objects_of(app, login, "hq@svw.demo", "dealer-sh01")
    client = login("hq@svw.demo")
    for method in methods_of(rule):
        assert request(client, method, url_with(app, rule, own)).status_code != 404, method


@pytest.mark.parametrize("rule", [r for r in HQ_RULES if "GET" in r.methods and not r.arguments - {"key"}], ids=rule_id)
def test_hq_pages_never_show_another_networks_tenants_or_rows(app, login, foreign, rule):
    client = login("hq@svw.demo")
    for query in ("", f"?tenant={foreign['tenant']}", "?status=all"):
        response = client.get(build_url(app, rule) + query)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, query
        for name in OTHER_NETWORK_NAMES:
            assert name not in body, (query, name)
        assert "BJ01-" not in body and "需要技术支持" not in body and "诉讼撤回" not in body


def test_hq_cannot_dispatch_or_redirect_into_another_network(app, login, foreign):
    from portal.hq.models import WorkOrder
    own = objects_of(app, login, "hq@svw.demo", "dealer-sh01")
    client = login("hq@svw.demo")
    form = {"tenant": foreign["tenant"], "source": "phone", "response_hours": "24", "kind": "complaint",
            "customer_name": "某", "phone": "13911113333", "description": "x", "complainants": "1", "intake_key": "iso"}
    assert client.post("/hq/work-orders/new", data=form).status_code == 422
    with scope.scoped(scope.SYSTEM):
        wo = WorkOrder.get_by_id(own["work_order"])
    response = client.post(f"/hq/work-orders/{own['work_order']}/redirect",
                           data={"tenant": foreign["tenant"], "reason": "x", "version": wo.version})
    assert response.status_code == 422
    with scope.scoped(scope.SYSTEM):
        prop = Network.get(Network.slug == "prop")
        assert WorkOrder.select().join(Tenant, on=(WorkOrder.tenant == Tenant.id)).where(
            Tenant.network == prop.id).count() == 1  # only the one the property HQ dispatched itself


@pytest.mark.parametrize("rule", HQ_RULES, ids=rule_id)
def test_headquarters_does_not_exist_for_tenant_staff(app, login, rule):
    for email in ("gm@dealer-sh01.demo", "admin@prop-bj01.demo"):
        client = login(email, c=app.test_client())
        for method in methods_of(rule):
            assert request(client, method, build_url(app, rule)).status_code == 404, (email, method)


@pytest.mark.parametrize("rule", WORK_ORDER_RULES, ids=rule_id)
def test_a_tenant_never_reaches_another_tenants_work_order(app, login, rule):
    neighbour = objects_of(app, login, "hq@svw.demo", "dealer-sh02")
    own = objects_of(app, login, "hq@svw.demo", "dealer-sh01")
    client = login("gm@dealer-sh01.demo")
    for slug, wid, allowed in (("dealer-sh01", neighbour["work_order"], False), ("dealer-sh02", neighbour["work_order"], False),
                               ("dealer-sh01", own["work_order"], True)):
        url = build_url(app, rule, tenant=slug, wid=wid)
        status = client.post(url, data={"reason": "x", "note": "x"}).status_code
        assert (status != 404) if allowed else (status == 404), (url, status)


def test_the_work_order_links_in_mail_point_to_the_right_workspace(app, login, mailbox):
    from portal.notify.models import OutboxMessage
    own = objects_of(app, login, "hq@svw.demo", "dealer-sh01")
    with scope.scoped(scope.SYSTEM):
        bodies = [m.body for m in OutboxMessage.select().where(OutboxMessage.subject.contains(f"WO{own['work_order']:06d}"))]
    assert bodies and all(re.search(r"/t/dealer-sh01/complaints/\d+", b) for b in bodies)
