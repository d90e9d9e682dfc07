"""Working days on the Chinese calendar: public holidays and make-up working days (调休).

The calendar is data that administrators keep in the admin: a `HolidayArrangement` per year (the
State Council's notice) and its `CalendarDay` rows (seeded from the `chinesecalendar` package for
2004-2026). In a year whose arrangement has been entered, the days listed are holidays or make-up
working days and the other days follow the week. A year without an arrangement falls back to the
statutory public holidays (全国年节及纪念日放假办法, 2025 revision), computed from the solar and
lunar calendars by `lunar_python`, and weekends, without make-up days; days listed anyway (a New
Year's holiday announced with the previous year's notice) still count as listed.

Each year is read from the database once per process and kept. Saving or deleting a row clears
this process's copy at once and, after the commit, moves a version number in Django's cache,
which the other processes (web workers, Celery workers) look at every `CHECK_SECONDS`.
"""

import datetime as dt
import time
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from lunar_python import Lunar

CHECK_SECONDS = 30
VERSION_KEY = "tickets:calendar:version"
# From this day of the year on, next year's arrangement is expected (the notice comes out in
# October or November).
NEXT_YEAR_EXPECTED_FROM = (11, 1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Year:
    official: bool  # the year's arrangement has been entered
    holidays: frozenset[dt.date]  # weekdays off
    workdays: frozenset[dt.date]  # weekend days worked


_years: dict[int, Year] = {}
_version: dict[str, float | int | None] = {"seen": None, "checked_at": 0.0}


# --- The statutory fallback ------------------------------------------------------------------


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    # The solar terms around the lunar year `year`, which starts in January or February.
    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The public holidays the law gives everyone in `year` (13 days since 2025), by name."""
    new_year = _lunar_to_solar(year, 1, 1)
    days = {dt.date(year, 1, 1): "元旦"}
    days.update({new_year + offset * DAY: "春节" for offset in (-1, 0, 1, 2)})  # 除夕 to 初三
    days[_qingming(year)] = "清明"
    days.update({dt.date(year, 5, day): "劳动节" for day in (1, 2)})
    days[_lunar_to_solar(year, 5, 5)] = "端午"
    days[_lunar_to_solar(year, 8, 15)] = "中秋"
    days.update({dt.date(year, 10, day): "国庆节" for day in (1, 2, 3)})
    return days


# --- The data, cached per year ---------------------------------------------------------------


def _load(year: int) -> Year:
    from .models import CalendarDay, DayKind, HolidayArrangement

    official = HolidayArrangement.objects.filter(year=year).exists()
    listed = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    holidays = {day for day, kind in listed.items() if kind == DayKind.HOLIDAY}
    workdays = {day for day, kind in listed.items() if kind == DayKind.WORKDAY}
    if not official:
        holidays |= {day for day in statutory_holidays(year) if day not in listed}
    return Year(official=official, holidays=frozenset(holidays), workdays=frozenset(workdays))


def _check_version() -> None:
    now = time.monotonic()
    if _version["seen"] is not None and now - float(_version["checked_at"] or 0) < CHECK_SECONDS:
        return
    version = cache.get(VERSION_KEY, 0)
    if version != _version["seen"]:
        _years.clear()
    _version.update(seen=version, checked_at=now)


def year_data(year: int) -> Year:
    _check_version()
    found = _years.get(year)
    if found is None:
        found = _years[year] = _load(year)
    return found


def clear_cache() -> None:
    """Forget every year read (this process only)."""
    _years.clear()
    _version.update(seen=None, checked_at=0.0)


def _bump_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there yet (or evicted)
        cache.set(VERSION_KEY, int(time.time()), None)
    _years.clear()


def calendar_changed(**kwargs) -> None:
    """A calendar row was saved or deleted (connected to the models' signals in the app's
    ready()): forget at once here, and tell the other processes once it is committed."""
    _years.clear()
    transaction.on_commit(_bump_version)


def is_official(year: int) -> bool:
    return year_data(year).official


def missing_arrangements(today: dt.date) -> list[int]:
    """The years whose arrangement is due but not entered: this one, and from 1 November on the
    next one."""
    years = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_EXPECTED_FROM:
        years.append(today.year + 1)
    from .models import HolidayArrangement

    # One query, read afresh (not from the years kept): the warning goes as soon as the
    # arrangement is entered, in every process.
    entered = set(HolidayArrangement.objects.filter(year__in=years)
                  .values_list("year", flat=True))
    return [year for year in years if year not in entered]


# --- Counting --------------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    data = year_data(day.year)
    if day in data.workdays:
        return True
    if day in data.holidays:
        return False
    return day.weekday() < 5


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
        moment += DAY
        if is_working_day(moment.date()):
            remaining -= 1
    return moment


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    count = 0
    day = start
    while day < end:
        day += DAY
        count += is_working_day(day)
    return count


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _next_midnight(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.date() + DAY, dt.time(0), tzinfo=moment.tzinfo)


def add_working_time(start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The moment when `duration` of working days' time has passed since `start`: the clock
    stops at midnight before a holiday or weekend day and runs again at the midnight it ends."""
    if duration < dt.timedelta(0):
        raise ValueError("the duration must not be negative")
    if not duration:
        return start
    moment, remaining = _local(start), duration
    while True:
        midnight = _next_midnight(moment)
        if is_working_day(moment.date()):
            if remaining <= midnight - moment:
                return moment + remaining
            remaining -= midnight - moment
        moment = midnight


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """`add_working_time` in hours: 24 working hours from a Friday 17:00 before a weekend end
    on Monday at 17:00."""
    return add_working_time(start, dt.timedelta(hours=hours))


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """How much of the time from `start` to `end` falls on working days."""
    total = dt.timedelta(0)
    moment, end = _local(start), _local(end)
    while moment < end:
        midnight = min(_next_midnight(moment), end)
        if is_working_day(moment.date()):
            total += midnight - moment
        moment = midnight
    return total
