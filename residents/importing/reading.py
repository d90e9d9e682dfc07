"""Reading csv and xlsx files as streams of rows."""

import csv
import datetime as dt
import io
from collections.abc import Generator
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from .common import ImportFileError

# --- Reading the file -----------------------------------------------------------------------


def read_sheet(file: IO[bytes], filename: str) -> Generator[tuple, None, None]:
    """Rows of the first sheet as tuples of cell values; the header row first."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return _csv_rows(file)
    if suffix == ".xlsx":
        return _xlsx_rows(file)
    raise ImportFileError(_("Upload an .xlsx or .csv file."))


def _csv_encoding(file: IO[bytes]) -> str:
    head = file.read(65536)
    file.seek(0)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut by the 64 KB boundary
            return "gb18030"  # what Excel saves as "CSV" on a Chinese Windows
    return "utf-8-sig"


def _csv_rows(file: IO[bytes]) -> Generator[tuple, None, None]:
    text = io.TextIOWrapper(file, encoding=_csv_encoding(file), newline="")
    try:
        yield from map(tuple, csv.reader(text))
    except UnicodeDecodeError:
        raise ImportFileError(_("This file is not text in UTF-8 or GB18030.")) from None
    except csv.Error:
        raise ImportFileError(_("This file cannot be read as CSV.")) from None
    finally:
        text.detach()


def _xlsx_rows(file: IO[bytes]) -> Generator[tuple, None, None]:
    from openpyxl import load_workbook  # only needed for xlsx files

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        raise ImportFileError(_("This file cannot be read as an .xlsx workbook.")) from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)
