import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickets import calendar
from tickets.calendar import (
    add_working_days,
    add_working_hours,
    is_working_day,
    statutory_holidays,
    working_days_between,
    working_time_between,
)
from tickets.models import CalendarDay, DayKind, HolidayArrangement

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
WITH_DB = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def enter_2027(*, holidays, workdays=()):
    arrangement = HolidayArrangement.objects.create(
        year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知",
        url="https://www.gov.cn/")
    for day in holidays:
        CalendarDay.objects.create(arrangement=arrangement, date=day, kind=DayKind.HOLIDAY,
                                   name="元旦")
    for day in workdays:
        CalendarDay.objects.create(arrangement=arrangement, date=day, kind=DayKind.WORKDAY,
                                   name="元旦")
    return arrangement


def test_the_calendar_is_seeded_from_the_years_the_package_knows():
    known = {day.year for day in chinese_calendar.constants.holidays}
    assert set(HolidayArrangement.objects.values_list("year", flat=True)) == known
    national_day = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
    assert (national_day.kind, national_day.name) == (DayKind.HOLIDAY, "国庆节")
    make_up = CalendarDay.objects.get(date=dt.date(2026, 10, 10))
    assert make_up.kind == DayKind.WORKDAY


def test_national_day_holiday_is_not_counted():
    # Tuesday 29 September 2026 plus 3 working days: 30 Sep, then the holiday 1-7 Oct, then
    # Thursday 8 and Friday 9 October.
    assert add_working_days(at(2026, 9, 29), 3) == at(2026, 10, 9)


def test_a_make_up_saturday_counts_as_a_working_day():
    # Saturday 10 October 2026 is a make-up workday (调休); Sunday 11 October is not.
    assert is_working_day(dt.date(2026, 10, 10))
    assert not is_working_day(dt.date(2026, 10, 11))
    assert add_working_days(at(2026, 10, 9), 1) == at(2026, 10, 10)
    assert add_working_days(at(2026, 10, 9), 2) == at(2026, 10, 12)


def test_a_make_up_sunday_before_the_holiday_counts():
    assert is_working_day(dt.date(2026, 9, 20))


def test_a_request_made_on_a_holiday_starts_counting_after_it():
    assert add_working_days(at(2026, 10, 3), 1) == at(2026, 10, 8)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(at(2026, 1, 5), -1)


# --- Years without an arrangement ------------------------------------------------------------


def test_new_years_day_2027_is_a_holiday_without_an_arrangement():
    # Friday 1 January 2027 is off by law: 29, 30, 31 December, then 4 to 7 January.
    assert not is_working_day(dt.date(2027, 1, 1))
    assert add_working_days(at(2026, 12, 28), 7) == at(2027, 1, 7)


def test_the_fallback_keeps_the_lunar_holidays_and_weekends():
    # The Spring Festival of 2027 (初一 on Saturday 6 February): 除夕 on Friday 5 February and
    # 初三 on Monday 8 February are off, Tuesday 9 February is worked; no make-up days.
    assert not is_working_day(dt.date(2027, 2, 5))
    assert not is_working_day(dt.date(2027, 2, 8))
    assert is_working_day(dt.date(2027, 2, 9))
    assert not is_working_day(dt.date(2027, 2, 13))  # a Saturday stays a weekend day
    assert is_working_day(dt.date(2031, 1, 6))  # a Monday
    assert not is_working_day(dt.date(2031, 1, 4))  # a Saturday


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_holiday_is_a_holiday_in_the_official_years(year):
    days = statutory_holidays(year)
    assert len(days) == 13  # 13 days off by law since 2025, on distinct dates
    for day, name in days.items():
        assert day.year == year
        assert chinese_calendar.is_holiday(day), (day, name)
        assert not chinese_calendar.is_in_lieu(day), (day, name)  # off by law, not swapped


def test_statutory_names_match_the_official_calendar():
    named = {"元旦": "New Year's Day", "春节": "Spring Festival", "清明": "Tomb-sweeping Day",
             "劳动节": "Labour Day", "端午": "Dragon Boat Festival", "中秋": "Mid-autumn Festival",
             "国庆节": "National Day"}
    for year in (2025, 2026):
        for day, name in statutory_holidays(year).items():
            official = chinese_calendar.get_holiday_detail(day)[1]
            # 2025's Mid-autumn falls inside the National Day week and is named for it.
            assert official == named[name] or (name, official) == ("中秋", "National Day"), (
                day, name, official)


# --- The administrators' data ----------------------------------------------------------------


def test_entering_2027s_arrangement_changes_deadlines_at_once():
    start = at(2026, 12, 28)
    assert add_working_days(start, 7) == at(2027, 1, 7)  # read, and kept
    # The notice: New Year's Day off, Saturday 2 January worked.
    arrangement = enter_2027(holidays=[dt.date(2027, 1, 1)], workdays=[dt.date(2027, 1, 2)])
    assert is_working_day(dt.date(2027, 1, 2))
    assert add_working_days(start, 7) == at(2027, 1, 6)
    # Once the year is official, only its listed days are holidays: the statutory Spring
    # Festival days are not assumed any more.
    assert is_working_day(dt.date(2027, 2, 5))
    arrangement.delete()
    assert add_working_days(start, 7) == at(2027, 1, 7)


def test_an_edited_day_is_read_again():
    day = CalendarDay.objects.get(date=dt.date(2026, 10, 10))
    assert is_working_day(day.date)
    day.kind = DayKind.HOLIDAY
    day.save()
    assert not is_working_day(day.date)
    day.delete()
    assert not is_working_day(day.date)  # a plain Saturday


def test_other_processes_see_a_change_once_its_version_moves(monkeypatch):
    assert is_working_day(dt.date(2026, 10, 10))
    # A change this process did not make (no signal here): still the kept year...
    CalendarDay.objects.filter(date=dt.date(2026, 10, 10)).update(kind=DayKind.HOLIDAY)
    assert is_working_day(dt.date(2026, 10, 10))
    # ...until the version moved by the other process is looked at.
    calendar._bump_version()
    monkeypatch.setattr(calendar, "CHECK_SECONDS", 0)
    assert not is_working_day(dt.date(2026, 10, 10))


def test_the_version_moves_when_a_change_is_committed(django_capture_on_commit_callbacks):
    before = cache.get(calendar.VERSION_KEY, 0)
    with django_capture_on_commit_callbacks(execute=True):
        enter_2027(holidays=[dt.date(2027, 1, 1)])
    assert cache.get(calendar.VERSION_KEY) != before


def test_a_year_is_read_once(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        for offset in range(365):
            is_working_day(dt.date(2026, 1, 1) + dt.timedelta(days=offset))
        add_working_days(at(2026, 1, 5), 200)


def test_missing_arrangements_from_november():
    assert calendar.missing_arrangements(dt.date(2026, 10, 31)) == []
    assert calendar.missing_arrangements(dt.date(2026, 11, 1)) == [2027]
    assert calendar.missing_arrangements(dt.date(2027, 3, 1)) == [2027]
    enter_2027(holidays=[dt.date(2027, 1, 1)])
    assert calendar.missing_arrangements(dt.date(2026, 11, 1)) == []


# --- Working hours ---------------------------------------------------------------------------


def test_working_hours_stop_over_a_weekend():
    # Friday 6 November 2026, 17:00: 7 hours on Friday, then Monday from midnight.
    assert add_working_hours(at(2026, 11, 6, 17), 24) == at(2026, 11, 9, 17)
    assert add_working_hours(at(2026, 11, 6, 17), 7) == at(2026, 11, 7, 0)
    assert add_working_hours(at(2026, 11, 6, 17), 0) == at(2026, 11, 6, 17)


def test_working_hours_wait_for_the_end_of_a_holiday():
    # 3 October 2026 is in the National Day week; 8 October is the first working day.
    assert add_working_hours(at(2026, 10, 3), 24) == at(2026, 10, 9, 0)
    # Saturday 10 October is worked.
    assert add_working_hours(at(2026, 10, 9, 12), 24) == at(2026, 10, 10, 12)


def test_negative_hours_are_refused():
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 1, 5), -1)


@WITH_DB
@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31)),
       st.integers(min_value=0, max_value=30))
def test_adding_n_working_days_spans_exactly_n_working_days(day, n):
    start = dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)
    end = add_working_days(start, n)
    assert working_days_between(start.date(), end.date()) == n
    assert end.time() == start.time()
    assert n == 0 or is_working_day(end.date())


@WITH_DB
@given(st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31),
                    timezones=st.just(SHANGHAI)),
       st.integers(min_value=0, max_value=24 * 20))
def test_adding_working_hours_spans_exactly_that_much_working_time(start, hours):
    end = add_working_hours(start, hours)
    assert working_time_between(start, end) == dt.timedelta(hours=hours)
    assert end >= start + dt.timedelta(hours=hours)
    if hours:
        # The clock stops on a working day (or at the midnight that ends one).
        assert is_working_day((end - dt.timedelta(microseconds=1)).date())


@WITH_DB
@given(st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31),
                    timezones=st.just(SHANGHAI)),
       st.integers(min_value=0, max_value=24 * 10), st.integers(min_value=0, max_value=24 * 10))
def test_working_hours_add_up(start, first, second):
    assert (add_working_hours(add_working_hours(start, first), second)
            == add_working_hours(start, first + second))


def test_administrators_find_a_years_make_up_days_in_the_admin(community, login):
    client = login(community.admin)
    page = client.get(reverse("admin:tickets_calendarday_changelist"),
                      {"year": "2026", "kind": "workday"}).content.decode()
    assert "2026-10-10" in page or "2026年10月10日" in page
    assert "2025-" not in page and "2025年" not in page.split("<tbody>")[-1]
    add = client.get(reverse("admin:tickets_holidayarrangement_add")).content.decode()
    assert 'name="days-0-date"' in add and 'name="url"' in add
