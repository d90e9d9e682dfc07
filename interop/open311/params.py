"""Reading the query parameters of the GET calls. A bad value is a 400 naming the parameter."""

import datetime as dt
import re
from dataclasses import dataclass

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .errors import bad_request

WINDOW = dt.timedelta(days=90)  # the specification's default and largest date range
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_IDS = 200
YEARS = (1900, 2999)
STATUSES = ("open", "closed")
CODE = re.compile(r"^[-a-zA-Z0-9_]{1,30}$")
REFERENCE = re.compile(r"^[A-Za-z0-9-]{1,20}$")


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _one(query: QueryDict, name: str) -> str:
    return (query.get(name) or "").strip()


def comma_list(query: QueryDict, name: str, pattern: re.Pattern, limit: int = MAX_IDS
               ) -> list[str]:
    """A comma-separated parameter (it may also be repeated), each item checked."""
    items = [item.strip() for raw in query.getlist(name) for item in raw.split(",")]
    items = [item for item in items if item]
    if len(items) > limit:
        raise bad_request(f"{name}: at most {limit} values.")
    for item in items:
        if not pattern.match(item):
            raise bad_request(f"{name}: {item[:40]!r} is not a valid value.")
    return list(dict.fromkeys(items))


def moment(query: QueryDict, name: str) -> dt.datetime | None:
    """A W3C datetime (2010-01-01T00:00:00Z; without an offset, local time) or a date (its
    midnight, local time)."""
    raw = _one(query, name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            value = dt.datetime.combine(day, dt.time()) if day is not None else None
    except ValueError:
        value = None
    if value is None:
        raise bad_request(f"{name}: write a W3C datetime such as 2026-01-01T00:00:00Z.")
    if not YEARS[0] <= value.year <= YEARS[1]:  # the window's 90 days and UTC stay in range
        raise bad_request(f"{name}: a date from the years {YEARS[0]} to {YEARS[1]}.")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def window(query: QueryDict) -> Window:
    """start_date and end_date: the last 90 days when neither is given; 90 days from the one
    given; a range of more than 90 days, or ending before it starts, is refused."""
    start, end = moment(query, "start_date"), moment(query, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None  # noqa: S101 - one of them is set above
        return Window(end - WINDOW, end)
    if end is None:
        return Window(start, start + WINDOW)
    if end < start:
        raise bad_request("end_date: it must not come before start_date.")
    if end - start > WINDOW:
        raise bad_request("end_date: the range from start_date may not exceed 90 days.")
    return Window(start, end)


def statuses(query: QueryDict) -> list[str]:
    values = comma_list(query, "status", re.compile(r"^[a-z]{1,10}$"), limit=10)
    wrong = [value for value in values if value not in STATUSES]
    if wrong:
        raise bad_request(f"status: {wrong[0]!r} is not open or closed.")
    return values


def _positive(query: QueryDict, name: str, default: int, most: int | None = None) -> int:
    raw = _one(query, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        raise bad_request(f"{name}: write a whole number from 1.")
    if most is not None and int(raw) > most:
        raise bad_request(f"{name}: at most {most}.")
    return int(raw)


def page(query: QueryDict) -> Page:
    return Page(_positive(query, "page", 1),
                _positive(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def flag(query: QueryDict, name: str) -> bool:
    raw = _one(query, name).lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise bad_request(f"{name}: write true or false.")
