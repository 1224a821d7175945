"""Signing in and out, sessions, the workspace chooser, and the account commands."""
import pytest

from portal import create_app
from portal.accounts import actions
from portal.accounts.models import User
from portal.tenancy.actions import add_member
from portal.tenancy.models import Network, Tenant
from tests.conftest import HASH, PRODUCTION, base_config
from tests.conftest import translated_html as translated

CS = "cs@dealer-sh01.demo"
WRONG_PASSWORD = "E-mail or password is wrong, or the account is disabled."
THROTTLED = "Too many failed attempts. Wait a few minutes and try again."


def sign_in(client, email, password="kesu-demo", **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_the_right_password_signs_in_and_opens_the_workspace(client):
    response = sign_in(client, CS)
    assert response.status_code == 303
    assert response.headers["Location"] == "/workspaces"
    assert client.get("/workspaces").headers["Location"] == "/t/dealer-sh01/"


def test_sign_in_returns_to_the_page_that_asked_for_it(client):
    response = sign_in(client, CS, query_string={"next": "/t/dealer-sh01/"})
    assert response.headers["Location"] == "/t/dealer-sh01/"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/",
                                    "/\t/evil.example/"])
def test_sign_in_never_sends_the_user_to_another_site(client, target):
    response = sign_in(client, CS, query_string={"next": target})
    assert response.headers["Location"] == "/workspaces"


@pytest.mark.parametrize("email, password", [(CS, "not-the-password"), ("nobody@dealer-sh01.demo", "kesu-demo")])
def test_a_wrong_password_or_unknown_email_is_refused_with_one_message(app, client, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 422
    assert translated(app, WRONG_PASSWORD) in response.get_data(as_text=True)
    assert client.get("/t/dealer-sh01/").status_code == 302  # still signed out


def test_a_deactivated_user_cannot_sign_in(app, client):
    User.update(active=False).where(User.email == CS).execute()
    response = sign_in(client, CS)
    assert response.status_code == 422
    assert translated(app, WRONG_PASSWORD) in response.get_data(as_text=True)


def test_after_too_many_failures_even_the_right_password_is_refused_for_that_email(app, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(client, CS, "not-the-password").status_code == 422
    response = sign_in(client, CS)
    assert response.status_code == 429
    assert translated(app, THROTTLED) in response.get_data(as_text=True)
    assert client.get("/t/dealer-sh01/").status_code == 302
    # Another person's e-mail, from the same address, is not locked out.
    assert sign_in(client, "manager@dealer-sh01.demo").status_code == 303


def test_a_success_before_the_limit_forgives_earlier_failures(app, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        sign_in(client, CS, "not-the-password")
    assert sign_in(client, CS).status_code == 303
    other = app.test_client()
    sign_in(other, CS, "not-the-password")
    assert sign_in(other, CS).status_code == 303


def test_sign_in_starts_a_new_session(client):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone before sign-in"
    before = client.get_cookie("session").value
    sign_in(client, CS)
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_the_chosen_language_survives_sign_in(client):
    client.post("/lang", data={"lang": "en", "next": "/login"})
    sign_in(client, CS)
    assert 'lang="en"' in client.get("/t/dealer-sh01/").get_data(as_text=True)


def test_the_session_cookie_is_http_only_and_same_site_lax(client):
    response = sign_in(client, CS)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_sign_out_ends_every_session_of_the_user(app, login):
    first, second = login(CS, c=app.test_client()), login(CS, c=app.test_client())
    assert second.get("/t/dealer-sh01/").status_code == 200
    response = first.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    for client in (first, second):
        page = client.get("/t/dealer-sh01/")
        assert page.status_code == 302
        assert page.headers["Location"].startswith("/login")


def test_sign_out_of_one_user_leaves_other_users_signed_in(app, login):
    mine, colleague = login(CS, c=app.test_client()), login("manager@dealer-sh01.demo", c=app.test_client())
    mine.post("/logout")
    assert colleague.get("/t/dealer-sh01/").status_code == 200


def test_a_password_change_ends_the_users_sessions(app, client, login):
    login(CS)
    assert client.get("/t/dealer-sh01/").status_code == 200
    actions.set_password(User.get(User.email == CS), "a-new-long-secret", method=HASH)
    assert client.get("/t/dealer-sh01/").headers["Location"].startswith("/login")
    assert sign_in(app.test_client(), CS, "a-new-long-secret").status_code == 303


def test_a_user_of_several_tenants_chooses_a_workspace(app, client, login):
    user = actions.create_user("roaming@svw.demo", "跨店经理", "roaming-secret-1", method=HASH)
    for slug in ("dealer-sh01", "dealer-sh02"):
        add_member(Tenant.get(Tenant.slug == slug), user, "service_manager")
    login("roaming@svw.demo", "roaming-secret-1")
    page = client.get("/workspaces")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "上海浦东一店" in body and "上海闵行二店" in body and "北京朝阳项目公司" not in body
    chosen = client.post("/workspaces", data={"key": "t:dealer-sh02"})
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/t/dealer-sh02/"
    assert "上海闵行二店" in client.get("/t/dealer-sh02/").get_data(as_text=True)
    assert client.post("/workspaces", data={"key": "t:prop-bj01"}).status_code == 404


def test_hq_staff_land_in_headquarters(client, login):
    login("hq@svw.demo")
    assert client.get("/workspaces").headers["Location"] == "/hq/"


def test_a_signed_out_visitor_asked_to_sign_in_sees_why(app, client):
    response = client.get("/workspaces", follow_redirects=True)
    assert response.request.path == "/login"
    assert translated(app, "Please sign in to see this page.") in response.get_data(as_text=True)


def test_create_user_command_makes_a_member_who_can_sign_in(app, runner):
    result = runner.invoke(args=["create-user", "--email", "New.Admin@Dealer-SH01.demo", "--name", "新管理员",
                                 "--password", "long-enough-secret", "--tenant", "dealer-sh01",
                                 "--role", "tenant_admin"])
    assert result.exit_code == 0, result.output
    assert "created new.admin@dealer-sh01.demo" in result.output
    client = app.test_client()
    assert sign_in(client, "new.admin@dealer-sh01.demo", "long-enough-secret").status_code == 303
    assert client.get("/t/dealer-sh01/admin/").status_code == 200


def test_create_user_command_can_add_headquarters_staff(app, runner):
    result = runner.invoke(args=["create-user", "--email", "csc@svw.demo", "--name", "总部",
                                 "--password", "long-enough-secret", "--hq", "svw"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    sign_in(client, "csc@svw.demo", "long-enough-secret")
    assert client.get("/hq/").status_code == 200


@pytest.mark.parametrize("password", ["short", "12345678", "aaaaaaaaaa", "weakling"])
def test_create_user_command_rejects_a_weak_password(runner, password):
    email = "weakling@dealer-sh01.demo"
    result = runner.invoke(args=["create-user", "--email", email, "--name", "弱", "--password", password])
    assert result.exit_code != 0
    assert "--password" in result.output
    assert User.get_or_none(User.email == email) is None


def _empty_app(tmp_path, **config):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path, **config))
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    return app


def test_seed_demo_fills_an_empty_development_database(tmp_path):
    app = _empty_app(tmp_path, KESU_ENV="development")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert Network.select().count() == 2


def test_seed_demo_refuses_in_production(tmp_path):
    app = _empty_app(tmp_path, **PRODUCTION)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert Network.select().count() == 0


def test_seed_demo_refuses_when_the_environment_says_production(tmp_path, monkeypatch):
    monkeypatch.setenv("KESU_ENV", "production")
    monkeypatch.setenv("KESU_SECRET_KEY", PRODUCTION["SECRET_KEY"])
    monkeypatch.setenv("KESU_LINK_SECRET", PRODUCTION["STATUS_LINK_SECRET"])
    monkeypatch.setenv("KESU_PUBLIC_URL", PRODUCTION["PUBLIC_BASE_URL"])
    config = base_config(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    for key in ("KESU_ENV", "SESSION_COOKIE_SECURE", "SECRET_KEY"):  # as in a deployment: from the environment
        del config[key]
    app = create_app(config)
    assert app.config["KESU_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "production" in result.output
