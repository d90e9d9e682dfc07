"""COPY on PostgreSQL."""

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.db import connection

from ..models import (
    Dwelling,
    Household,
    Membership,
    Resident,
)
from .rows import _Row

# --- COPY on PostgreSQL ---------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_available() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return hasattr(cursor.cursor, "copy_expert")


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


class _CopyTable:
    """COPY into a model's table: the given columns, then the model's defaults for the others
    (computed once), with ids taken from the table's sequence beforehand when `ids`."""

    def __init__(self, model, columns: tuple[str, ...], now: dt.datetime, ids: bool = True):
        defaults = {}
        for model_field in model._meta.concrete_fields:
            if model_field.primary_key or model_field.column in columns:
                continue
            stamp = getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False)
            defaults[model_field.column] = now if stamp else model_field.get_default()
        self.table = model._meta.db_table
        self.ids = ids
        names = (("id",) if ids else ()) + columns + tuple(defaults)
        self.sql = f"COPY {self.table} ({', '.join(names)}) FROM STDIN"
        self.suffix = "".join(f"\t{_copy_value(value)}" for value in defaults.values()) + "\n"

    def take_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) "
                           "FROM generate_series(1, %s)", [self.table, count])
            return cursor.fetchone()[0]

    def copy(self, lines: str) -> None:
        if lines:
            with connection.cursor() as cursor:
                # One read of the whole batch: fewer hand-overs of the GIL mid-COPY.
                cursor.cursor.copy_expert(self.sql, io.StringIO(lines), size=len(lines) + 1)

    def insert(self, rows: Iterable[tuple]) -> list[int]:
        """COPY rows of plain values; their new ids."""
        rows = list(rows)
        ids = self.take_ids(len(rows)) if rows else []
        suffix = self.suffix
        self.copy("".join("\t".join((str(pk), *map(_copy_value, row))) + suffix
                          for pk, row in zip(ids, rows, strict=True)))
        return ids


class _Tables:
    def __init__(self, now: dt.datetime):
        self.dwellings = _CopyTable(
            Dwelling, ("building_id", "entrance", "number", "floor", "use"), now)
        self.households = _CopyTable(Household, ("dwelling_id", "number", "head_id"), now)
        self._residents = _CopyTable(Resident, (
            "node_id", "name", "phone", "residence_type", "moved_in_on", "registration_place",
            "party_member", "id_number_token", "id_number_hash", "id_number_masked", "gender",
            "birth_date"), now)
        self._memberships = _CopyTable(
            Membership, ("household_id", "resident_id", "relation", "joined_on"), now, ids=False)

    def resident_tail(self, row: _Row) -> str:
        escape, number = _COPY_ESCAPES, row.id_number
        return (f"{row.name.translate(escape)}\t{row.phone.translate(escape)}\t"
                f"{row.residence_type}\t{_copy_value(row.moved_in_on)}\t"
                f"{row.registration_place.translate(escape)}\t{'t' if row.party_member else 'f'}\t"
                f"{row.token}\t{row.id_hash}\t{number.masked}\t{number.gender}\t"
                f"{number.birth_date}{self._residents.suffix}")

    def residents(self, batch: list[_Row], plans: dict) -> list[int]:
        table = self._residents
        ids = table.take_ids(len(batch))
        table.copy("".join(f"{pk}\t{plans[row.building_key].node.pk}\t{row.copy_tail}"
                           for pk, row in zip(ids, batch, strict=True)))
        return ids

    def memberships(self, rows: Iterable[tuple], today: dt.date) -> None:
        suffix = self._memberships.suffix
        self._memberships.copy("".join(
            f"{household}\t{resident}\t{row.relation}\t{row.moved_in_on or today}{suffix}"
            for row, household, resident in rows))
