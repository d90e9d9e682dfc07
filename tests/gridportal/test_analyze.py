"""After a bulk write, PostgreSQL's planner learns the new sizes at once (not at autovacuum's
leisure): pages straight after an import or the demo seeding use the right plans."""

import io

import pytest
from django.db import connection

from gridportal.db import analyze
from residents.importing import COLUMNS, import_residents
from residents.models import Resident
from tests.residents.factories import valid_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_an_import_leaves_the_planner_statistics_fresh(community):
    header = ",".join(COLUMNS) + "\n"
    rows = "".join(f"G5A,新苑,1栋,6,1,{n % 6 + 1},{n % 6 + 1}0{n % 2 + 1},住宅,{n},居民{n},"
                   f"{valid_id()},户主,,户籍人口,,,否\n" for n in range(40))
    assert _planner_rows("residents_resident") <= 0  # never analysed: the planner guesses
    report = import_residents(actor=community.admin, file=io.BytesIO((header + rows).encode()),
                              filename="residents.csv", dry_run=False)
    assert report.ok, report.errors
    assert _planner_rows("residents_resident") == Resident.objects.count() == 40


def test_analyze_names_every_table_of_the_portal_and_its_links():
    tables = analyze()
    assert {"residents_resident", "tickets_ticket", "grids_gridnode",
            "tickets_ticket_summoned_departments", "committees_committee"} <= set(tables)
