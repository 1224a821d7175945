"""Years the holiday sources do not know: the domain answer, and the calendar settings page's warning."""
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from portal.sla import calendar
from portal.sla.calendar import BusinessCalendar, covers, known_years, register_holiday_source
from portal.sla.coverage import Gap, gaps, years_ahead
from tests.conftest import translated

PAGE = "/t/dealer-sh01/settings/calendar"
WARNING = ("Kesu's calendar does not know the public holidays of %(year)s yet: deadlines in %(year)s are counted "
           "with only your working week and your own closure and working days, so a deadline may fall on a public "
           "holiday. Until Kesu's calendar is updated, enter the public holidays of %(year)s below as extra closure "
           "days and its adjusted working days (调休) as extra working days.")
INFO = ("Kesu's calendar does not know the public holidays of %(year)s yet. Deadlines in %(year)s follow your working "
        "week and the days you entered (closure days: %(closed)s, extra working days: %(working)s): check that they "
        "include every public holiday and adjusted working day (调休) of %(year)s.")


@pytest.fixture
def source(monkeypatch):
    """Plug in a holiday source knowing `years` for `region` for one test (the real one comes back after)."""
    def _plug(region, years, decide=lambda d: None):
        monkeypatch.setitem(calendar._SOURCES, region, calendar._SOURCES.get(region))
        monkeypatch.setitem(calendar._YEARS, region, calendar._YEARS.get(region))
        register_holiday_source(region, decide, years)
    return _plug


# --- which years a source knows ----------------------------------------------------------------

def test_mainland_years_are_the_years_chinese_calendar_has_schedules_for():
    years = known_years("CN")
    assert years[0] == 2004 and years[-1] == max(chinese_calendar.holidays).year
    chinese_calendar.get_holiday_detail(date(years[-1], 6, 1))  # a known year answers
    with pytest.raises(NotImplementedError):
        chinese_calendar.get_holiday_detail(date(years[-1] + 1, 6, 1))
    assert not covers("CN", years[-1] + 1)


def test_in_a_year_the_source_does_not_know_only_the_working_week_decides():
    first_unknown = known_years("CN")[-1] + 1
    new_year = date(first_unknown, 1, 1)
    assert BusinessCalendar().is_working_day(new_year) == (new_year.weekday() < 5)  # 元旦 is not known


def test_hong_kong_knows_no_year_without_the_holidays_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "holidays", None)
    assert len(known_years("HK")) == 0
    assert not covers("HK", 2026)


def test_hong_kong_knows_the_years_of_the_holidays_package():
    pytest.importorskip("holidays")
    assert covers("HK", 2026) and covers("HK", 2027)


def test_a_calendar_without_region_has_nothing_to_miss():
    assert covers(None, 2027) and covers(None, 2300)


def test_a_plugged_in_source_knows_the_years_it_declares_and_none_otherwise(source):
    source("XA", range(2020, 2031))
    source("XB", range(0))
    register_holiday_source("XC", lambda d: None)  # a new region: nothing to restore
    assert covers("XA", 2030) and not covers("XA", 2031)
    assert not covers("XB", 2026) and not covers("XC", 2026)


def test_an_unknown_region_has_no_years():
    with pytest.raises(ValueError):
        known_years("ZZ")


# --- which years ahead are a gap ------------------------------------------------------------------

@pytest.mark.parametrize("today, years", [
    (date(2026, 3, 1), [2026]),
    (date(2026, 9, 30), [2026]),
    (date(2026, 10, 1), [2026, 2027]),
    (date(2026, 12, 31), [2026, 2027]),
    (date(2027, 1, 1), [2027]),
])
def test_the_next_year_is_looked_at_from_october(today, years):
    assert years_ahead(today) == years


def test_late_in_the_year_the_unknown_next_year_is_a_gap(source):
    source("XA", range(2004, 2027))
    cal = BusinessCalendar(region="XA")
    assert gaps(cal, datetime(2026, 11, 25, 3)) == [Gap(2027)]
    assert gaps(cal, datetime(2026, 3, 1)) == []
    assert gaps(cal, datetime(2027, 1, 10)) == [Gap(2027)]


def test_the_year_turns_in_the_tenants_time_zone(source):
    source("XA", range(2004, 2027))
    moment = datetime(2026, 9, 30, 17)  # 1 October 01:00 in Shanghai, still 30 September in Berlin
    assert gaps(BusinessCalendar(region="XA"), moment) == [Gap(2027)]
    assert gaps(BusinessCalendar(region="XA", timezone="Europe/Berlin"), moment) == []


def test_a_gap_counts_the_days_the_tenant_entered_for_that_year(source):
    source("XA", range(2004, 2027))
    cal = BusinessCalendar(region="XA", extra_closed={date(2026, 12, 31), date(2027, 1, 1), date(2027, 2, 16)},
                           extra_working={date(2027, 2, 14)})
    [gap] = gaps(cal, datetime(2026, 12, 1))
    assert (gap.year, gap.closed, gap.working, gap.entered) == (2027, 2, 1, True)
    assert not gaps(BusinessCalendar(region="XA"), datetime(2026, 12, 1))[0].entered


# --- the calendar settings page ------------------------------------------------------------------

def _years_ahead_in_shanghai():
    return years_ahead(datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date())


def _calendar_form(closed=""):
    return {"version": "0", "region": "CN", "work_start": "09:00", "work_end": "18:00", "lunch_start": "",
            "lunch_end": "", "weekdays": ["0", "1", "2", "3", "4"], "extra_closed": closed, "extra_working": ""}


def test_the_admin_is_warned_about_a_year_the_mainland_source_does_not_know(app, client, login, source):
    source("CN", range(0))
    login("admin@dealer-sh01.demo")
    html = client.get(PAGE).get_data(as_text=True)
    for year in _years_ahead_in_shanghai():
        assert translated(app, WARNING, year=year) in html
        assert f'role="alert" data-holiday-gap="{year}"' in html


def test_no_warning_while_the_source_knows_this_year_and_the_next(app, client, login, source):
    source("CN", range(2000, 2200))
    login("admin@dealer-sh01.demo")
    html = client.get(PAGE).get_data(as_text=True)
    assert "data-holiday-gap" not in html
    assert translated(app, "Kesu's calendar knows this region's public holidays for %(first)s–%(last)s.",
                      first=2000, last=2199) in html


def test_once_closures_are_entered_for_the_year_the_warning_becomes_a_reminder(app, client, login, source):
    source("CN", range(0))
    years = _years_ahead_in_shanghai()
    login("admin@dealer-sh01.demo")
    closed = "\n".join(f"{y}-01-01\n{y}-02-16" for y in years)
    assert client.post(PAGE, data=_calendar_form(closed)).status_code == 303
    html = client.get(PAGE).get_data(as_text=True)
    for year in years:
        assert translated(app, INFO, year=year, closed=2, working=0) in html
        assert f'role="status" data-holiday-gap="{year}"' in html
    assert translated(app, WARNING, year=years[0]) not in html


def test_the_warning_reads_in_traditional_chinese(app, client, login, source):
    source("CN", range(0))
    login("admin@dealer-sh01.demo")
    client.post("/lang", data={"lang": "zh_Hant", "next": PAGE})
    html = client.get(PAGE).get_data(as_text=True)
    year = _years_ahead_in_shanghai()[0]
    assert translated(app, WARNING, "zh_Hant", year=year) in html
    assert translated(app, WARNING, "zh_Hant", year=year) != translated(app, WARNING, "zh_Hans", year=year)


def test_a_tenant_without_public_holidays_is_not_warned(app, client, login, source):
    source("CN", range(0))
    login("admin@dealer-sh01.demo")
    form = dict(_calendar_form(), region="")
    assert client.post(PAGE, data=form).status_code == 303
    assert "data-holiday-gap" not in client.get(PAGE).get_data(as_text=True)



def test_the_calendar_check_names_the_tenants_unprepared_for_an_unknown_year(app, runner, source):
    source("CN", range(0))
    result = runner.invoke(args=["calendar-check"])
    year = _years_ahead_in_shanghai()[0]
    assert result.exit_code == 1
    assert f"dealer-sh01 (CN): {year} unknown to the holiday source; 0 closure and 0 working days" in result.output
    source("CN", range(2000, 2200))
    result = runner.invoke(args=["calendar-check"])
    assert result.exit_code == 0 and "dealer-sh01" not in result.output
    assert "CN 2000-2199" in result.output
