"""A changed month is shown as stored, saying when it was computed, while the worker recomputes it.

The pages never compute a busy month themselves (seconds for 100k complaints); they ask the worker
once (one claim per set of months, however many people look), and the next view after the worker
ran shows fresh figures. Exports and submitted reports always take fresh figures.
"""
import csv
import io
import json

import pytest

from portal.reports import actions, documents, queries, rules, store
from portal.reports.models import MonthlyFigures
from portal.reports.rules import Period
from tests import factories as f
from tests.conftest import translated_html
from tests.test_query_counts import counting
from tests.test_reports import BASE, MONTH, generate

PAGE = f"{BASE}/monthly?month={MONTH.label}"
AS_OF = "Figures as of %(at)s; the latest changes are being added — refresh in a minute."
RECOMPUTE = 'UPDATE "monthly_figures" SET "ends_at"'


@pytest.fixture
def queue(app):
    """The app's task queue as in production: tasks wait for the worker instead of running at once."""
    huey = app.extensions["huey"]
    huey.immediate = False
    huey.flush()
    return huey


def run_worker(huey) -> int:
    """Run every queued task, as the worker would; returns how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def figure(body: str, name: str) -> str:
    start = body.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
    return body[start:body.index("<", start)]


def live_new(in_tenant, period: Period = MONTH) -> int:
    with in_tenant("dealer-sh01") as t:
        return rules.summarise(queries.tallies([t], period)[t.id])["new"]


def stored_then_changed(in_tenant, client) -> tuple[int, str]:
    """A month stored by its first view, then changed: (the stored "new", when it was computed, as shown)."""
    with in_tenant("dealer-sh01") as t:
        generate(t, n=20, seed=31)
    first = client.get(PAGE).get_data(as_text=True)
    with in_tenant("dealer-sh01") as t:
        row = MonthlyFigures.get((MonthlyFigures.tenant == t.id) & (MonthlyFigures.period == MONTH.label))
        generate(t, n=12, seed=32)  # their events mark the month
        assert not store.holds(MonthlyFigures.select(*store.CHECK).where(MonthlyFigures.id == row.id).dicts().get(),
                               queries.calendars([t])[t.id], store.now())
        at = documents.local(row.computed_at, t.timezone)
    assert "data-stale" not in first  # a month never computed is computed by its first view
    return row.new, at


def test_a_changed_month_is_shown_as_stored_saying_when_without_computing_it(app, queue, in_tenant, login,
                                                                          monkeypatch):
    client = login("manager@dealer-sh01.demo")
    stored_new, at = stored_then_changed(in_tenant, client)
    assert live_new(in_tenant) != stored_new

    def computing(*args, **kwargs):
        raise AssertionError("the page computed the month")
    monkeypatch.setattr(queries, "tallies", computing)
    with counting() as statements:
        body = client.get(PAGE).get_data(as_text=True)
    assert not [s for s in statements if s.startswith(RECOMPUTE)]
    assert len(statements) <= 9 + 2 + 3  # the stored page, the claim (read and write), the lists made afresh
    assert translated_html(app, AS_OF, at=at) in body
    assert figure(body, "new") == str(stored_new)
    assert queue.pending_count() == 1  # the recompute, for the worker


def test_the_worker_recomputes_it_and_the_next_view_shows_fresh_figures_without_the_note(app, queue, in_tenant,
                                                                                       login):
    client = login("manager@dealer-sh01.demo")
    stored_then_changed(in_tenant, client)
    assert "data-stale" in client.get(PAGE).get_data(as_text=True)
    assert run_worker(queue) == 1
    body = client.get(PAGE).get_data(as_text=True)
    assert "data-stale" not in body and figure(body, "new") == str(live_new(in_tenant))
    assert queue.pending_count() == 0
    with in_tenant("dealer-sh01") as t:
        assert rules.summarise(store.tallies([t], MONTH)[t.id]) == rules.summarise(queries.tallies([t], MONTH)[t.id])


def test_a_burst_of_views_asks_the_worker_once(app, queue, in_tenant, login):
    client = login("manager@dealer-sh01.demo")
    stored_then_changed(in_tenant, client)
    other = login("gm@dealer-sh01.demo", c=app.test_client())
    assert "data-stale" in client.get(PAGE).get_data(as_text=True)
    with counting() as statements:
        for c in (client, other) * 10:
            assert "data-stale" in c.get(PAGE).get_data(as_text=True)
    assert queue.pending_count() == 1
    writes = [s for s in statements if s.split(None, 1)[0] in ("INSERT", "UPDATE", "DELETE")]
    assert not writes  # later viewers read the claim and write nothing


def test_the_worker_leaves_alone_a_month_the_sweep_recomputed_meanwhile(app, queue, in_tenant, login):
    client = login("manager@dealer-sh01.demo")
    stored_then_changed(in_tenant, client)
    client.get(PAGE)
    assert store.sweep(app)["recomputed"] >= 1
    with counting() as statements:
        assert run_worker(queue) == 1
    assert not [s for s in statements if s.startswith(RECOMPUTE)]


def test_exports_take_fresh_figures_while_the_page_shows_stored_ones(app, queue, in_tenant, login):
    client = login("manager@dealer-sh01.demo")
    stored_new, _ = stored_then_changed(in_tenant, client)
    assert figure(client.get(PAGE).get_data(as_text=True), "new") == str(stored_new)
    summary = client.get(f"{BASE}/monthly.csv?month={MONTH.label}")
    rows = dict(csv.reader(io.StringIO(summary.data.decode("utf-8-sig"))))
    assert rows["新增投诉"] == str(live_new(in_tenant)) != str(stored_new)


def test_a_submitted_report_freezes_fresh_figures(app, queue, in_tenant, login):
    client = login("manager@dealer-sh01.demo")
    stored_new, _ = stored_then_changed(in_tenant, client)
    assert "data-stale" in client.get(PAGE).get_data(as_text=True)
    with in_tenant("dealer-sh01") as t:
        report = actions.submit(t, f.user("manager@dealer-sh01.demo"), "monthly", MONTH.label, "分析", 0)
        snapshot = json.loads(report.snapshot)
        assert snapshot["figures"] == rules.summarise(queries.tallies([t], MONTH)[t.id])
    assert "stale_as_of" not in snapshot and snapshot["figures"]["new"] != stored_new


def test_the_network_report_says_which_workspaces_are_catching_up(app, queue, in_tenant, login):
    stored_then_changed(in_tenant, login("manager@dealer-sh01.demo"))
    hq = login("hq@svw.demo", c=app.test_client())
    url = f"/hq/reports/monthly?month={MONTH.label}"
    body = hq.get(url).get_data(as_text=True)  # the other workspaces' months: computed by this first view
    assert body.count("data-stale") == 2  # the note, and dealer-sh01's row
    assert queue.pending_count() == 1
    run_worker(queue)
    assert "data-stale" not in hq.get(url).get_data(as_text=True)
