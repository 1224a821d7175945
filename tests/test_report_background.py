"""A big month's XLSX is prepared by the worker: the page says so, then links the file, for that tenant only."""
import io
import json
import os
from datetime import timedelta

import openpyxl
import pytest

from portal.db import now
from portal.jobs import run_periodic
from portal.reports import background, exports
from tests.test_report_exports import month_complaints
from tests.test_reports import BASE, MONTH, generate

MANAGER = "manager@dealer-sh01.demo"


@pytest.fixture
def big(monkeypatch, in_tenant):
    """A month over the (lowered) threshold in dealer-sh01."""
    monkeypatch.setattr(background, "BACKGROUND_ROWS", 5)
    with in_tenant("dealer-sh01") as t:
        generate(t, n=30, seed=5)
        numbers = [c.number for c in month_complaints(t)]
    return numbers


def prepare(client):
    response = client.post(f"{BASE}/monthly.xlsx/prepare?month={MONTH.label}")
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def records(app, tenant_id: int) -> list[dict]:
    with app.app_context():
        here = background.folder(tenant_id)
    return [json.load(open(os.path.join(here, n))) for n in sorted(os.listdir(here)) if n.endswith(".json")]


def test_a_big_month_offers_to_prepare_the_file_and_a_small_one_downloads_at_once(big, login, monkeypatch):
    c = login(MANAGER)
    page = c.get(f"{BASE}/monthly?month={MONTH.label}").get_data(as_text=True)
    assert "/monthly.xlsx/prepare" in page and f"monthly.xlsx?month={MONTH.label}" not in page
    assert c.get(f"{BASE}/monthly.xlsx?month={MONTH.label}").status_code == 303  # never written while waiting
    monkeypatch.setattr(background, "BACKGROUND_ROWS", 20_000)
    page = c.get(f"{BASE}/monthly?month={MONTH.label}").get_data(as_text=True)
    assert "/monthly.xlsx/prepare" not in page
    assert c.get(f"{BASE}/monthly.xlsx?month={MONTH.label}").status_code == 200


def test_the_prepared_file_holds_the_months_complaints_and_the_status_links_it(app, big, login, in_tenant):
    c = login(MANAGER)
    status_url = prepare(c)
    fragment = c.get(status_url, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and "every 3s" not in html  # done: no more polling
    download = status_url + "/download"
    assert download in html
    full = c.get(status_url).get_data(as_text=True)
    assert "<html" in full and download in full
    response = c.get(download)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert f"kesu-dealer-sh01-{MONTH.label}.xlsx" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["投诉明细"]
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == big
    assert [c.value for c in sheet[1]] == exports.COMPLAINT_HEADERS


def test_while_the_file_is_prepared_the_status_polls_and_two_clicks_make_one_job(app, big, login, monkeypatch):
    queued = []
    monkeypatch.setattr(background.jobs, "later", lambda name, *args: queued.append((name, args)))
    c = login(MANAGER)
    first, second = prepare(c), prepare(c)
    assert first == second and len(queued) == 1
    with app.app_context():
        tenant_id = queued[0][1][0]
    assert [r["status"] for r in records(app, tenant_id)] == ["queued"]
    fragment = c.get(first, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 3s"' in fragment and f'href="{first}"' in fragment
    assert c.get(first + "/download").status_code == 404  # not ready yet
    with app.app_context():
        background.run(*queued[0][1])
    assert "every 3s" not in c.get(first, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert c.get(first + "/download").status_code == 200
    prepare(c)  # the month asked for again once done: a new job
    assert len(queued) == 2


def test_another_tenants_member_and_an_expired_job_get_404(app, big, login, client):
    status_url = prepare(login(MANAGER))
    token = status_url.rsplit("/", 1)[1]
    other = app.test_client()
    login("manager@dealer-sh02.demo", c=other)
    for url in (f"/t/dealer-sh02/reports/exports/{token}", f"/t/dealer-sh02/reports/exports/{token}/download",
                f"/t/dealer-sh01/reports/exports/{token}/download"):
        assert other.get(url).status_code == 404
    tenant_id = _sh01(app)
    with app.app_context():
        job = background.load(tenant_id, token)
        job["created"] = (now() - background.KEEP - timedelta(minutes=1)).isoformat()
        background._write_json(tenant_id, job)
    c = login(MANAGER)
    assert c.get(status_url).status_code == 404 and c.get(status_url + "/download").status_code == 404
    assert c.get(f"{BASE}/exports/not-a-job").status_code == 404


def test_the_minutes_round_deletes_exports_older_than_a_day(app, big, login):
    fresh = prepare(login(MANAGER)).rsplit("/", 1)[1]
    tenant_id = _sh01(app)
    with app.app_context():
        old = dict(background.load(tenant_id, fresh), token="old-job",
                   created=(now() - background.KEEP - timedelta(minutes=1)).isoformat())
        background._write_json(tenant_id, old)
        open(background.file_path(old), "wb").write(b"x")
        run_periodic(app)
        names = sorted(os.listdir(background.folder(tenant_id)))
    assert names == [f"{fresh}.json", f"{fresh}.xlsx"]


def _sh01(app) -> int:
    from portal import scope
    from portal.tenancy.models import Tenant
    with app.app_context(), scope.scoped(scope.SYSTEM):
        return Tenant.get(Tenant.slug == "dealer-sh01").id


def test_a_failed_export_says_so_and_offers_to_try_again(app, big, login, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")
    monkeypatch.setattr(background.exports, "xlsx", broken)
    c = login(MANAGER)
    status_url = prepare(c)
    html = c.get(status_url).get_data(as_text=True)
    assert "every 3s" not in html and "/monthly.xlsx/prepare" in html
    assert c.get(status_url + "/download").status_code == 404
    assert not [n for n in os.listdir(_folder(app)) if n.endswith((".xlsx", ".part", ".lock"))]
    monkeypatch.undo()
    monkeypatch.setattr(background, "BACKGROUND_ROWS", 5)
    retried = prepare(c)
    assert retried != status_url and c.get(retried + "/download").status_code == 200


def _folder(app) -> str:
    with app.app_context():
        return background.folder(_sh01(app))


def test_erasing_a_customer_deletes_the_tenants_prepared_exports(app, login, in_tenant):
    from portal.customers import erasure
    from portal.reports.rules import Period
    from tests import factories as f
    from tests.test_erasure import erasable_customer
    customer = erasable_customer(in_tenant)
    with in_tenant("dealer-sh01") as t:
        job = background.start(t, f.user(MANAGER), Period.month_of(now().date()))  # prepared at once
        assert os.path.exists(background.file_path(job))
        erasure.erase(customer, t, f.user("admin@dealer-sh01.demo"))
        assert os.listdir(background.folder(t.id)) == []
    assert login(MANAGER).get(f"{BASE}/exports/{job['token']}/download").status_code == 404
