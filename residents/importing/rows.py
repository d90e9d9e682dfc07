"""Checking one row's cells."""

import datetime as dt
from dataclasses import dataclass
from operator import mul
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from grids.phones import clean_phone

from .. import crypto, idnumbers
from ..models import (
    DwellingUse,
    ResidenceType,
)
from .common import (  # noqa: F401
    _DATE,
    _ID18,
    _ZERO_WEIGHT,
    BUILDING,
    ENTRANCE,
    ESTATE,
    FLOOR,
    FLOORS,
    GRID_CODE,
    HOUSEHOLD,
    ID_NUMBER,
    MOVED_IN_ON,
    NAME,
    NUMBER,
    PARTY_MEMBER,
    PHONE,
    REGISTRATION_PLACE,
    RELATION,
    RELATION_LABELS,
    RESIDENCE_TYPE,
    RESIDENCE_TYPE_LABELS,
    USE,
    USE_LABELS,
    YES_NO_LABELS,
)
from .reading import _text

# --- Checking one row -----------------------------------------------------------------------


class _Cells:
    """One row's cells by column header, as text, collecting an error for each bad cell."""

    __slots__ = ("raw", "texts", "errors")

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.texts = {column: value.strip() if value.__class__ is str else _text(value)
                      for column, value in raw.items()}
        self.errors: list[tuple[str, str]] = []

    def fail(self, column: str, message: Any) -> None:
        self.errors.append((column, str(message)))

    def text(self, column: str, max_length: int, required: bool = False) -> str:
        value = self.texts.get(column, "")
        if required and not value:
            self.fail(column, _("This cell is required."))
        elif len(value) > max_length:
            self.fail(column, _("At most %(n)d characters.") % {"n": max_length})
        return value

    def choice(self, column: str, labels: dict, default: Any) -> Any:
        value = self.texts.get(column, "")
        if not value:
            return default
        if value not in labels:
            self.fail(column, _("Use one of: %(choices)s.") % {"choices": "、".join(labels)})
            return default
        return labels[value]

    def integer(self, column: str, low: int, high: int, default: int | None) -> int | None:
        value = self.texts.get(column, "")
        if not value and default is not None:
            return default
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            self.fail(column, _("Enter a whole number from %(low)d to %(high)d.")
                      % {"low": low, "high": high})
            return None
        return number

    def date(self, column: str, today: dt.date) -> dt.date | None:
        value = self.raw.get(column)
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            if not self.texts.get(column):
                return None
            value = _parse_date(self.texts[column])
            if value is None:
                self.fail(column, _("Enter a date such as 2024-03-01."))
                return None
        if value > today:
            self.fail(column, _("This date is in the future."))
        return value


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    parts = [int(part) for part in match.groups() if part is not None]
    try:
        return dt.date(*parts)
    except ValueError:
        return None


def _fast_id(value: str, today: dt.date) -> idnumbers.IdNumber | None:
    """The common case, a well-formed 18-character number, checked without idnumbers.parse's
    overhead. Accepts only what parse accepts; anything else goes to parse for its message."""
    if len(value) != 18 or not _ID18.fullmatch(value):
        return None
    total = sum(map(mul, value[:17].encode(), idnumbers.WEIGHTS)) - _ZERO_WEIGHT
    if idnumbers.CHECK_CHARS[total % 11] != value[17]:
        return None
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if born > today or born.year < 1880:
        return None
    return idnumbers.IdNumber(value)


def _id_number(cells: _Cells, today: dt.date) -> idnumbers.IdNumber | None:
    if isinstance(cells.raw.get(ID_NUMBER), float):
        cells.fail(ID_NUMBER, _("Enter the ID number as text: the spreadsheet stored it as a "
                                "number and lost digits."))
        return None
    value = cells.text(ID_NUMBER, 24, required=True)
    if not value:
        return None
    number = _fast_id(value, today)
    if number is not None:
        return number
    try:
        return idnumbers.parse(value, today=today)
    except ValidationError as error:
        cells.fail(ID_NUMBER, error.messages[0])
        return None


def _phone(cells: _Cells) -> str:
    """The number by the one rule of every import (grids.phones), normalised."""
    value = cells.text(PHONE, 30)
    try:
        return clean_phone(value)
    except ValidationError as error:
        cells.fail(PHONE, error.messages[0])
        return value


def _relation(cells: _Cells) -> str | None:
    relation = cells.choice(RELATION, RELATION_LABELS, None)
    if relation is None and not cells.texts.get(RELATION):
        cells.fail(RELATION, _("This cell is required."))
    return relation


@dataclass(slots=True)
class _Row:
    number: int
    errors: list[tuple[str, str]]  # (column, message)
    building_key: tuple[str, str]
    grid_code: str
    floors: int | None
    entrance: int | None
    floor: int | None
    door: str
    use: str
    household: str
    name: str
    id_number: idnumbers.IdNumber | None
    relation: str | None
    phone: str
    residence_type: str
    registration_place: str
    moved_in_on: dt.date | None
    party_member: bool
    id_hash: str = ""
    token: str = ""
    copy_tail: str = ""  # the resident's COPY line after its id and grid

    @property
    def dwelling_key(self) -> tuple:
        return (*self.building_key, self.entrance, self.door)

    @property
    def household_key(self) -> tuple:
        return (*self.building_key, self.entrance, self.door, self.household)


def read_row(number: int, raw: dict[str, Any], today: dt.date) -> _Row:
    """Check one row's cells on their own (no database): its errors are in `row.errors`."""
    cells = _Cells(raw)
    row = _Row(
        number=number, errors=cells.errors,
        building_key=(cells.text(ESTATE, 100, required=True),
                      cells.text(BUILDING, 50, required=True)),
        grid_code=cells.text(GRID_CODE, 40),
        floors=cells.integer(FLOORS, 1, 200, default=0) or None,
        entrance=cells.integer(ENTRANCE, 1, 50, default=1),
        floor=cells.integer(FLOOR, -5, 200, default=None),
        door=cells.text(NUMBER, 20, required=True),
        use=cells.choice(USE, USE_LABELS, DwellingUse.RESIDENTIAL),
        household=cells.text(HOUSEHOLD, 30),
        name=cells.text(NAME, 50, required=True),
        id_number=_id_number(cells, today),
        relation=_relation(cells),
        phone=_phone(cells),
        residence_type=cells.choice(RESIDENCE_TYPE, RESIDENCE_TYPE_LABELS,
                                    ResidenceType.REGISTERED),
        registration_place=cells.text(REGISTRATION_PLACE, 100),
        moved_in_on=cells.date(MOVED_IN_ON, today),
        party_member=cells.choice(PARTY_MEMBER, YES_NO_LABELS, False),
    )
    if row.id_number is not None:
        row.id_hash = crypto.lookup_hash(row.id_number.value)
    return row
