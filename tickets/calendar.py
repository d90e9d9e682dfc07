"""Working days on the Chinese calendar: public holidays and make-up workdays (调休) come from the
maintained `chinesecalendar` package; beyond the years it knows, weekends are the fallback."""

import datetime as dt
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants

# The years the package has official holiday and make-up workday data for.
KNOWN_YEARS = range(min(constants.holidays).year, max(constants.holidays).year + 1)


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    if day.year not in KNOWN_YEARS:
        return day.weekday() < 5
    return chinese_calendar.is_workday(day)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` working days after `start`, at the same time of day.

    The day of `start` itself does not count; a request made on a holiday therefore has its
    first counted day on the next working day.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    moment = start
    remaining = days
    while remaining:
        moment += dt.timedelta(days=1)
        if is_working_day(moment.date()):
            remaining -= 1
    return moment


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count
