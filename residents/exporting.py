"""Export of the registry as CSV (streamed) or xlsx (openpyxl write-only), scoped and masked.

The caller passes a queryset from `selectors.exportable`, so an export holds exactly what the
user may export (the matrix's `residents.export`, granted to named people), each row marked with
what the user may see of it. Every export is logged (`ExportLog`: who, when, the filter, the row
count) before its first row leaves the server. ID numbers are masked unless the user may reveal
them there (`residents.reveal_id`); then they are in full and every resident exported gets an
`IdRevealLog` row (reason "export"), written chunk by chunk before the chunk's rows leave. A text
cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) gets a leading apostrophe.

The columns are those of the import template plus 年龄 (age), so an export with full ID numbers
can be imported elsewhere as it is.
"""

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal import permissions
from grids.selectors import User

from . import crypto
from .importing.common import (
    COLUMNS,
    RELATION_LABELS,
    RESIDENCE_TYPE_LABELS,
    USE_LABELS,
)
from .models import ExportLog, IdRevealLog, Resident, age_on
from .selectors import REVEAL, with_current_home_columns

AGE = "年龄"
EXPORT_COLUMNS = (*COLUMNS, AGE)
CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_USE_NAMES = {value: label for label, value in USE_LABELS.items()}
_RELATION_NAMES = {value: label for label, value in RELATION_LABELS.items()}
_RESIDENCE_NAMES = {value: label for label, value in RESIDENCE_TYPE_LABELS.items()}


def may_reveal(user: User) -> bool:
    return permissions.has(user, REVEAL)


def describe_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The export's filter as the log keeps it (ids and plain values)."""
    described: dict[str, Any] = {}
    for name, value in filters.items():
        if value in (None, "", [], ()):
            continue
        described[name] = value.pk if hasattr(value, "pk") else value
    return described


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would take for a formula becomes plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# What an export reads of each resident: plain values, no model instances.
_READ = ("pk", "node__code", "home_estate", "home_building", "home_floors", "home_entrance",
         "home_floor", "home_number", "home_use", "home_household", "home_relation", "name",
         "id_number_token", "id_number_masked", "phone", "residence_type", "registration_place",
         "moved_in_on", "party_member", "birth_date", "can_reveal", "can_see_id", "can_see_phone")


def _home_cells(row: dict) -> tuple:
    if row["home_household"] is None:  # no current household
        return ("",) * 8
    return (row["home_estate"], row["home_building"], row["home_floors"], row["home_entrance"],
            row["home_floor"], row["home_number"], _USE_NAMES.get(row["home_use"], row["home_use"]),
            row["home_household"])


def _cells(row: dict, reveal: bool, today: dt.date) -> tuple:
    # Rows from `selectors.exportable` carry their rights; a row without them shows nothing.
    if reveal and row["can_reveal"]:
        id_number = crypto.decrypt(row["id_number_token"])
    else:
        id_number = row["id_number_masked"] if row["can_see_id"] else ""
    relation = row["home_relation"]
    cells = (
        row["node__code"], *_home_cells(row), row["name"], id_number,
        "" if relation is None else _RELATION_NAMES.get(relation, relation),
        row["phone"] if row["can_see_phone"] else "",
        _RESIDENCE_NAMES.get(row["residence_type"], row["residence_type"]),
        row["registration_place"], row["moved_in_on"] or "",
        "是" if row["party_member"] else "否", age_on(row["birth_date"], today),
    )
    return tuple(neutralise(cell) for cell in cells)


def export_rows(*, user: User, residents: QuerySet[Resident], reason: str = "") -> Iterator[tuple]:
    """The header, then one row per resident, read in chunks from one query (a server-side
    cursor on PostgreSQL) whatever the number of rows; full ID numbers only for a user holding
    the permission, each logged (one insert a chunk, before the chunk is yielded)."""
    reveal = may_reveal(user)
    reason = (reason or _("Export")).strip()[:200]
    today = timezone.localdate()
    yield EXPORT_COLUMNS
    rows = with_current_home_columns(residents).values(*_READ).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        if reveal:
            IdRevealLog.objects.bulk_create(
                [IdRevealLog(user_id=user.pk, resident_id=row["pk"], reason=reason)
                 for row in chunk if row["can_reveal"]])
        for row in chunk:
            yield _cells(row, reveal, today)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """CSV text with a byte-order mark, so that Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


def _filename(suffix: str) -> str:
    return f"residents-{timezone.localtime():%Y%m%d-%H%M}.{suffix}"


def csv_response(rows: Iterable[tuple]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    response["Cache-Control"] = "no-store"
    return response


def write_xlsx(rows: Iterable[tuple], file) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    for row in rows:
        sheet.append(row)
    workbook.save(file)


def xlsx_response(rows: Iterable[tuple]) -> FileResponse:
    """The workbook is written to an anonymous temporary file, then streamed from it."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write_xlsx(rows, file)
    file.seek(0)
    response = FileResponse(file, as_attachment=True, filename=_filename("xlsx"),
                            content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def export_response(*, user: User, residents: QuerySet[Resident], fmt: str,
                    filters: dict[str, Any] | None = None):
    """The file, after the export is logged (one count query, one insert)."""
    ExportLog.objects.create(
        user=user, format=fmt, filters=filters or {}, row_count=residents.count(),
        full_id_numbers=may_reveal(user) and residents.filter(can_reveal=True).exists())
    rows = export_rows(user=user, residents=residents,
                       reason=_("Export (%(format)s)") % {"format": fmt})
    return xlsx_response(rows) if fmt == "xlsx" else csv_response(rows)


# --- The import template --------------------------------------------------------------------


def _column_notes() -> dict[str, str]:
    from .importing import common as imp

    def one_of(labels: dict) -> str:
        return _("One of: %(choices)s.") % {"choices": "、".join(labels)}

    def when_empty(label: str) -> str:
        return _("%(label)s when empty.") % {"label": label}

    return {
        imp.GRID_CODE: _("The code of the grid: needed only for a new building."),
        imp.ESTATE: _("The estate (小区) of the building."),
        imp.BUILDING: _("The building's name or number, e.g. 3栋. Estate and building together "
                        "name a building."),
        imp.FLOORS: _("Number of floors: needed only for a new building."),
        imp.ENTRANCE: _("Entrance (单元) number; 1 when empty."),
        imp.FLOOR: _("Floor of the dwelling; basements are -1 to -5."),
        imp.NUMBER: _("Door number, e.g. 502."),
        imp.USE: one_of(imp.USE_LABELS) + " " + when_empty("住宅"),
        imp.HOUSEHOLD: _("Rows with the same dwelling and household number form one household."),
        imp.NAME: _("The resident's name."),
        imp.ID_NUMBER: _("18 characters (or 15 digits for an old card), entered as text."),
        imp.RELATION: one_of(imp.RELATION_LABELS),
        imp.PHONE: _("A mobile number (11 digits) or a landline such as 0871-12345678."),
        imp.RESIDENCE_TYPE: one_of(imp.RESIDENCE_TYPE_LABELS) + " " + when_empty("户籍人口"),
        imp.REGISTRATION_PLACE: _("Place of household registration."),
        imp.MOVED_IN_ON: _("Date moved in, e.g. 2024-03-01; also the date of joining the "
                           "household (today when empty)."),
        imp.PARTY_MEMBER: one_of(imp.YES_NO_LABELS),
    }


def write_template(file) -> None:
    """An xlsx with the headers, one example row, lists for the coded columns, and a sheet
    explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from .importing import common as imp

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "居民信息"
    for row in imp.template_rows():
        sheet.append(row)
    for index, column in enumerate(imp.COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = 20 if column == imp.ID_NUMBER else 12
        if column in (imp.ID_NUMBER, imp.PHONE, imp.NUMBER, imp.HOUSEHOLD, imp.GRID_CODE):
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
        labels = {imp.USE: imp.USE_LABELS, imp.RELATION: imp.RELATION_LABELS,
                  imp.RESIDENCE_TYPE: imp.RESIDENCE_TYPE_LABELS,
                  imp.PARTY_MEMBER: imp.YES_NO_LABELS}.get(column)
        if labels:
            validation = DataValidation(type="list", formula1=f'"{",".join(labels)}"',
                                        allow_blank=True)
            validation.add(f"{letter}2:{letter}100000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append((_("Column"), _("Required"), _("Notes")))
    for column, note in _column_notes().items():
        notes.append((column, _("Yes") if column in imp.REQUIRED_COLUMNS else "", note))
    notes.column_dimensions["C"].width = 80
    workbook.save(file)
