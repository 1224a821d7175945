"""Tenant administration: users, roles, departments and categories, through the web pages."""
import re

import pytest

from portal.accounts.models import User
from portal.events import Event
from portal.tenancy import admin
from portal.tenancy.models import Category, Department, Membership, Role

ADMIN = "admin@dealer-sh01.demo"
CS = "cs@dealer-sh01.demo"
BASE = "/t/dealer-sh01/admin"


@pytest.fixture
def english(client):
    """Pages in English, so messages are compared by their English text."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def admin_client(english, login):
    return login(ADMIN)


@pytest.fixture
def other_client(client, app):
    """A second browser, for a member whose session should end."""
    return app.test_client()


def in_sh01(in_tenant, fn):
    with in_tenant("dealer-sh01"):
        return fn()


def events(in_tenant, kind=None, slug="dealer-sh01"):
    with in_tenant(slug):
        query = Event.select()
        if kind:
            query = query.where(Event.kind == kind)
        return list(query)


def member_of(in_tenant, email, slug="dealer-sh01"):
    with in_tenant(slug):
        return (Membership.select(Membership, User, Role).join(User).switch(Membership).join(Role)
                .where(User.email == email).get())


def role(in_tenant, key, slug="dealer-sh01"):
    with in_tenant(slug):
        return Role.get(Role.key == key)


def page(response) -> str:
    return response.get_data(as_text=True)


def new_user_data(in_tenant, **overrides):
    data = {"name": "Wang Fang", "email": "wang.fang@dealer-sh01.demo",
            "role": role(in_tenant, "service_advisor").id, "password": "Spring-tide-42"}
    data.update(overrides)
    return data


# ---- users ---------------------------------------------------------------------------------

def test_admin_creates_a_user_who_can_then_sign_in(admin_client, other_client, login, in_tenant):
    response = admin_client.post(f"{BASE}/users/new", data=new_user_data(in_tenant))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{BASE}/users")
    assert "wang.fang@dealer-sh01.demo" in page(admin_client.get(f"{BASE}/users"))
    login("wang.fang@dealer-sh01.demo", "Spring-tide-42", c=other_client)
    assert other_client.get("/t/dealer-sh01/").status_code == 200
    [event] = events(in_tenant, "user.created")
    assert event.loaded("after")["role"] == "服务顾问" and event.actor.email == ADMIN


def test_an_existing_account_joins_the_workspace_and_keeps_its_password(admin_client, other_client,
                                                                         login, in_tenant):
    data = new_user_data(in_tenant, email="ADMIN@dealer-sh02.demo", name="Someone else", password="")
    assert admin_client.post(f"{BASE}/users/new", data=data).status_code == 303
    joined = member_of(in_tenant, "admin@dealer-sh02.demo")
    assert joined.user.name == "系统管理员（SH02）" and joined.role.key == "service_advisor"
    login("admin@dealer-sh02.demo", "kesu-demo", c=other_client)
    assert other_client.get("/t/dealer-sh01/").status_code == 200
    assert events(in_tenant, "user.created")[0].loaded("data") == {"existing_account": True}


def test_a_member_cannot_be_added_twice(admin_client, in_tenant):
    response = admin_client.post(f"{BASE}/users/new", data=new_user_data(in_tenant, email=CS))
    assert response.status_code == 422
    assert "This person is already a member of this workspace" in page(response)
    assert events(in_tenant) == []


def test_a_deactivated_user_is_signed_out_at_the_next_request_and_cannot_sign_in(
        admin_client, other_client, login, in_tenant):
    login(CS, c=other_client)
    assert other_client.get("/t/dealer-sh01/").status_code == 200
    cs = member_of(in_tenant, CS)
    response = admin_client.post(f"{BASE}/users/{cs.id}/deactivate", data={"version": cs.user.version})
    assert response.status_code == 303
    assert other_client.get("/t/dealer-sh01/").headers["Location"].startswith("/login")
    refused = other_client.post("/login", data={"email": CS, "password": "kesu-demo"})
    assert refused.status_code == 422
    [event] = events(in_tenant, "user.deactivated")
    assert event.loaded("after") == {"active": False}
    assert event.loaded("data") == {"account_closed": True}


def test_a_reactivated_user_can_sign_in_again(admin_client, other_client, login, in_tenant):
    cs = member_of(in_tenant, CS)
    admin_client.post(f"{BASE}/users/{cs.id}/deactivate", data={"version": cs.user.version})
    response = admin_client.post(f"{BASE}/users/{cs.id}/reactivate", data={"version": cs.user.version + 1})
    assert response.status_code == 303
    login(CS, c=other_client)
    assert other_client.get("/t/dealer-sh01/").status_code == 200
    assert len(events(in_tenant, "user.reactivated")) == 1


def test_a_password_reset_sets_the_new_password_and_ends_sessions(admin_client, other_client,
                                                                  login, in_tenant):
    login(CS, c=other_client)
    cs = member_of(in_tenant, CS)
    response = admin_client.post(f"{BASE}/users/{cs.id}/password",
                                 data={"password": "Autumn-leaf-77", "version": cs.user.version})
    assert response.status_code == 303
    assert other_client.get("/t/dealer-sh01/").status_code == 302
    assert other_client.post("/login", data={"email": CS, "password": "kesu-demo"}).status_code == 422
    login(CS, "Autumn-leaf-77", c=other_client)
    assert len(events(in_tenant, "user.password_reset")) == 1


def test_a_new_role_gives_a_member_its_permissions_at_the_next_request(admin_client, other_client,
                                                                       login, in_tenant):
    login(CS, c=other_client)
    assert other_client.get(f"{BASE}/users").status_code == 403
    cs = member_of(in_tenant, CS)
    response = admin_client.post(f"{BASE}/users/{cs.id}/role", data={
        "role": role(in_tenant, "tenant_admin").id, "version": cs.user.version})
    assert response.status_code == 303
    assert other_client.get(f"{BASE}/users").status_code == 200
    [event] = events(in_tenant, "member.role_changed")
    assert event.loaded("before") == {"role": "投诉专员"} and event.loaded("after") == {"role": "系统管理员"}


# ---- roles ---------------------------------------------------------------------------------

def role_data(r, **overrides):
    data = {"name": r.name, "permissions": sorted(r.permission_set), "version": r.version}
    data.update(overrides)
    return data


def test_removing_a_permission_from_a_role_takes_effect_on_the_next_request(admin_client, in_tenant):
    assert admin_client.get(f"{BASE}/departments").status_code == 200
    r = role(in_tenant, "tenant_admin")
    kept = sorted(r.permission_set - {"admin.settings"})
    response = admin_client.post(f"{BASE}/roles/{r.id}", data=role_data(r, permissions=kept))
    assert response.status_code == 303
    assert admin_client.get(f"{BASE}/departments").status_code == 403
    [event] = events(in_tenant, "role.changed")
    assert "admin.settings" in event.loaded("before")["permissions"]
    assert "admin.settings" not in event.loaded("after")["permissions"]


def test_admin_creates_a_role_with_the_checked_permissions(admin_client, in_tenant):
    form = page(admin_client.get(f"{BASE}/roles/new"))
    assert "Link and merge complaints" in form and 'type="checkbox"' in form
    response = admin_client.post(f"{BASE}/roles/new", data={
        "name": "Quality engineer", "permissions": ["complaint.view", "complaint.plan"]})
    assert response.status_code == 303
    created = role(in_tenant, "quality_engineer")
    assert created.permission_set == {"complaint.view", "complaint.plan"}
    assert events(in_tenant, "role.created")[0].subject_id == created.id


@pytest.mark.parametrize("removed", ["admin.users", "admin.roles"])
def test_the_last_role_that_manages_users_and_roles_keeps_that_power(admin_client, in_tenant, removed):
    r = role(in_tenant, "tenant_admin")
    response = admin_client.post(f"{BASE}/roles/{r.id}",
                                 data=role_data(r, permissions=sorted(r.permission_set - {removed})))
    assert response.status_code == 422
    assert "no active member left who can manage users and roles" in page(response)
    assert role(in_tenant, "tenant_admin").permission_set == r.permission_set
    assert events(in_tenant) == []


def test_the_last_administrator_cannot_be_deactivated_or_given_another_role(admin_client, in_tenant):
    me = member_of(in_tenant, ADMIN)
    version = {"version": me.user.version}
    deactivate = admin_client.post(f"{BASE}/users/{me.id}/deactivate", data=version)
    demote = admin_client.post(f"{BASE}/users/{me.id}/role",
                               data={**version, "role": role(in_tenant, "front_desk").id})
    for response in (deactivate, demote):
        assert response.status_code == 422
        assert "no active member left who can manage users and roles" in page(response)
    assert member_of(in_tenant, ADMIN).active and member_of(in_tenant, ADMIN).role.key == "tenant_admin"
    assert events(in_tenant) == []


# ---- departments and categories -------------------------------------------------------------

def test_admin_creates_a_department_led_by_an_active_member(admin_client, in_tenant):
    cs = member_of(in_tenant, CS)
    response = admin_client.post(f"{BASE}/departments/new",
                                 data={"name": "质量部", "leader": cs.user.id, "active": "y"})
    assert response.status_code == 303
    with in_tenant("dealer-sh01"):
        created = Department.get(Department.name == "质量部")
    assert created.leader_id == cs.user.id and created.active
    assert events(in_tenant, "department.saved")[0].loaded("after")["leader"] == cs.user.id
    assert "质量部" in page(admin_client.get(f"{BASE}/departments"))


def test_admin_edits_a_category_and_the_version_moves_on(admin_client, in_tenant):
    with in_tenant("dealer-sh01"):
        cat = Category.get(Category.name == "等待时间")
    response = admin_client.post(f"{BASE}/categories/{cat.id}",
                                 data={"name": "等待时间过长", "position": 2, "version": cat.version})
    assert response.status_code == 303
    with in_tenant("dealer-sh01"):
        saved = Category.get_by_id(cat.id)
    assert (saved.name, saved.position, saved.active, saved.version) == ("等待时间过长", 2, False, 2)
    [event] = events(in_tenant, "category.saved")
    assert event.loaded("before")["name"] == "等待时间" and event.loaded("after")["name"] == "等待时间过长"


# ---- tenancy -------------------------------------------------------------------------------

def test_a_role_of_another_tenant_is_refused_and_nothing_written(admin_client, in_tenant):
    foreign = role(in_tenant, "tenant_admin", "dealer-sh02")
    response = admin_client.post(f"{BASE}/users/new", data=new_user_data(in_tenant, role=foreign.id))
    assert response.status_code == 422
    assert "Choose one of this workspace" in page(response)
    assert User.get_or_none(User.email == "wang.fang@dealer-sh01.demo") is None
    cs = member_of(in_tenant, CS)
    response = admin_client.post(f"{BASE}/users/{cs.id}/role",
                                 data={"role": foreign.id, "version": cs.user.version})
    assert response.status_code == 422
    assert member_of(in_tenant, CS).role.key == "complaint_specialist"
    assert events(in_tenant) == [] and events(in_tenant, slug="dealer-sh02") == []


def test_a_leader_from_another_tenant_is_refused_and_nothing_written(admin_client, in_tenant):
    stranger = member_of(in_tenant, "manager@dealer-sh02.demo", "dealer-sh02")
    response = admin_client.post(f"{BASE}/departments/new",
                                 data={"name": "质量部", "leader": stranger.user.id, "active": "y"})
    assert response.status_code == 422
    assert "Choose the leader among this workspace" in page(response)
    assert 'value="质量部"' in page(response)
    with in_tenant("dealer-sh01"):
        assert not Department.select().where(Department.name == "质量部").exists()
    assert events(in_tenant) == []


def test_rows_of_another_tenant_are_not_found(admin_client, in_tenant):
    foreign_role = role(in_tenant, "tenant_admin", "dealer-sh02")
    foreign_member = member_of(in_tenant, "cs@dealer-sh02.demo", "dealer-sh02")
    with in_tenant("dealer-sh02"):
        foreign_category = Category.select().first()
    assert admin_client.get(f"{BASE}/roles/{foreign_role.id}").status_code == 404
    assert admin_client.get(f"{BASE}/users/{foreign_member.id}").status_code == 404
    assert admin_client.post(f"{BASE}/users/{foreign_member.id}/deactivate",
                             data={"version": foreign_member.user.version}).status_code == 404
    assert admin_client.post(f"{BASE}/categories/{foreign_category.id}", data={
        "name": "x", "position": 1, "version": foreign_category.version}).status_code == 404
    assert member_of(in_tenant, "cs@dealer-sh02.demo", "dealer-sh02").active
    assert events(in_tenant, slug="dealer-sh02") == []


# ---- invalid input and conflicts ------------------------------------------------------------

@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "Enter a name."),
    ({"email": "not-an-address"}, "Enter a valid e-mail address, like name@example.com."),
    ({"password": "1234567"}, "The password needs at least 10 characters."),
    ({"password": "password"}, "The password is too common or too simple."),
])
def test_invalid_user_input_is_refused_with_422_keeping_what_was_typed(admin_client, in_tenant,
                                                                      overrides, message):
    data = new_user_data(in_tenant, **overrides)
    response = admin_client.post(f"{BASE}/users/new", data=data)
    assert response.status_code == 422
    html = page(response)
    assert message in html
    assert f'value="{data["email"]}"' in html and f'value="{data["name"]}"' in html
    assert re.search(rf'<option selected value="{data["role"]}"|value="{data["role"]}" selected', html)
    assert User.get_or_none(User.email == data["email"]) is None
    assert events(in_tenant) == []


def test_a_duplicate_category_is_refused_with_422_and_a_field_error(admin_client, in_tenant):
    before = in_sh01(in_tenant, lambda: Category.select().count())
    response = admin_client.post(f"{BASE}/categories/new", data={"name": "服务态度", "position": "42"})
    assert response.status_code == 422
    html = page(response)
    assert "This name is already used in this workspace." in html
    assert 'value="服务态度"' in html and 'value="42"' in html
    assert in_sh01(in_tenant, lambda: Category.select().count()) == before
    assert events(in_tenant) == []


def test_a_duplicate_role_name_is_a_field_error(admin_client, in_tenant):
    response = admin_client.post(f"{BASE}/roles/new", data={"name": "投诉专员", "permissions": []})
    assert response.status_code == 422
    assert "This name is already used in this workspace." in page(response)


def test_a_stale_version_is_refused_with_409_and_nothing_is_overwritten(admin_client, in_tenant):
    with in_tenant("dealer-sh01"):
        cat = Category.get(Category.name == "其他")
    first = {"name": "其他问题", "position": cat.position, "active": "y", "version": cat.version}
    assert admin_client.post(f"{BASE}/categories/{cat.id}", data=first).status_code == 303
    late = {**first, "name": "杂项"}  # another admin, still holding the old version
    response = admin_client.post(f"{BASE}/categories/{cat.id}", data=late)
    assert response.status_code == 409
    html = page(response)
    assert "Someone else saved this while you were editing." in html
    assert 'value="其他问题"' in html and f'name="version" type="hidden" value="{cat.version + 1}"' in html
    assert in_sh01(in_tenant, lambda: Category.get_by_id(cat.id).name) == "其他问题"
    assert len(events(in_tenant, "category.saved")) == 1


def test_stale_member_and_role_forms_are_refused_with_409(admin_client, in_tenant):
    cs, r = member_of(in_tenant, CS), role(in_tenant, "front_desk")
    stale = {"version": cs.user.version}
    assert admin_client.post(f"{BASE}/users/{cs.id}/role", data={**stale, "role": r.id}).status_code == 303
    response = admin_client.post(f"{BASE}/users/{cs.id}/deactivate", data=stale)
    assert response.status_code == 409 and "Someone else changed this user" in page(response)
    assert admin_client.post(f"{BASE}/roles/{r.id}", data=role_data(r, name="前台")).status_code == 303
    assert admin_client.post(f"{BASE}/roles/{r.id}", data=role_data(r, permissions=[])).status_code == 409
    assert member_of(in_tenant, CS).active and role(in_tenant, "front_desk").permission_set == r.permission_set


# ---- permissions, CSRF, HTMX ----------------------------------------------------------------

ADMIN_PAGES = ["/", "/users", "/users/new", "/roles", "/roles/new", "/departments",
               "/departments/new", "/categories", "/categories/new"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_complaint_specialist_gets_403_on_admin_pages(client, login, path):
    login(CS)
    assert client.get(BASE + path).status_code == 403


def test_a_complaint_specialist_cannot_post_admin_changes(client, login, in_tenant):
    login(CS)
    response = client.post(f"{BASE}/categories/new", data={"name": "x", "position": "1"})
    assert response.status_code == 403
    assert events(in_tenant) == []


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_the_tenant_admin_sees_every_admin_page(admin_client, path):
    assert admin_client.get(BASE + path).status_code == 200


def test_the_overview_links_to_the_sections_and_the_outbox(admin_client):
    html = page(admin_client.get(f"{BASE}/"))
    for section in ("users", "roles", "departments", "categories", "outbox/"):
        assert f'href="{BASE}/{section}"' in html


def test_a_post_without_csrf_token_is_rejected(admin_client, in_tenant):
    response = admin_client.post(f"{BASE}/categories/new", data={"name": "新类别", "position": "1"},
                                 csrf=False)
    assert response.status_code == 400
    assert events(in_tenant) == []


def test_htmx_gets_the_form_fragment_back_and_is_sent_on_after_saving(admin_client, in_tenant):
    htmx = {"HX-Request": "true"}
    invalid = admin_client.post(f"{BASE}/categories/new", data={"name": "", "position": "1"}, headers=htmx)
    assert invalid.status_code == 422 and "<html" not in page(invalid)
    assert 'id="admin-form"' in page(invalid) and "Enter a name." in page(invalid)
    saved = admin_client.post(f"{BASE}/categories/new", data={"name": "新类别", "position": "1"}, headers=htmx)
    assert saved.status_code == 204
    assert f"{BASE}/categories" in saved.headers["HX-Location"]


def test_a_general_manager_manages_settings_but_not_users(client, login):
    login("gm@dealer-sh01.demo")
    html = page(client.get(f"{BASE}/"))
    assert f'href="{BASE}/departments"' in html and f'href="{BASE}/users"' not in html
    assert client.get(f"{BASE}/users").status_code == 403


def test_every_admin_verb_writes_one_event_naming_its_actor(app, in_tenant):
    def cs():
        return Membership.get(Membership.user == User.get(User.email == CS).id)

    with app.test_request_context(), in_tenant("dealer-sh01") as tenant:
        actor, r = User.get(User.email == ADMIN), Role.get(Role.key == "front_desk")
        dept, cat = Department.select().first(), Category.select().first()
        steps = [
            ("user.created", lambda: admin.create_member(
                actor, tenant, name="Li", email="li@dealer-sh01.demo", role=r, password="Spring-tide-42")),
            ("member.role_changed", lambda: admin.change_role(actor, cs(), r, cs().user.version)),
            ("user.password_reset", lambda: admin.reset_password(actor, cs(), "Autumn-leaf-77", cs().user.version)),
            ("user.deactivated", lambda: admin.deactivate_member(actor, cs(), cs().user.version)),
            ("user.reactivated", lambda: admin.reactivate_member(actor, cs(), cs().user.version)),
            ("role.created", lambda: admin.create_role(actor, tenant, name="QA", permissions=["complaint.view"])),
            ("role.changed", lambda: admin.edit_role(actor, r, name="前台", permissions=[], version=r.version)),
            ("department.saved", lambda: admin.save_department(actor, tenant, None, name="QA", leader=None, active=True)),
            ("department.saved", lambda: admin.save_department(
                actor, tenant, dept, name="售后", leader=actor, active=True, version=dept.version)),
            ("category.saved", lambda: admin.save_category(actor, tenant, None, name="QA", position=9, active=True)),
            ("category.saved", lambda: admin.save_category(
                actor, tenant, cat, name="质量", position=0, active=False, version=cat.version)),
        ]
        for kind, step in steps:
            count = Event.select().count()
            step()
            latest = Event.select().order_by(Event.id.desc()).first()
            assert (Event.select().count(), latest.kind, latest.actor_id) == (count + 1, kind, actor.id)
