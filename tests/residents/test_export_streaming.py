"""The registry export streams: every row comes out, read in chunks, for a constant number of
queries whatever the number of rows (speed and memory: bench/exports.py)."""

import csv
import io

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from residents import exporting
from residents.exporting import EXPORT_COLUMNS
from residents.models import IdRevealLog
from tests.residents.factories import (
    BuildingFactory,
    DwellingFactory,
    HouseholdFactory,
    make_resident,
)
from tests.residents.test_export import grant, grant_reveal

pytestmark = pytest.mark.django_db

CHUNK = 4  # rows read at a time in these tests, so that a few residents make many chunks


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(exporting, "CHUNK_SIZE", CHUNK)


def add_households(community, count: int, *, start: int = 0) -> dict[str, tuple]:
    """`count` households of two in one building of G5A; what each resident's row should hold
    (door, name, relation, phone, masked ID number, age) by name."""
    building = BuildingFactory(node=community.g5a, estate="金色家园", name=f"{start + 10}栋")
    expected = {}
    for n in range(start, start + count):
        dwelling = DwellingFactory(building=building, floor=n // 4 + 1, number=f"{n:03d}")
        household = HouseholdFactory(dwelling=dwelling)
        for relation, label, prefix in (("head", "户主", "139"), ("spouse", "配偶", "137")):
            resident = make_resident(community.admin, household=household, relation=relation,
                                     name=f"住户{n}{label}", phone=f"{prefix}{n:08d}")
            expected[resident.name] = (
                "金色家园", building.name, dwelling.number, resident.name, label,
                resident.phone, resident.id_number_masked,
                resident.age_on(timezone.localdate()))
    return expected


def _picked(row: dict) -> tuple:
    return (row["小区"], row["楼栋"], str(row["门牌号"]), row["姓名"], row["与户主关系"],
            row["联系电话"], row["身份证号"], int(row["年龄"]))


def csv_export(client, **params) -> tuple[StreamingHttpResponse, list[dict]]:
    response = client.get("/residents/export/", {"format": "csv", **params})
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return response, list(csv.DictReader(io.StringIO(text)))


def xlsx_export(client, **params) -> tuple[FileResponse, list[dict]]:
    response = client.get("/residents/export/", {"format": "xlsx", **params})
    assert isinstance(response, FileResponse)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    assert header == EXPORT_COLUMNS
    return response, [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("export", [csv_export, xlsx_export])
def test_an_export_of_many_chunks_holds_every_resident_once(community, login, export):
    expected = add_households(community, 15)  # 30 residents: 8 chunks
    client = login(grant(community.worker_a, "export_residents"))
    _response, rows = export(client, text="住户")
    assert len(rows) == 30
    assert {row["姓名"]: _picked(row) for row in rows} == expected


def test_a_resident_without_a_home_has_empty_address_cells(community, login):
    make_resident(community.admin, node=community.g5a, name="无房户", phone="13612345678")
    _response, [row] = csv_export(login(grant(community.worker_a, "export_residents")),
                                  text="无房户")
    assert (row["小区"], row["楼栋"], row["门牌号"], row["与户主关系"]) == ("", "", "", "")
    assert row["联系电话"] == "13612345678"


@pytest.mark.parametrize("export", [csv_export, xlsx_export])
def test_the_export_costs_the_same_queries_for_ten_rows_as_for_forty(community, login, export):
    client = login(grant(community.worker_a, "export_residents"))
    add_households(community, 5)
    with CaptureQueriesContext(connection) as few:
        _response, rows = export(client, text="住户")
    assert len(rows) == 10
    add_households(community, 15, start=5)
    with CaptureQueriesContext(connection) as many:
        _response, rows = export(client, text="住户")
    assert len(rows) == 40
    assert len(many) == len(few)


def test_with_full_id_numbers_each_chunk_logs_its_reveals_in_one_insert(community, login):
    add_households(community, 2)
    client = login(grant_reveal(community.worker_a))
    with CaptureQueriesContext(connection) as few:
        csv_export(client, text="住户")
    add_households(community, 8, start=2)  # 20 residents: 5 chunks, 4 more than 4 residents
    with CaptureQueriesContext(connection) as many:
        _response, rows = csv_export(client, text="住户")
    assert len(rows) == 20
    inserts = [q for q in many.captured_queries
               if q["sql"].startswith('INSERT INTO "residents_idreveallog"')]
    assert len(inserts) == 5
    assert len(many) - len(few) == 4
    assert IdRevealLog.objects.filter(user=community.worker_a).count() == 4 + 20
