"""Tenant isolation, walked over the whole URL map so that every new route is covered.

Another tenant's workspace, another tenant's rows, and headquarters for someone who is not at
HQ do not exist for the user: 404, never 403 (which would confirm they exist) and never data.
"""
import pytest

from portal import scope
from portal.tenancy.models import Category, Department, Membership, Role, Tenant
from tests.conftest import build_url, rules_under

OWN, OTHER, FOREIGN_NETWORK = "dealer-sh01", "dealer-sh02", ("prop-bj01", "prop-bj02")
# What would give another tenant's workspace away if it appeared on the page.
OTHER_TENANT_MARKS = ["上海闵行二店", "（SH02）"]
OWN_NETWORK_NAMES = ["上海浦东一店", "上海闵行二店"]
PROP_TENANT_NAMES = ["北京朝阳项目公司", "北京海淀项目公司"]
TENANT_ARGS = {"tenant", "tenant_id", "tid"}  # URL arguments that name a tenant

TENANT_RULES = rules_under("/t/<tenant>")
HQ_RULES = rules_under("/hq")


def rule_id(rule) -> str:
    return f"{rule.endpoint}:{rule.rule}"


def methods_of(rule) -> list[str]:
    return [m for m in ("GET", "POST") if m in rule.methods]


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


def rows_of(slug: str) -> dict:
    """Ids of rows owned by one tenant, by the URL argument names that carry them.

    Call in an application context: logging a complaint may render mail.
    """
    from tests import factories

    with scope.scoped(scope.for_tenant(Tenant.get(Tenant.slug == slug))):
        return {"role_id": Role.select().first().id, "category_id": Category.select().first().id,
                "department_id": Department.select().first().id,
                "member_id": Membership.select().first().id, "cid": factories.complaint(slug).id}


@pytest.fixture
def foreign_rows(app):
    with app.app_context():
        return rows_of(OTHER)


def test_the_url_map_has_workspace_and_hq_routes_to_check():
    assert any(r.endpoint == "workspace.home" for r in TENANT_RULES)
    assert any(r.endpoint == "hq.home" for r in HQ_RULES)


@pytest.mark.parametrize("rule", TENANT_RULES, ids=rule_id)
def test_another_tenants_url_is_not_found_for_its_neighbours_admin_and_manager(app, login, rule):
    for email in ("admin@dealer-sh01.demo", "gm@dealer-sh01.demo"):
        client = login(email, c=app.test_client())
        for method in ("GET", "POST"):
            response = request(client, method, build_url(app, rule, tenant=OTHER))
            body = response.get_data(as_text=True)
            if method in rule.methods:
                assert response.status_code == 404, (email, method)
            else:
                # The method is refused by routing, before any tenant is looked up: the answer
                # is the same as for a tenant that does not exist, so it tells nothing.
                ghost = request(client, method, build_url(app, rule, tenant="no-such-tenant"))
                assert response.status_code == ghost.status_code == 405, (email, method)
            for mark in OTHER_TENANT_MARKS:
                assert mark not in body, (email, method, mark)


@pytest.mark.parametrize("rule", [r for r in TENANT_RULES if r.arguments == {"tenant"}], ids=rule_id)
def test_the_same_url_in_the_users_own_workspace_exists(app, login, rule):
    """The control for the test above: 404 there is about the tenant, not a broken route."""
    client = login("admin@dealer-sh01.demo")
    for method in methods_of(rule):
        response = request(client, method, build_url(app, rule, tenant=OWN))
        assert response.status_code != 404, method


ROW_ARGS = {"role_id", "category_id", "department_id", "member_id", "cid"}
ROW_RULES = [r for r in TENANT_RULES if (r.arguments - set(r.defaults or ())) & ROW_ARGS]
GHOST_ID = 10**9  # an id no row has


@pytest.mark.parametrize("rule", ROW_RULES, ids=rule_id)
def test_another_tenants_rows_are_not_found_through_the_users_own_workspace(app, login, foreign_rows, rule):
    args = (rule.arguments - set(rule.defaults or ())) & ROW_ARGS
    statuses = set()
    for email in ("gm@dealer-sh01.demo", "admin@dealer-sh01.demo"):
        client = login(email, c=app.test_client())
        for method in methods_of(rule):
            foreign = request(client, method, build_url(app, rule, tenant=OWN, **{a: foreign_rows[a] for a in args}))
            ghost = request(client, method, build_url(app, rule, tenant=OWN, **{a: GHOST_ID for a in args}))
            # 404, or a 403 for lacking the permission that is the same whatever the id.
            assert foreign.status_code == ghost.status_code, (email, method)
            assert foreign.status_code in (403, 404), (email, method)
            for mark in OTHER_TENANT_MARKS:
                assert mark not in foreign.get_data(as_text=True), (email, method)
            statuses.add(foreign.status_code)
    assert 404 in statuses  # someone allowed to use the route was told it does not exist


@pytest.mark.parametrize("rule", HQ_RULES, ids=rule_id)
def test_headquarters_does_not_exist_for_tenant_staff(app, login, rule):
    client = login("cs@dealer-sh01.demo")
    for method in methods_of(rule):
        response = request(client, method, build_url(app, rule, tenant=OWN))
        assert response.status_code == 404, method


@pytest.mark.parametrize("rule", [r for r in HQ_RULES if "GET" in r.methods], ids=rule_id)
def test_headquarters_pages_never_show_tenants_of_another_network(app, login, rule):
    client = login("hq@svw.demo")
    body = client.get(build_url(app, rule, tenant=OWN)).get_data(as_text=True)
    for name in PROP_TENANT_NAMES:
        assert name not in body


def test_headquarters_sees_its_own_networks_tenants(app, login):
    """The control for the test above: the names it looks for do appear where they belong."""
    client = login("hq@svw.demo")
    pages = [client.get(build_url(app, r)).get_data(as_text=True)
             for r in HQ_RULES if "GET" in r.methods and not r.arguments - set(r.defaults or ())]
    assert all(any(name in page for page in pages) for name in OWN_NETWORK_NAMES)


HQ_TENANT_RULES = [r for r in HQ_RULES if r.arguments & (TENANT_ARGS | {"cid"})]


@pytest.mark.parametrize("rule", HQ_TENANT_RULES, ids=rule_id)
def test_headquarters_urls_for_another_networks_tenant_or_complaint_are_not_found(app, login, rule):
    with app.app_context():
        foreign = rows_of(FOREIGN_NETWORK[0])
        tenant = Tenant.get(Tenant.slug == FOREIGN_NETWORK[0])
    foreign.update({"tenant": tenant.slug, "tenant_id": tenant.id, "tid": tenant.id})
    client = login("hq@svw.demo")
    given = {arg: foreign[arg] for arg in rule.arguments if arg in foreign}
    for method in methods_of(rule):
        response = request(client, method, build_url(app, rule, **given))
        assert response.status_code == 404, (method, given)
        for name in PROP_TENANT_NAMES:
            assert name not in response.get_data(as_text=True)


@pytest.mark.parametrize("rule", TENANT_RULES + HQ_RULES, ids=rule_id)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, rule):
    for method in methods_of(rule):
        response = request(client, method, build_url(app, rule, tenant=OWN))
        assert response.status_code == 302, method
        assert response.headers["Location"].startswith("/login"), method


def test_tenant_data_without_a_tenant_in_context_raises_scope_error(app):
    with pytest.raises(scope.ScopeError):
        Role.select()
    with pytest.raises(scope.ScopeError):
        list(Role.select().where(Role.key == "tenant_admin"))

