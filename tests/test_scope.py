"""The tenant-scoping layer (portal/scope.py): every query on tenant rows is fenced by the scope."""
import pytest
from werkzeug.exceptions import NotFound

from portal import scope
from portal.access import get_or_404
from portal.events import Event, EventKind, record
from portal.scope import SYSTEM, ScopeError, for_network, for_tenant, scoped
from portal.tenancy.models import Category, Network, Role, Tenant
from portal.tenancy.rules import DEALER_ROLES, PROPERTY_ROLES


@pytest.fixture
def tenants(app):
    return {t.slug: t for t in Tenant.select()}


def role_of(tenant, key="tenant_admin") -> Role:
    with scoped(for_tenant(tenant)):
        return Role.get(Role.key == key)


def names_in(tenant) -> list[str]:
    with scoped(for_tenant(tenant)):
        return sorted(r.name for r in Role.select())


def test_a_tenant_scope_sees_only_that_tenants_rows(tenants):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        roles = list(Role.select())
        assert {r.tenant_id for r in roles} == {tenants["dealer-sh01"].id}
        assert len(roles) == len(DEALER_ROLES)
        assert Role.select().where(Role.tenant == tenants["dealer-sh02"]).count() == 0


def test_get_by_id_of_another_tenants_row_finds_nothing(tenants):
    foreign = role_of(tenants["dealer-sh02"])
    with scoped(for_tenant(tenants["dealer-sh01"])):
        assert Role.get_or_none(Role.id == foreign.id) is None
        with pytest.raises(Role.DoesNotExist):
            Role.get_by_id(foreign.id)


def test_get_or_404_of_another_tenants_row_is_not_found(app, tenants):
    foreign = role_of(tenants["dealer-sh02"])
    with app.test_request_context(), scoped(for_tenant(tenants["dealer-sh01"])):
        with pytest.raises(NotFound):
            get_or_404(Role, foreign.id)
        assert get_or_404(Role, role_of(tenants["dealer-sh01"]).id).key == "tenant_admin"


def test_an_update_changes_only_the_scoped_tenants_rows(tenants):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        changed = Role.update(name="改名").execute()
    assert changed == len(DEALER_ROLES)
    assert set(names_in(tenants["dealer-sh01"])) == {"改名"}
    assert "改名" not in names_in(tenants["dealer-sh02"])


def test_a_delete_removes_only_the_scoped_tenants_rows(tenants):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        Category.delete().execute()
        assert Category.select().count() == 0
    with scoped(for_tenant(tenants["dealer-sh02"])):
        assert Category.select().count() > 0


def test_an_update_or_delete_aimed_at_another_tenants_row_touches_nothing(tenants):
    foreign = role_of(tenants["dealer-sh02"])
    with scoped(for_tenant(tenants["dealer-sh01"])):
        assert Role.update(name="x").where(Role.id == foreign.id).execute() == 0
        assert Category.delete().where(Category.tenant == tenants["dealer-sh02"]).execute() == 0
        foreign.name = "hijacked"
        with pytest.raises(ScopeError):  # saving another tenant's row is refused outright
            foreign.save()
        assert foreign.delete_instance() == 0
    assert role_of(tenants["dealer-sh02"]).name != "hijacked"
    with scoped(for_tenant(tenants["dealer-sh02"])):
        assert Category.select().count() > 0


def test_inserting_a_row_for_another_tenant_inside_a_tenant_scope_raises(tenants):
    other = tenants["dealer-sh02"]
    with scoped(for_tenant(tenants["dealer-sh01"])):
        with pytest.raises(ScopeError):
            Category.create(tenant=other, name="越界")
        with pytest.raises(ScopeError):
            Category.insert(tenant=other, name="越界").execute()
        with pytest.raises(ScopeError):
            Category.insert({Category.tenant: other.id, Category.name: "越界"}).execute()
        with pytest.raises(ScopeError):
            Category.insert_many([{"tenant": other.id, "name": "越界"}]).execute()
    with scoped(for_tenant(other)):
        assert not Category.select().where(Category.name == "越界").exists()


def test_inserting_tuple_rows_for_another_tenant_inside_a_tenant_scope_raises(tenants):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        with pytest.raises(ScopeError):
            Category.insert_many([(tenants["dealer-sh02"].id, "越界", 0, True, 1)],
                                 fields=[Category.tenant, Category.name, Category.position,
                                         Category.active, Category.version]).execute()


def test_an_update_cannot_move_a_row_into_another_tenant(tenants):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        own = Role.create(key="night_shift", name="夜班")
        with pytest.raises(ScopeError):
            Role.update(tenant=tenants["dealer-sh02"]).where(Role.id == own.id).execute()


def test_a_row_created_in_a_tenant_scope_without_a_tenant_belongs_to_it(tenants):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        category = Category.create(name="新类别")
    assert category.tenant_id == tenants["dealer-sh01"].id


def test_a_network_scope_sees_every_tenant_of_its_network_and_no_other(tenants):
    svw = Network.get(Network.slug == "svw")
    with scoped(for_network(svw)):
        seen = {r.tenant_id for r in Role.select()}
        count = Role.select().count()
    assert seen == {tenants["dealer-sh01"].id, tenants["dealer-sh02"].id}
    assert count == 2 * len(DEALER_ROLES)


def test_a_network_scope_writes_only_to_its_own_tenants(tenants):
    svw = Network.get(Network.slug == "svw")
    with scoped(for_network(svw)):
        Category.create(tenant=tenants["dealer-sh02"], name="总部新增")
        with pytest.raises(ScopeError):
            Category.create(tenant=tenants["prop-bj01"], name="越界")
        with pytest.raises(ScopeError):
            Category.create(name="无租户")  # a network scope cannot guess the tenant
        assert Category.update(name="x").where(Category.tenant == tenants["prop-bj01"]).execute() == 0
        assert Category.delete().where(Category.tenant == tenants["prop-bj01"]).execute() == 0
    with scoped(for_tenant(tenants["prop-bj01"])):
        assert "x" not in {c.name for c in Category.select()}


def test_the_system_scope_sees_every_tenant(tenants):
    with scoped(SYSTEM):
        assert {r.tenant_id for r in Role.select()} == {t.id for t in tenants.values()}
        assert Role.select().count() == 2 * len(DEALER_ROLES) + 2 * len(PROPERTY_ROLES)


def test_without_a_scope_every_kind_of_query_raises(tenants):
    sh01 = tenants["dealer-sh01"]
    for attempt in (lambda: Role.select(), lambda: Role.update(name="x"), lambda: Role.delete(),
                    lambda: Role.insert(tenant=sh01, key="k", name="n"),
                    lambda: Role.create(tenant=sh01, key="k", name="n"),
                    lambda: Role.get_or_none(Role.key == "tenant_admin")):
        with pytest.raises(ScopeError):
            attempt()


def test_scoped_blocks_nest_and_restore_the_outer_scope(tenants):
    outer, inner = for_tenant(tenants["dealer-sh01"]), for_tenant(tenants["dealer-sh02"])
    with scoped(outer):
        with scoped(inner):
            assert scope.current() == inner
        assert scope.current() == outer
    with pytest.raises(ScopeError):
        scope.current()


@pytest.fixture
def event(tenants):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        return record(EventKind.SETTINGS_CHANGED, "settings", None, None, before={"a": 1}, after={"a": 2})


def test_an_event_row_cannot_be_changed_or_deleted_through_the_model(tenants, event):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        event.kind = "forged"
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete_instance()
        stored = Event.get_by_id(event.id)
    assert stored.kind == str(EventKind.SETTINGS_CHANGED)
    assert stored.loaded("after") == {"a": 2}


def test_an_event_row_cannot_be_changed_or_deleted_by_query(tenants, event):
    with scoped(for_tenant(tenants["dealer-sh01"])):
        with pytest.raises(PermissionError):
            Event.update(kind="forged").where(Event.id == event.id).execute()
        with pytest.raises(PermissionError):
            Event.delete().where(Event.id == event.id).execute()
