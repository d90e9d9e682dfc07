import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.calendar import add_working_days, is_working_day, working_days_between

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


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


def test_beyond_the_known_years_weekends_are_the_fallback():
    assert is_working_day(dt.date(2031, 1, 6))  # a Monday
    assert not is_working_day(dt.date(2031, 1, 4))  # a Saturday
    assert add_working_days(at(2031, 1, 3), 1) == at(2031, 1, 6)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(at(2026, 1, 5), -1)


@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31)),
       st.integers(min_value=0, max_value=30))
def test_adding_n_working_days_spans_exactly_n_working_days(day, n):
    start = dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)
    end = add_working_days(start, n)
    assert working_days_between(start.date(), end.date()) == n
    assert end.time() == start.time()
    assert n == 0 or is_working_day(end.date())
