def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_demo_user_signs_in_and_lands_in_their_workspace(client, login):
    login("cs@dealer-sh01.demo")
    response = client.get("/workspaces")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/t/dealer-sh01/")
    page = client.get("/t/dealer-sh01/")
    assert page.status_code == 200
    assert "上海浦东一店" in page.get_data(as_text=True)
