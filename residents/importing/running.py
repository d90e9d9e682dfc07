"""Running an import: batches, the reader thread, the transaction."""

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import Full, Queue
from typing import IO

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridportal.db import analyze
from grids.selectors import User

from ..models import Building, Dwelling, Household, Membership, Resident
from .checking import _Checker, _InFile
from .common import (
    _YIELD_EVERY,
    BATCH_SIZE,
    COLUMNS,
    REQUIRED_COLUMNS,
    ImportFileError,
    ImportReport,
)
from .reading import _text, read_sheet
from .rows import _Row, read_row
from .writing import _Counter, _Writer

# --- Running an import ----------------------------------------------------------------------


def _columns(header: tuple) -> tuple[list[tuple[str, int]], list[str]]:
    """Where each known column is, and which required columns are missing."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _text(cell).replace("\ufeff", "").lstrip("*").strip()
        if name in COLUMNS:
            positions.setdefault(name, index)
    return list(positions.items()), [c for c in REQUIRED_COLUMNS if c not in positions]


def _batches(rows: Iterator[tuple], columns: list[tuple[str, int]], size: int,
             prepare: Callable[[list[_Row]], None]) -> Iterator[list[_Row]]:
    """Batches of rows checked on their own and against the rows before them: everything that
    needs no database. `prepare` then readies each batch for writing (encryption)."""
    today = timezone.localdate()
    in_file = _InFile()
    batch: list[_Row] = []
    for number, cells in enumerate(rows, start=2):
        if not any(cell is not None and cell != "" for cell in cells):
            continue
        width = len(cells)
        row = read_row(number, {name: cells[i] for name, i in columns if i < width}, today)
        in_file.check(row)
        batch.append(row)
        if not number % _YIELD_EVERY:
            time.sleep(0)  # let the database thread take the GIL back at once
        if len(batch) >= size:
            prepare(batch)
            yield batch
            batch = []
    if batch:
        prepare(batch)
        yield batch


class _Ahead:
    """Iterate `items` in a thread, up to `depth` items ahead of the consumer.

    The thread only reads the file and computes (no database), so its work on the next batches
    overlaps the database's work on the current one. It uses the caller's language."""

    def __init__(self, items: Iterator, depth: int = 2):
        self.items = items
        self.queue: Queue = Queue(maxsize=depth)
        self.stop = threading.Event()
        self.language = translation.get_language()

    def _put(self, item: tuple) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except Full:
                continue

    def _produce(self) -> None:
        with translation.override(self.language):
            try:
                for item in self.items:
                    self._put((True, item))
                    if self.stop.is_set():  # the consumer has gone
                        return
            except Exception as error:  # noqa: BLE001 - handed to the consumer
                self._put((False, error))
                return
            self._put((False, None))

    def __iter__(self) -> Iterator:
        thread = threading.Thread(target=self._produce, name="import-reader", daemon=True)
        thread.start()
        try:
            while True:
                more, item = self.queue.get()
                if not more:
                    if item is not None:
                        raise item
                    return
                yield item
        finally:
            self.stop.set()
            thread.join()


def import_residents(*, actor: User, file: IO[bytes], filename: str, dry_run: bool,
                     batch_size: int = BATCH_SIZE) -> ImportReport:
    """Check (dry run) or import a spreadsheet of residents. Nothing is written unless every
    row is good; see the module's docstring."""
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        rows = None
        try:
            rows = read_sheet(file, filename)
            _run(actor, rows, report, batch_size)
        except ImportFileError as error:
            report.add_error(0, "", error)
        except IntegrityError:
            report.add_error(0, "", _("The registry changed while the file was being imported, "
                                      "so nothing was imported. Please try again."))
        finally:
            if rows is not None:
                rows.close()  # release the file (and openpyxl's workbook) now
        if not report.ok:
            transaction.set_rollback(True)
            if not dry_run:
                report.forget_counts()
    if report.ok and not dry_run:
        analyze([Building, Dwelling, Household, Resident, Membership])
    return report


def _run(actor: User, rows: Iterator[tuple], report: ImportReport, batch_size: int) -> None:
    header = next(rows, None)
    if header is None:
        raise ImportFileError(_("This file has no header row."))
    columns, missing = _columns(header)
    for column in missing:
        report.add_error(1, column, _("This required column is missing."))
    if missing:
        return
    checker = _Checker(actor, report)
    sink = _Counter(report) if report.dry_run else _Writer(report)
    with _constraints_checked_per_statement(not report.dry_run), _no_cyclic_gc():
        for batch in _Ahead(_batches(rows, columns, batch_size, sink.prepare)):
            homes = checker.check(batch)
            if report.ok:
                sink.write(batch, checker.plans, homes)
        if report.ok:
            sink.finish(checker.plans)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: the rows of a batch hold no cycles, but their sheer
    number would trigger full collections over every object of the process, again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _constraints_checked_per_statement(wanted: bool) -> Iterator[None]:
    """On PostgreSQL, check the (deferrable) foreign keys as each batch is written rather than
    all at commit: the database then does that work while the next batch is being read."""
    if not (wanted and connection.vendor == "postgresql"):
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield  # on an error the transaction is rolled back, and the setting with it
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default for its FKs
