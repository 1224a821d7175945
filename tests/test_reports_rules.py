"""The monthly report's formulas (DOMAIN.md §7) against an independent computation, without a database."""
import statistics
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.reports import rules, worktime
from portal.reports.rules import Bounds, ComplaintRow, DeadlineRow, Period, RevisitRow
from portal.sla.calendar import BusinessCalendar, working_seconds_between

SHANGHAI = BusinessCalendar()
LUNCH = BusinessCalendar(lunch_start=time(12), lunch_end=time(13, 30))
BERLIN = BusinessCalendar(timezone="Europe/Berlin", region=None)
NIGHT_SHIFT = BusinessCalendar(timezone="Europe/Berlin", region=None, work_start=time(1), work_end=time(23),
                               weekdays=frozenset(range(7)))
MARCH = Period.parse("2026-03")
B = MARCH.bounds("Asia/Shanghai")
AS_OF = B.end + timedelta(days=20)


# --- periods --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, first, months", [
    ("2026-03", date(2026, 3, 1), 1), ("2026-Q1", date(2026, 1, 1), 3), ("2025-Q4", date(2025, 10, 1), 3),
    (" 2026-12 ", date(2026, 12, 1), 1)])
def test_months_and_quarters_are_read_from_the_url(text, first, months):
    assert Period.parse(text) == Period(first, months)


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "2026-Q5", "26-03", "2026-3", "1900-01", "x"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_a_month_runs_from_local_midnight_to_local_midnight():
    assert MARCH.bounds("Asia/Shanghai") == Bounds(datetime(2026, 2, 28, 16), datetime(2026, 3, 31, 16))
    # Berlin switches to summer time on 29 March 2026: the month is an hour shorter
    assert MARCH.bounds("Europe/Berlin") == Bounds(datetime(2026, 2, 28, 23), datetime(2026, 3, 31, 22))


def test_periods_shift_across_years_and_the_trend_ends_with_the_period():
    assert Period.parse("2026-01").shift(-1).label == "2025-12"
    assert Period.parse("2025-Q4").shift(1).label == "2026-Q1"
    months = rules.trailing_months(Period.parse("2026-Q1"))
    assert [m.label for m in (months[0], months[-1])] == ["2025-04", "2026-03"] and len(months) == 12


# --- working time ----------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 12, 20), max_value=datetime(2026, 4, 20))


@settings(max_examples=300, deadline=None)
@given(cal=st.sampled_from([SHANGHAI, LUNCH, BERLIN, NIGHT_SHIFT]), pairs=st.lists(st.tuples(moments, moments),
                                                                                  min_size=1, max_size=8))
def test_fast_working_time_equals_the_calendars_count(cal, pairs):
    clock = worktime.WorkingTime(cal)  # shared by the pairs, as in a report: growing its span must not skew anything
    for a, b in pairs:
        assert clock.seconds(a, b) == pytest.approx(working_seconds_between(cal, a, b), abs=1e-3)


def test_handling_time_is_counted_in_working_days_of_the_tenants_length():
    days = worktime.handling_days(LUNCH)  # 7.5 working hours a day
    monday_9 = datetime(2026, 3, 9, 1)  # 09:00 in Shanghai
    assert days(monday_9, monday_9 + timedelta(days=7)) == 5
    assert worktime.day_seconds(LUNCH) == 7.5 * 3600 and worktime.day_seconds(SHANGHAI) == 9 * 3600


# --- the tally against an independent computation ---------------------------------------------------

def independent(complaints, deadlines, revisits, as_of, cal, bounds=B):
    """Every KPI written out directly from its definition, sharing no code with portal.reports.rules.

    Rows need only the attributes used here (plain objects, peewee rows or the rules' dataclasses).
    """
    def in_march(t):
        return t is not None and bounds.start <= t < bounds.end

    elsewhere = ("merged", "returned", "redirected")  # a duplicate, or an HQ work order that left the register
    cs = [c for c in complaints if c.kind == "complaint" and c.status not in elsewhere]
    ids = {c.id for c in cs}
    new = [c for c in cs if in_march(c.received_at)]
    closed = [c for c in cs if in_march(c.closed_at)]

    def kpi(kind):
        counted = []
        for d in deadlines:
            if d.kind != kind or d.complaint not in ids:
                continue
            if d.due_at is None:
                if in_march(d.met_at):
                    counted.append(d)
            elif in_march(d.due_at) and (d.met_at is not None or d.due_at < as_of):
                counted.append(d)
        good = sum(1 for d in counted if d.met_at is not None and d.on_time)
        return good, len(counted)

    visits = [r for r in revisits if in_march(r.at)]  # only complaints are revisited
    happy = sum(1 for r in visits if r.satisfaction in ("satisfied", "very_satisfied"))
    day = working_seconds_between(cal, datetime(2026, 3, 9, 1), datetime(2026, 3, 9, 10))  # a Monday's hours
    days = [working_seconds_between(cal, c.received_at, c.closed_at) / day for c in closed
            if c.status in ("closed", "closed_invalid")]

    def share(num, den):
        return None if den == 0 else num / den

    reply, completion = kpi("reply"), kpi("completion")
    return {
        "register": sum(1 for c in complaints if c.status not in elsewhere and in_march(c.received_at)),
        "passed_on": {s: sum(1 for c in complaints if c.status == s and in_march(c.received_at))
                      for s in ("returned", "redirected")},
        "new": len(new), "closed": len(closed),
        "open_at_end": sum(1 for c in cs if c.received_at < bounds.end
                           and (c.closed_at is None or c.closed_at >= bounds.end)),
        "carried_over": sum(1 for c in cs if c.received_at < bounds.start
                            and (c.closed_at is None or c.closed_at >= bounds.start)),
        "response_rate": share(*reply), "completion_rate": share(*completion),
        "satisfaction_rate": share(happy, len(visits)),
        "repeat_rate": share(sum(1 for c in new if c.is_repeat), len(new)),
        "mean_days": statistics.mean(days) if days else None,
        "median_days": statistics.median(days) if days else None,
        "by_grade": {g: sum(1 for c in new if c.grade == g) for g in ("general", "important", "hot", "major")},
        "by_category": {name: n for name in {c.category for c in new}
                        if (n := sum(1 for c in new if c.category == name))},
    }


def figures(complaints, deadlines, revisits, as_of=AS_OF, cal=SHANGHAI):
    t = rules.tally_rows(complaints, deadlines, revisits, B, as_of, worktime.handling_days(cal))
    return rules.summarise(t)


def assert_same(got, want):
    for key in ("register", "passed_on", "new", "closed", "open_at_end", "carried_over", "by_grade", "by_category"):
        assert got[key] == want[key], key
    for key in ("response_rate", "completion_rate", "satisfaction_rate", "repeat_rate"):
        value = got[key]["value"]
        assert (value is None) if want[key] is None else value == pytest.approx(want[key]), key
    for key in ("mean_days", "median_days"):
        value = got["handling"][key]
        assert (value is None) if want[key] is None else value == pytest.approx(want[key]), key
    assert got["new"] + got["carried_over"] == got["closed"] + got["open_at_end"]


around_march = st.datetimes(min_value=B.start - timedelta(days=45), max_value=B.end + timedelta(days=15))


@st.composite
def complaint_rows(draw, i):
    received = draw(around_march)
    closed = draw(st.one_of(st.none(), st.datetimes(min_value=received, max_value=received + timedelta(days=60))))
    status = draw(st.sampled_from(["closed", "closed_invalid"])) if closed else draw(
        st.sampled_from(["received", "transferred", "revisit_pending", "merged", "returned", "redirected"]))
    if status in ("merged", "returned", "redirected"):
        closed = received + timedelta(hours=1)
    return ComplaintRow(id=i, kind=draw(st.sampled_from(["complaint"] * 4 + ["inquiry", "repair"])), status=status,
                        grade=draw(st.sampled_from(["general", "important", "hot", "major"])),
                        category=draw(st.sampled_from(["维修质量", "服务态度", ""])),
                        channel=draw(st.sampled_from(["phone", "web"])), department=draw(st.sampled_from(["售后", ""])),
                        received_at=received, closed_at=closed, is_repeat=draw(st.booleans()),
                        crisis=draw(st.booleans()))


@st.composite
def months_of_rows(draw):
    n = draw(st.integers(0, 25))
    complaints = [draw(complaint_rows(i)) for i in range(n)]
    deadlines, revisits = [], []
    for c in complaints:
        for kind in draw(st.lists(st.sampled_from(["reply", "completion", "plan"]), max_size=3)):
            due = draw(st.one_of(st.none(), around_march))  # None: paused when it was met (or still paused)
            met = draw(st.one_of(st.none(), around_march))
            on_time = None if met is None else (due is None or met <= due)
            deadlines.append(DeadlineRow(c.id, kind, due, met, on_time))
        for _ in range(draw(st.integers(0, 2))):  # a reopened complaint is revisited again
            revisits.append(RevisitRow(c.id, draw(around_march), draw(st.sampled_from(
                ["very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied"]))))
    return complaints, deadlines, revisits


@settings(max_examples=200, deadline=None)
@given(rows=months_of_rows(), as_of=st.sampled_from([AS_OF, B.start + timedelta(days=12)]),
       cal=st.sampled_from([SHANGHAI, LUNCH]))
def test_every_kpi_equals_an_independent_computation(rows, as_of, cal):
    complaints, deadlines, revisits = rows
    assert_same(figures(complaints, deadlines, revisits, as_of, cal),
                independent(complaints, deadlines, revisits, as_of, cal))


def test_a_month_without_complaints_has_no_rates_and_no_division_error():
    got = figures([], [], [])
    assert got["new"] == got["closed"] == got["open_at_end"] == 0
    for key in ("response_rate", "completion_rate", "satisfaction_rate", "repeat_rate"):
        assert got[key] == {"num": 0, "den": 0, "value": None}
    assert got["handling"] == {"count": 0, "mean_days": None, "median_days": None}
    assert got["top_problems"] == []


def row(i, received, closed=None, status=None, **kw):
    return ComplaintRow(id=i, kind=kw.pop("kind", "complaint"), status=status or ("closed" if closed else "received"),
                        grade=kw.pop("grade", "general"), category=kw.pop("category", "维修质量"), channel="phone",
                        department="", received_at=received, closed_at=closed, **kw)


def test_a_complaint_spanning_the_month_boundary_is_carried_over_into_the_next_month():
    feb_20, mar_5 = datetime(2026, 2, 20, 2), datetime(2026, 3, 5, 2)
    got = figures([row(1, feb_20, mar_5), row(2, feb_20), row(3, mar_5, datetime(2026, 4, 2, 2))], [], [])
    assert (got["new"], got["carried_over"], got["closed"], got["open_at_end"]) == (1, 2, 1, 2)


def test_a_deadline_met_while_paused_counts_when_it_was_met_and_a_paused_one_not_at_all():
    c = row(1, datetime(2026, 3, 2, 2))
    met_paused = DeadlineRow(1, "reply", None, datetime(2026, 3, 10, 2), True)
    still_paused = DeadlineRow(1, "reply", None, None, None)
    late = DeadlineRow(1, "completion", datetime(2026, 3, 20, 10), datetime(2026, 3, 25, 2), False)
    running_past_due = DeadlineRow(1, "completion", datetime(2026, 3, 21, 10), None, None)
    got = figures([c], [met_paused, still_paused, late, running_past_due], [])
    assert got["response_rate"] == {"num": 1, "den": 1, "value": 1.0}
    assert got["completion_rate"] == {"num": 0, "den": 2, "value": 0.0}


def test_a_deadline_not_yet_due_in_the_running_month_is_not_counted_yet():
    running = DeadlineRow(1, "reply", datetime(2026, 3, 25, 10), None, None)
    got = figures([row(1, datetime(2026, 3, 20, 2))], [running], [], as_of=datetime(2026, 3, 22))
    assert got["response_rate"]["den"] == 0


def test_a_reopened_complaint_counts_as_open_and_each_revisit_counts():
    c = row(1, datetime(2026, 3, 2, 2), status="transferred")  # closed once, reopened: closed_at is empty again
    visits = [RevisitRow(1, datetime(2026, 3, 10, 2), "dissatisfied"), RevisitRow(1, datetime(2026, 3, 20, 2),
                                                                                  "very_satisfied")]
    got = figures([c], [], visits)
    assert got["open_at_end"] == 1 and got["closed"] == 0
    assert got["satisfaction_rate"] == {"num": 1, "den": 2, "value": 0.5}


def test_top_problems_show_the_change_against_the_month_before():
    t = rules.Tally(categories=rules.Counter({"维修质量": 5, "服务态度": 2, "收费争议": 2}),
                    previous_categories=rules.Counter({"维修质量": 4, "收费争议": 0}))
    top = rules.summarise(t)["top_problems"]
    assert [p["name"] for p in top] == ["维修质量", "收费争议", "服务态度"]
    assert top[0] | {} == {"name": "维修质量", "count": 5, "previous": 4, "change": 1, "change_rate": 0.25}
    assert top[1]["change_rate"] is None  # nothing the month before: no percentage


def test_quarterly_groups_count_only_their_grades():
    rows = [row(1, datetime(2026, 3, 2, 2), grade="hot"), row(2, datetime(2026, 3, 2, 2), grade="general"),
            row(3, datetime(2026, 3, 2, 2), grade="important")]
    t = rules.tally_rows(rows, [], [], B, AS_OF, worktime.handling_days(SHANGHAI), grades=rules.GROUPS["hot_important"])
    assert t.new == 2 and dict(t.grades) == {"hot": 1, "important": 1}


def test_tallies_of_several_tenants_add_up():
    a = rules.Tally(new=2, handling_days=[1.0], categories=rules.Counter({"x": 2}))
    b = rules.Tally(new=3, handling_days=[2.0], categories=rules.Counter({"x": 1, "y": 2}))
    total = a + b
    assert total.new == 5 and total.handling_days == [1.0, 2.0] and total.categories == {"x": 3, "y": 2}
