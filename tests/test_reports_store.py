"""Stored monthly figures (portal/reports/store.py) equal the live computation after every kind of change.

Each test stores the months first (as a page view does), then changes complaints through the actions
staff use, then reads the stored months again: they must be exactly what `queries.tallies` computes
from the rows at that moment, handling-time median included.
"""
from datetime import date, timedelta

from portal.complaints import actions
from portal.complaints.models import Complaint
from portal.complaints.rules import Move
from portal.db import now
from portal.reports import documents, queries, rules, store
from portal.reports.models import MonthlyFigures
from portal.reports.rules import Period
from portal.sla import clocks, escalation, settings
from portal.sla.models import Deadline
from portal.tenancy import admin
from portal.tenancy.actions import tenants_of
from portal.tenancy.models import Category, Department, Network
from tests import factories as f
from tests.test_reports import MONTH, generate


def this_month(t) -> Period:
    return Period.month_of(date.fromisoformat(documents.local(now(), t.timezone)[:10]))


def gm(t):
    user = f.user("gm@dealer-sh01.demo")
    return user, actions.permissions_of(user, t)


def stored(t, period: Period) -> dict:
    return rules.summarise(store.tallies([t], period)[t.id])


def live(t, period: Period, as_of=None) -> dict:
    return rules.summarise(queries.tallies([t], period, as_of=as_of)[t.id])


def assert_stored_is_live(t, *periods: Period) -> None:
    for period in periods:
        assert stored(t, period) == live(t, period), period.label
    last = max(periods, key=lambda p: p.first)
    computed = [live(t, m) for m in rules.trailing_months(last)]
    assert [(p["new"], p["closed"]) for p in store.trend([t], last)] == [(c["new"], c["closed"]) for c in computed]


def row(t, period: Period) -> MonthlyFigures:
    return MonthlyFigures.get((MonthlyFigures.tenant == t.id) & (MonthlyFigures.period == period.label))


def back_to_last_month(c: Complaint, t, closed: bool = False) -> None:
    """Set up (before anything is stored): received, and closed if asked, in the month before this one."""
    start = this_month(t).shift(-1).bounds(t.timezone).start
    changes = {"received_at": start + timedelta(days=3)}
    if closed:
        changes.update(status="closed", closed_at=start + timedelta(days=9))
    Complaint.update(**changes).where(Complaint.id == c.id).execute()


def test_intake_and_every_step_of_the_process_reach_the_stored_month(in_tenant):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        generate(t, n=30, seed=4, month=month)  # a month that already holds something
        assert_stored_is_live(t, month)
        c = f.complaint()
        assert row(t, month).changes != row(t, month).computed  # marked in the intake's transaction
        assert_stored_is_live(t, month)
        for step in f.PATH:
            f.advance(c, step)
            assert_stored_is_live(t, month)
        figures = stored(t, month)
        assert c.status == "closed" and figures["closed"] >= 1 and figures["handling"]["median_days"] is not None
        assert row(t, month).changes == row(t, month).computed


def test_closing_and_reopening_across_a_month_boundary_change_both_months(in_tenant):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        closed_last_month = f.advance(f.complaint(), Move.REVISIT)
        open_since_last_month = f.advance(f.complaint(phone="13911112222"), Move.IMPLEMENT)
        back_to_last_month(closed_last_month, t, closed=True)
        back_to_last_month(open_since_last_month, t)
        before = {p.label: stored(t, p) for p in (month.shift(-1), month)}
        user, perms = gm(t)
        c = Complaint.get_by_id(closed_last_month.id)
        actions.move(c, Move.REOPEN, user, perms, {"reason": "客户再次来电"})
        f.advance(Complaint.get_by_id(open_since_last_month.id), Move.REVISIT)
        assert_stored_is_live(t, month.shift(-1), month)
        after = stored(t, month.shift(-1))
        assert after["closed"] == before[month.shift(-1).label]["closed"] - 1
        assert after["open_at_end"] == before[month.shift(-1).label]["open_at_end"] + 1
        assert stored(t, month)["closed"] == before[month.label]["closed"] + 1


def test_a_merged_duplicate_leaves_every_month_since_its_receipt(in_tenant):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        original, duplicate = f.complaint(), f.complaint(phone="13922223333")
        back_to_last_month(duplicate, t)
        before = stored(t, month.shift(-1))
        actions.merge(Complaint.get_by_id(duplicate.id), original, f.user("cs@dealer-sh01.demo"))
        assert_stored_is_live(t, month.shift(-1), month)
        assert stored(t, month.shift(-1))["new"] == before["new"] - 1


def test_pausing_and_resuming_the_clocks_moves_deadlines_between_months(in_tenant):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        c = f.advance(f.complaint(), Move.TRANSFER)
        back_to_last_month(c, t)
        due = month.shift(-1).bounds(t.timezone).start + timedelta(days=12)  # overdue since last month
        Deadline.update(due_at=due).where((Deadline.complaint == c.id) & Deadline.met_at.is_null()).execute()
        before = stored(t, month.shift(-1))
        assert before["response_rate"]["den"] >= 1
        clocks.pause(Complaint.get_by_id(c.id), "parts", "等配件", f.user("cs@dealer-sh01.demo"))
        assert_stored_is_live(t, month.shift(-1), month)
        assert stored(t, month.shift(-1))["response_rate"]["den"] < before["response_rate"]["den"]
        clocks.resume(Complaint.get_by_id(c.id), f.user("cs@dealer-sh01.demo"))
        assert_stored_is_live(t, month.shift(-1), month)


def test_reassignment_regrading_and_risk_flags_reach_the_month_the_complaint_was_received_in(in_tenant):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        c = f.advance(f.complaint(), Move.TRANSFER)
        back_to_last_month(c, t)
        assert_stored_is_live(t, month.shift(-1), month)
        user, perms = gm(t)
        c = Complaint.get_by_id(c.id)
        other = next(d for d in Department.select() if d.id != c.department_id)
        actions.assign(c, user, department=other)
        escalation.change_grade(c, "hot", "客户情绪激动", user, perms)
        escalation.set_risk(c, ["media"], False, user)
        assert_stored_is_live(t, month.shift(-1), month)
        figures = stored(t, month.shift(-1))
        assert figures["by_department"].get(other.name) == 1 and figures["by_grade"]["general"] == 0


def test_the_page_s_lists_kept_with_the_month_follow_changes_too(in_tenant):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        c = f.advance(f.complaint(), Move.TRANSFER)
        due = month.bounds(t.timezone).start + timedelta(minutes=1)  # missed (and decided) already
        Deadline.update(due_at=due).where((Deadline.complaint == c.id) & (Deadline.kind == "reply")).execute()

        def page_lists():
            doc = documents.monthly(t, month)
            assert doc["overdue"] == documents.overdue(t, month) and doc["notable"] == documents.notable(t, month)
            return doc
        assert [o["number"] for o in page_lists()["overdue"]] == [c.number]
        assert row(t, month).lists is not None  # kept: the next view reads them with the month
        user, perms = gm(t)
        escalation.change_grade(Complaint.get_by_id(c.id), "major", "媒体曝光", user, perms)
        doc = page_lists()
        assert [n["number"] for n in doc["notable"]] == [c.number] and doc["overdue"][0]["grade"] == "major"


def test_a_running_deadline_falling_due_changes_the_current_month_without_any_write(in_tenant, monkeypatch):
    with in_tenant("dealer-sh01") as t:
        month, at = this_month(t), now()
        c = f.complaint()
        due = at + (month.bounds(t.timezone).end - at) / 2
        Deadline.update(due_at=due).where((Deadline.complaint == c.id) & (Deadline.kind == "reply")).execute()
        before = stored(t, month)
        assert row(t, month).valid_until == due and before == live(t, month)
        later = due + timedelta(seconds=1)
        monkeypatch.setattr(store, "now", lambda: later)
        after = stored(t, month)
        assert after == live(t, month, as_of=later)
        assert after["response_rate"]["den"] == before["response_rate"]["den"] + 1


def test_a_change_landing_while_the_month_is_computed_leaves_it_to_compute_again(in_tenant, monkeypatch):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        f.complaint()
        computing = queries.tallies

        def meanwhile(tenants, period, **kwargs):
            figures = computing(tenants, period, **kwargs)
            store.changed(t.id)  # another request commits a change after these reads
            return figures
        monkeypatch.setattr(queries, "tallies", meanwhile)
        store.tallies([t], month)
        assert row(t, month).changes != row(t, month).computed
        monkeypatch.setattr(queries, "tallies", computing)
        assert_stored_is_live(t, month)
        assert row(t, month).changes == row(t, month).computed


def test_a_new_calendar_or_a_renamed_category_recomputes_the_stored_months(in_tenant):
    with in_tenant("dealer-sh01") as t:
        generate(t, n=40, seed=8)
        assert_stored_is_live(t, MONTH)
        values = settings.load(t, "calendar") | {"lunch_start": "12:00", "lunch_end": "13:00"}
        settings.save(t, "calendar", values, f.user("admin@dealer-sh01.demo"), settings.explain(t, "calendar")[2])
        assert_stored_is_live(t, MONTH)
        category = Category.get(Category.name == "维修质量")
        admin.save_category(f.user("admin@dealer-sh01.demo"), t, category, name="维修质量问题",
                            position=category.position, active=True, version=category.version)
        assert_stored_is_live(t, MONTH)
        assert "维修质量" not in stored(t, MONTH)["by_category"]


def test_the_minute_sweep_recomputes_the_months_a_change_touched(app, in_tenant):
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        assert_stored_is_live(t, month, month.shift(-1))
        f.advance(f.complaint(), Move.TRANSFER)
        assert row(t, month).changes != row(t, month).computed
    result = store.sweep(app)
    assert result["recomputed"] >= 1 and result["left"] == 0
    with in_tenant("dealer-sh01") as t:
        assert row(t, month).changes == row(t, month).computed
        assert row(t, month).new == live(t, month)["new"] >= 1
    assert store.sweep(app) == {"recomputed": 0, "left": 0}


def test_the_network_report_reads_each_workspace_s_stored_month(app, in_tenant):
    from portal import scope
    for slug, seed in (("dealer-sh01", 21), ("dealer-sh02", 22)):
        with in_tenant(slug) as t:
            generate(t, n=20, seed=seed)
            store.tallies([t], MONTH)  # one stored already, the other computed by HQ's page
    network = Network.get(Network.slug == "svw")
    with in_tenant("dealer-sh01") as t:
        generate(t, n=5, seed=23)  # and a change since
    with scope.scoped(scope.for_network(network)):
        tenants = tenants_of(network)
        doc = documents.hq_monthly(tenants, MONTH)
        want = sum((queries.tallies([t], MONTH)[t.id] for t in tenants), rules.Tally())
    assert doc["figures"] == rules.summarise(want)


def test_a_month_that_has_not_begun_is_computed_but_never_stored(in_tenant):
    with in_tenant("dealer-sh01") as t:
        ahead = this_month(t).shift(1)
        assert stored(t, ahead) == live(t, ahead)
        assert not MonthlyFigures.select().where(MonthlyFigures.period == ahead.label).exists()


def test_warming_stores_every_active_tenant_s_months_ahead_of_the_pages(runner, in_tenant):
    result = runner.invoke(args=["reports", "warm", "--months", "2"])
    assert result.exit_code == 0, result.output
    with in_tenant("dealer-sh01") as t:
        month = this_month(t)
        assert row(t, month).computed == row(t, month).changes and row(t, month.shift(-1)).computed == 0
    with in_tenant("prop-bj01") as t:
        assert row(t, this_month(t)).calendar == store.fingerprint(settings.calendar_for(t))
    assert "months of 4 tenants" in result.output
