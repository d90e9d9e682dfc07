"""Bulk import of the registry (buildings, dwellings, households, residents) from a spreadsheet.

One row per resident, with the Chinese column headers of COLUMNS in any order. The file is read as
a stream (the csv module, or openpyxl in read-only mode) and handled in batches of BATCH_SIZE
rows; apart from a compact index of keys (about 12 bytes a row, to find a repeated ID number or a
second head of household anywhere in the file) memory does not grow with the file.

One pass validates and writes. A dry run only validates. A real import writes each batch inside
one transaction for as long as no row has failed, and rolls everything back at the end when any
row failed: all or nothing, with the same list of errors a dry run gives.

A reading thread does the work that needs no database (parsing, checking cells, finding repeats,
hashing and encrypting ID numbers) for the next batches while the database writes the current
one. Rows are written in bulk (COPY on PostgreSQL, bulk_create elsewhere), so they get no
django-simple-history records; `ImportReport.history_written` says so.
"""


from .common import (
    BATCH_SIZE,
    COLUMNS,
    MAX_REPORTED_ERRORS,
    REQUIRED_COLUMNS,
    ImportFileError,
    ImportReport,
    RowError,
    template_rows,
)
from .reading import read_sheet
from .running import import_residents

__all__ = [
    "import_residents",
    "ImportReport",
    "RowError",
    "ImportFileError",
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "template_rows",
    "read_sheet",
    "BATCH_SIZE",
    "MAX_REPORTED_ERRORS",
]
