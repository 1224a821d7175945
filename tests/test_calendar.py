"""The business calendar: working days, working hours and deadlines, without a database."""
import sys
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar
import pytest
from chinese_calendar import Holiday
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.sla.calendar import (
    BusinessCalendar,
    add_working_days,
    add_working_hours,
    add_working_seconds,
    calendar_hours,
    due_with_pauses,
    is_working_time,
    next_working_moment,
    register_holiday_source,
    working_day_after,
    working_seconds_between,
    working_seconds_between_excluding,
)

SHANGHAI = BusinessCalendar()
BERLIN = BusinessCalendar(timezone="Europe/Berlin", region=None)
# open across the small hours, so daylight-saving switches fall inside working time
NIGHT_SHIFT = BusinessCalendar(timezone="Europe/Berlin", region=None, work_start=time(1),
                               work_end=time(23), weekdays=frozenset(range(7)))
HOUR = 3600
US = timedelta(microseconds=1)
SPRING_FESTIVAL_2026 = [date(2026, 2, d) for d in range(15, 24)]
NATIONAL_DAY_2026 = [date(2026, 10, d) for d in range(1, 8)]


def utc(*args) -> datetime:
    """A naive UTC moment."""
    return datetime(*args)


def beijing(*args) -> datetime:
    """The naive UTC moment of a Beijing wall-clock time (UTC+8, no daylight saving)."""
    return datetime(*args) - timedelta(hours=8)


# --- mainland holidays and 调休, as chinese_calendar publishes them -----------------------

def test_the_holiday_package_covers_2026():
    assert chinese_calendar.is_workday(date(2026, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_every_day_of_2026_agrees_with_the_mainland_holiday_package():
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert SHANGHAI.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize("day", SPRING_FESTIVAL_2026)
def test_the_spring_festival_week_is_not_a_working_day(day):
    assert chinese_calendar.get_holiday_detail(day) == (True, Holiday.spring_festival.value)
    assert not SHANGHAI.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 2, 14), date(2026, 2, 28)])
def test_adjusted_working_saturday_counts_as_a_working_day(day):
    assert day.weekday() == 5
    assert chinese_calendar.get_holiday_detail(day) == (False, Holiday.spring_festival.value)
    assert SHANGHAI.is_working_day(day)


@pytest.mark.parametrize("day", NATIONAL_DAY_2026)
def test_national_day_week_is_not_a_working_day(day):
    assert chinese_calendar.get_holiday_detail(day) == (True, Holiday.national_day.value)
    assert not SHANGHAI.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 9, 20), date(2026, 10, 10)])
def test_weekend_days_made_up_for_national_day_are_working_days(day):
    assert day.weekday() >= 5
    assert SHANGHAI.is_working_day(day)


def test_an_ordinary_weekend_is_not_a_working_day():
    assert not SHANGHAI.is_working_day(date(2026, 3, 7))
    assert not SHANGHAI.is_working_day(date(2026, 3, 8))


def test_a_year_the_package_does_not_know_falls_back_to_the_working_week():
    assert SHANGHAI.is_working_day(date(2027, 3, 1))  # a Monday
    assert not SHANGHAI.is_working_day(date(2027, 3, 6))  # a Saturday


# --- reply within 5 working days ----------------------------------------------------------

def test_reply_within_five_working_days_is_due_at_close_of_business_on_the_fifth_day():
    received = beijing(2026, 3, 2, 15, 0)  # Monday afternoon
    assert add_working_days(SHANGHAI, received, 5) == beijing(2026, 3, 9, 18, 0)


def test_the_day_of_receipt_is_not_counted_even_before_opening_hours():
    received = beijing(2026, 3, 2, 7, 0)
    assert add_working_days(SHANGHAI, received, 1) == beijing(2026, 3, 3, 18, 0)


def test_a_complaint_received_on_saturday_counts_from_monday():
    assert add_working_days(SHANGHAI, beijing(2026, 3, 7, 11, 0), 5) == beijing(2026, 3, 13, 18, 0)


def test_zero_working_days_means_close_of_business_today_or_on_the_next_working_day():
    assert add_working_days(SHANGHAI, beijing(2026, 3, 2, 10, 0), 0) == beijing(2026, 3, 2, 18, 0)
    assert add_working_days(SHANGHAI, beijing(2026, 3, 2, 19, 0), 0) == beijing(2026, 3, 3, 18, 0)
    assert add_working_days(SHANGHAI, beijing(2026, 3, 7, 10, 0), 0) == beijing(2026, 3, 9, 18, 0)


def test_five_working_days_skip_the_spring_festival_and_count_the_adjusted_saturday():
    received = beijing(2026, 2, 13, 10, 0)  # Friday before the holiday
    # Sat 14 (调休) is day 1; 15–23 are closed; Tue 24 … Fri 27 are days 2–5.
    assert add_working_days(SHANGHAI, received, 5) == beijing(2026, 2, 27, 18, 0)


def test_three_working_days_for_the_department_skip_national_day():
    received = beijing(2026, 9, 30, 16, 0)
    # Oct 1–7 closed; Thu 8, Fri 9, Sat 10 (调休).
    assert add_working_days(SHANGHAI, received, 3) == beijing(2026, 10, 10, 18, 0)


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError):
        working_day_after(SHANGHAI, date(2026, 3, 2), -1)


# --- tenant overrides ----------------------------------------------------------------------

def test_an_extra_closure_day_pushes_the_deadline_by_a_day():
    received = beijing(2026, 3, 2, 15, 0)
    closed = BusinessCalendar(extra_closed={date(2026, 3, 4)})
    usual = add_working_days(SHANGHAI, received, 5)
    assert add_working_days(closed, received, 5) == usual + timedelta(days=1)


def test_an_extra_working_sunday_counts():
    sunday = date(2026, 3, 8)
    opened = BusinessCalendar(extra_working={sunday})
    assert opened.is_working_day(sunday)
    assert add_working_days(opened, beijing(2026, 3, 6, 10, 0), 1) == beijing(2026, 3, 8, 18, 0)


def test_an_extra_working_day_wins_over_a_public_holiday_and_a_closure():
    day = date(2026, 2, 17)
    cal = BusinessCalendar(extra_working={day}, extra_closed={day})
    assert cal.is_working_day(day)


def test_a_dealer_open_on_saturdays_still_closes_for_the_spring_festival():
    dealer = BusinessCalendar(weekdays=frozenset(range(6)))
    assert dealer.is_working_day(date(2026, 3, 7))
    assert not dealer.is_working_day(date(2026, 2, 21))
    assert not dealer.is_working_day(date(2026, 3, 8))


def test_a_plugged_in_holiday_source_closes_its_holidays():
    register_holiday_source("XX", lambda d: False if d == date(2026, 3, 3) else None)
    cal = BusinessCalendar(region="XX")
    assert not cal.is_working_day(date(2026, 3, 3))
    assert cal.is_working_day(date(2026, 3, 4))


def test_hong_kong_uses_the_working_week_when_the_holidays_package_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "holidays", None)  # importing it now fails
    hk = BusinessCalendar(timezone="Asia/Hong_Kong", region="HK")
    assert hk.is_working_day(date(2031, 2, 17))  # a weekday, and a year no test caches
    assert not hk.is_working_day(date(2031, 2, 16))  # a Sunday


def test_hong_kong_closes_christmas_when_the_holidays_package_is_installed():
    pytest.importorskip("holidays")
    hk = BusinessCalendar(timezone="Asia/Hong_Kong", region="HK")
    assert not hk.is_working_day(date(2026, 12, 25))
    assert not hk.is_working_day(date(2026, 2, 17))  # Lunar New Year, the third day


@pytest.mark.parametrize("settings_", [
    dict(work_start=time(18), work_end=time(9)),
    dict(lunch_start=time(12)),
    dict(lunch_start=time(8), lunch_end=time(9, 30)),
    dict(region="ZZ"),
    dict(weekdays={7}),
])
def test_a_calendar_that_cannot_describe_a_working_day_is_refused(settings_):
    with pytest.raises(ValueError):
        BusinessCalendar(**settings_)


# --- working hours -----------------------------------------------------------------------

def test_working_hours_skip_the_night_and_the_weekend():
    assert add_working_hours(SHANGHAI, beijing(2026, 3, 6, 16, 0), 3) == beijing(2026, 3, 9, 10, 0)


def test_counting_begins_at_the_next_working_moment_outside_hours():
    assert add_working_hours(SHANGHAI, beijing(2026, 3, 6, 20, 0), 1) == beijing(2026, 3, 9, 10, 0)
    assert next_working_moment(SHANGHAI, beijing(2026, 3, 6, 20, 0)) == beijing(2026, 3, 9, 9, 0)


def test_a_deadline_may_fall_exactly_at_close_of_business():
    assert add_working_hours(SHANGHAI, beijing(2026, 3, 6, 16, 0), 2) == beijing(2026, 3, 6, 18, 0)
    assert not is_working_time(SHANGHAI, beijing(2026, 3, 6, 18, 0))


def test_the_lunch_break_is_not_working_time():
    cal = BusinessCalendar(lunch_start=time(12), lunch_end=time(13, 30))
    assert not is_working_time(cal, beijing(2026, 3, 6, 12, 45))
    assert add_working_hours(cal, beijing(2026, 3, 6, 11, 0), 2) == beijing(2026, 3, 6, 14, 30)
    whole_day = working_seconds_between(cal, beijing(2026, 3, 6, 0), beijing(2026, 3, 7, 0))
    assert whole_day == 7.5 * HOUR


def test_a_month_of_working_time_is_measured_day_by_day():
    march = working_seconds_between(SHANGHAI, beijing(2026, 3, 1), beijing(2026, 4, 1))
    assert march == 22 * 9 * HOUR


def test_the_same_local_rule_gives_different_utc_moments_in_shanghai_and_berlin():
    received = utc(2026, 3, 2, 10, 0)
    assert add_working_days(SHANGHAI, received, 1) == utc(2026, 3, 3, 10, 0)
    assert add_working_days(BERLIN, received, 1) == utc(2026, 3, 3, 17, 0)


def test_daylight_saving_does_not_stretch_or_shrink_a_working_day():
    friday, monday = utc(2026, 3, 27, 8, 0), utc(2026, 3, 30, 16, 0)  # 09:00 CET, 18:00 CEST
    assert working_seconds_between(BERLIN, friday, monday) == 18 * HOUR
    # 01:00–23:00 on the wall clock: 21 hours when the clocks go forward, 23 when they go back
    march_29 = working_seconds_between(NIGHT_SHIFT, utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))
    october_25 = working_seconds_between(NIGHT_SHIFT, utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))
    assert (march_29, october_25) == (21 * HOUR, 23 * HOUR)


def test_aware_datetimes_are_refused_so_local_time_never_passes_for_utc():
    with pytest.raises(TypeError):
        add_working_hours(SHANGHAI, datetime(2026, 3, 2, tzinfo=timezone.utc), 1)


def test_plain_clock_hours_ignore_nights_and_holidays():
    assert calendar_hours(beijing(2026, 2, 14, 20, 0), 24) == beijing(2026, 2, 15, 20, 0)


# --- pauses --------------------------------------------------------------------------------

def test_a_paused_morning_moves_the_deadline_by_the_paused_working_time():
    start = beijing(2026, 3, 2, 9, 0)
    pauses = [(beijing(2026, 3, 2, 10, 0), beijing(2026, 3, 2, 12, 0))]
    assert due_with_pauses(SHANGHAI, start, 4 * HOUR, pauses) == beijing(2026, 3, 2, 15, 0)


def test_a_deadline_with_an_open_pause_is_not_due():
    start = beijing(2026, 3, 2, 9, 0)
    assert due_with_pauses(SHANGHAI, start, 4 * HOUR, [(beijing(2026, 3, 2, 10, 0), None)]) is None


def test_a_pause_opened_after_the_deadline_does_not_hide_that_it_was_due():
    start = beijing(2026, 3, 2, 9, 0)
    late = [(beijing(2026, 3, 3, 9, 0), None)]
    assert due_with_pauses(SHANGHAI, start, 4 * HOUR, late) == beijing(2026, 3, 2, 13, 0)


def test_overlapping_pauses_are_not_subtracted_twice():
    start, end = beijing(2026, 3, 2, 9, 0), beijing(2026, 3, 2, 18, 0)
    pauses = [(beijing(2026, 3, 2, 10, 0), beijing(2026, 3, 2, 12, 0)),
              (beijing(2026, 3, 2, 11, 0), beijing(2026, 3, 2, 13, 0))]
    assert working_seconds_between_excluding(SHANGHAI, start, end, pauses) == 6 * HOUR
    assert working_seconds_between_excluding(SHANGHAI, start, end, [(pauses[0][0], None)]) == HOUR


# --- properties ----------------------------------------------------------------------------

CALENDARS = st.sampled_from([
    SHANGHAI,
    BusinessCalendar(lunch_start=time(12), lunch_end=time(13, 30)),
    BusinessCalendar(weekdays=frozenset(range(6)), extra_closed={date(2026, 3, 4)},
                     extra_working={date(2026, 2, 22)}),
    BusinessCalendar(timezone="Europe/Berlin", region=None,
                     work_start=time(8), work_end=time(16, 30)),
    NIGHT_SHIFT,
])
MOMENTS = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 12, 31))
SECONDS = st.integers(min_value=0, max_value=120 * HOUR)
FEW = settings(max_examples=60, deadline=None)


def at_working_time_or_closing(cal, t):
    """True when `t` is working time or the closing moment of a working period."""
    return is_working_time(cal, t) or is_working_time(cal, t - US)


@FEW
@given(CALENDARS, MOMENTS, SECONDS)
def test_adding_working_hours_then_measuring_returns_them(cal, start, seconds):
    due = add_working_hours(cal, start, seconds / HOUR)
    assert abs(working_seconds_between(cal, start, due) - seconds) < 1


@FEW
@given(CALENDARS, MOMENTS, SECONDS)
def test_a_deadline_in_working_hours_falls_inside_working_time(cal, start, seconds):
    assert at_working_time_or_closing(cal, add_working_seconds(cal, start, seconds))


@FEW
@given(CALENDARS, MOMENTS, st.integers(min_value=0, max_value=20))
def test_a_deadline_in_working_days_falls_at_close_of_a_later_working_day(cal, start, days):
    due = add_working_days(cal, start, days)
    assert is_working_time(cal, due - US) and not is_working_time(cal, due)
    assert due > start


@FEW
@given(CALENDARS, MOMENTS)
def test_the_next_working_moment_is_working_time_with_none_before_it(cal, t):
    moment = next_working_moment(cal, t)
    assert is_working_time(cal, moment)
    assert working_seconds_between(cal, t, moment) == 0


@FEW
@given(CALENDARS, st.lists(MOMENTS, min_size=3, max_size=3).map(sorted))
def test_working_time_adds_up_over_a_split_point_and_only_grows(cal, moments):
    a, b, c = moments
    whole = working_seconds_between(cal, a, c)
    first, second = working_seconds_between(cal, a, b), working_seconds_between(cal, b, c)
    assert abs(whole - first - second) < 1e-6
    assert first <= whole
    assert working_seconds_between(cal, c, a) == 0


@st.composite
def disjoint_pauses(draw, start):
    """Closed pauses after `start`, in order and not overlapping."""
    pauses, cursor = [], start
    for _ in range(draw(st.integers(0, 3))):
        begin = cursor + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
        cursor = begin + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
        pauses.append((begin, cursor))
    return pauses


@FEW
@given(CALENDARS, MOMENTS, SECONDS.filter(bool), st.data())
def test_pauses_extend_the_deadline_by_exactly_the_paused_working_time(cal, start, seconds, data):
    pauses = data.draw(disjoint_pauses(start))
    plain = add_working_seconds(cal, start, seconds)
    due = due_with_pauses(cal, start, seconds, pauses)
    paused = sum(working_seconds_between(cal, s, min(e, due)) for s, e in pauses)
    assert abs(working_seconds_between(cal, plain, due) - paused) < 1e-3
    assert abs(working_seconds_between_excluding(cal, start, due, pauses) - seconds) < 1e-3
    just_before = due - timedelta(milliseconds=1)
    assert working_seconds_between_excluding(cal, start, just_before, pauses) < seconds


@FEW
@given(CALENDARS, MOMENTS, SECONDS.filter(bool), st.data())
def test_an_open_pause_holds_the_deadline_unless_it_ran_out_first(cal, start, seconds, data):
    plain = add_working_seconds(cal, start, seconds)
    opened = start + timedelta(minutes=data.draw(st.integers(0, 10 * 24 * 60)))
    due = due_with_pauses(cal, start, seconds, [(opened, None)])
    assert due == (plain if plain <= opened else None)
