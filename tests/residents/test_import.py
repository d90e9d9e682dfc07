import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from grids.models import Role
from residents import crypto, idnumbers
from residents.importing import COLUMNS, REQUIRED_COLUMNS, import_residents
from residents.importing.checking import _KeyIndex
from residents.importing.rows import _fast_id
from residents.io_views import SESSION_KEY, upload_dir
from residents.models import Building, Dwelling, Household, Membership, Relation, Resident
from residents.selectors import resident_list_for
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.residents.factories import valid_id

pytestmark = pytest.mark.django_db

HEADER = ("网格编码", "小区", "楼栋", "楼层数", "单元", "楼层", "门牌号", "房屋用途", "户号",
          "姓名", "身份证号", "与户主关系", "联系电话", "人口类型", "户籍地", "迁入日期", "党员")


def row(**cells) -> dict:
    """A good row for a new building (枫丹白鹭 9栋 in G5A) unless told otherwise."""
    values = {"网格编码": "G5A", "小区": "枫丹白鹭", "楼栋": "9栋", "楼层数": "12", "单元": "1",
              "楼层": "3", "门牌号": "301", "房屋用途": "住宅", "户号": "1", "姓名": "赵一",
              "身份证号": valid_id(), "与户主关系": "户主", "联系电话": "13700001234",
              "人口类型": "户籍人口", "户籍地": "云南省昆明市", "迁入日期": "2021-06-01",
              "党员": "否"}
    values.update(cells)
    return values


def csv_file(rows, header=HEADER, encoding="utf-8-sig") -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column, "") for column in header])
    return io.BytesIO(text.getvalue().encode(encoding))


def xlsx_file(rows, header=HEADER) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(column) for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def run(actor, rows, *, dry_run=False, fmt="csv", **kwargs):
    file = xlsx_file(rows, **kwargs) if fmt == "xlsx" else csv_file(rows, **kwargs)
    return import_residents(actor=actor, file=file, filename=f"居民.{fmt}", dry_run=dry_run)


def counts() -> tuple:
    return (Building.objects.count(), Dwelling.objects.count(), Household.objects.count(),
            Resident.objects.count(), Membership.objects.count())


def family(**common) -> list[dict]:
    """A head, spouse and child in one household, and a tenant household in the same flat."""
    return [
        row(姓名="赵一", 与户主关系="户主", **common),
        row(姓名="钱二", 与户主关系="配偶", 联系电话="", 党员="是", **common),
        row(姓名="赵三", 与户主关系="子女", 联系电话="", 迁入日期="", **common),
        row(姓名="孙四", 户号="2", 与户主关系="户主", 人口类型="流动人口", 房屋用途="出租",
            **common),
    ]


def test_a_clean_file_creates_buildings_dwellings_households_and_residents(community, registry):
    rows = family() + [row(楼栋="1栋", 网格编码="", 楼层数="", 楼层="5", 门牌号="502",
                           户号="", 姓名="周五", 与户主关系="户主")]
    before = counts()
    report = run(community.worker_a, rows)
    assert report.ok, report.errors
    assert (report.buildings, report.dwellings, report.households, report.residents) == (
        1, 2, 3, 5)
    assert counts() == tuple(b + n for b, n in zip(before, (1, 2, 3, 5, 5), strict=True))

    building = Building.objects.get(estate="枫丹白鹭", name="9栋")
    assert (building.node, building.floors, building.entrances) == (community.g5a, 12, 1)
    flat = Dwelling.objects.get(building=building, number="301")
    assert (flat.entrance, flat.floor, flat.use) == (1, 3, "residential")
    family_home = Household.objects.get(dwelling=flat, number="1")
    assert family_home.head.name == "赵一"
    relations = dict(Membership.objects.current().filter(household=family_home)
                     .values_list("resident__name", "relation"))
    assert relations == {"赵一": Relation.HEAD, "钱二": Relation.SPOUSE, "赵三": Relation.CHILD}
    tenant_home = Household.objects.get(dwelling=flat, number="2")
    assert tenant_home.head.name == "孙四"
    assert tenant_home.head.residence_type == "floating"

    existing_flat = Dwelling.objects.get(building=registry.building_a, number="502")
    assert Household.objects.get(dwelling=existing_flat).head.name == "周五"
    assert Resident.objects.get(name="钱二").party_member


def test_imported_residents_are_what_the_services_would_make(community, registry):
    number = valid_id(born=dt.date(1962, 4, 9), male=False)
    report = run(community.worker_a, [row(身份证号=number, 迁入日期="2019/3/2")])
    assert report.ok, report.errors
    [found] = resident_list_for(user=community.worker_a, id_number=number)
    assert found.node == community.g5a
    assert crypto.decrypt(found.id_number_token) == number
    assert found.id_number_hash == crypto.lookup_hash(number)
    assert found.id_number_masked == idnumbers.mask(number)
    assert (found.gender, found.birth_date) == ("F", dt.date(1962, 4, 9))
    assert (found.phone, found.registration_place) == ("13700001234", "云南省昆明市")
    assert found.moved_in_on == dt.date(2019, 3, 2)
    assert not (found.concern or found.dual_report or found.disabled)
    assert found.created_at is not None
    membership = found.memberships.get()
    assert (membership.relation, membership.joined_on, membership.left_on) == (
        Relation.HEAD, dt.date(2019, 3, 2), None)
    assert not found.history.exists()  # bulk rows have no change history, as the report says
    assert report.history_written is False


def test_one_bad_row_imports_nothing_and_names_the_row_and_column(community, registry):
    good = valid_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = counts()
    report = run(community.worker_a, family() + [row(身份证号=bad, 户号="3")])
    assert not report.ok
    assert [(e.row_number, e.column) for e in report.errors] == [(6, "身份证号")]
    assert counts() == before
    assert report.residents == 0


def test_every_bad_cell_of_every_row_is_reported(community):
    rows = [
        row(联系电话="12345678901234"),
        row(人口类型="外星人", 迁入日期="明天", 户号="2"),
        row(楼层="99", 户号="3"),
        row(党员="也许", 户号="4", 迁入日期=(timezone.localdate() + dt.timedelta(days=3))
            .isoformat()),
        row(姓名="", 与户主关系="", 户号="5"),
    ]
    report = run(community.worker_a, rows)
    assert sorted((e.row_number, e.column) for e in report.errors) == sorted([
        (2, "联系电话"), (3, "人口类型"), (3, "迁入日期"), (4, "楼层"), (5, "党员"),
        (5, "迁入日期"), (6, "姓名"), (6, "与户主关系")])
    assert not Building.objects.filter(name="9栋").exists()


def test_a_wrong_id_number_is_explained(community):
    with translation.override("en"):
        report = run(community.worker_a, [row(身份证号="11010519491231002Y")])
    [error] = report.errors
    assert "18 characters" in error.message


def test_duplicate_id_numbers_in_the_file_and_in_the_registry_are_reported(community, registry):
    twice = valid_id()
    registered = crypto.decrypt(registry.head_a.id_number_token)
    rows = [row(身份证号=twice), row(身份证号=twice, 与户主关系="配偶"),
            row(身份证号=registered, 与户主关系="子女")]
    with translation.override("en"):
        report = run(community.worker_a, rows)
    assert [(e.row_number, e.column) for e in report.errors] == [(3, "身份证号"),
                                                                 (4, "身份证号")]
    assert "row 2" in report.errors[0].message
    assert "already registered" in report.errors[1].message
    assert twice not in str(report.errors) and registered not in str(report.errors)


def test_a_duplicate_in_a_later_batch_is_found(community):
    number = valid_id()
    rows = [row(身份证号=number)] + [row(户号=str(n), 与户主关系="户主") for n in range(2, 7)]
    rows.append(row(身份证号=number, 户号="9"))
    report = import_residents(actor=community.worker_a, file=csv_file(rows),
                              filename="a.csv", dry_run=True, batch_size=2)
    assert [(e.row_number, e.column) for e in report.errors] == [(8, "身份证号")]


def test_an_unknown_building_is_reported(community, registry):
    rows = [row(楼栋="99栋", 网格编码="", 楼层数="")]
    report = run(community.worker_a, rows)
    assert [(e.row_number, e.column) for e in report.errors] == [(2, "楼栋")]
    assert "网格编码" in report.errors[0].message


def test_a_second_head_of_the_same_household_is_reported(community, registry):
    rows = [row(姓名="赵一"), row(姓名="钱二"),
            row(楼栋="1栋", 网格编码="", 楼层="5", 门牌号="501", 户号="", 姓名="李某")]
    report = run(community.worker_a, rows)
    assert [(e.row_number, e.column) for e in report.errors] == [(3, "与户主关系"),
                                                                 (4, "与户主关系")]


def test_a_worker_cannot_import_into_another_grid(community, registry):
    rows = [
        row(网格编码="G5B", 楼栋="10栋"),  # a grid outside the worker's area
        row(楼栋="2栋", 网格编码="", 楼层="2", 门牌号="202", 户号=""),  # building_b, in G5B
        row(网格编码="G4A", 楼栋="11栋", 户号="2"),  # above the worker's grid
    ]
    before = counts()
    report = run(community.worker_a, rows)
    assert [(e.row_number, e.column) for e in report.errors] == [
        (2, "网格编码"), (3, "楼栋"), (4, "网格编码")]
    assert counts() == before

    hub_head = run(community.hub1_head, rows[:2])
    assert hub_head.ok, hub_head.errors
    assert Building.objects.get(name="10栋").node == community.g5b


def test_a_volunteer_may_not_change_the_registry(community, registry):
    volunteer = UserFactory(username="volunteer")
    AssignmentFactory(user=volunteer, node=community.g5a, role=Role.VOLUNTEER)
    report = run(volunteer, [row()])
    # The grid is not one where the volunteer may change the registry: as if it did not exist.
    assert [(e.row_number, e.column) for e in report.errors] == [(2, "网格编码")]
    assert not Building.objects.filter(name="9栋").exists()


def test_a_dry_run_writes_nothing_and_counts_what_would_be_created(community, registry):
    before = counts()
    report = run(community.worker_a, family() + [row(门牌号="302", 户号="", 姓名="吴六")],
                 dry_run=True)
    assert report.ok and report.dry_run
    assert (report.buildings, report.dwellings, report.households, report.residents) == (
        1, 2, 3, 5)
    assert counts() == before


def test_an_xlsx_file_imports_like_a_csv_file(community, registry):
    rows = family()
    rows[0].update({"楼层数": 12, "楼层": 3, "迁入日期": dt.datetime(2020, 1, 2),
                    "联系电话": 13700001234})
    report = run(community.worker_a, rows, fmt="xlsx")
    assert report.ok, report.errors
    assert report.residents == 4
    head = Resident.objects.get(name="赵一")
    assert (head.moved_in_on, head.phone) == (dt.date(2020, 1, 2), "13700001234")


def test_an_id_number_stored_as_a_number_in_xlsx_is_refused(community):
    report = run(community.worker_a, [row(身份证号=float(valid_id()[:17] + "1"))], fmt="xlsx")
    assert [(e.row_number, e.column) for e in report.errors] == [(2, "身份证号")]


def test_headers_in_any_order_unknown_ones_ignored_missing_ones_reported(community):
    header = ("备注", *reversed(HEADER))
    report = run(community.worker_a, [row()], header=header)
    assert report.ok, report.errors
    short = tuple(column for column in HEADER if column not in ("姓名", "楼层"))
    report = run(community.worker_a, [row(楼栋="12栋")], header=short)
    assert sorted((e.row_number, e.column) for e in report.errors) == [(1, "姓名"), (1, "楼层")]


def test_a_gb18030_csv_from_excel_is_read(community):
    report = run(community.worker_a, [row()], encoding="gb18030")
    assert report.ok, report.errors
    assert Building.objects.filter(estate="枫丹白鹭", name="9栋").exists()


def test_a_file_of_another_kind_is_refused(community):
    report = import_residents(actor=community.worker_a, file=io.BytesIO(b"x"),
                              filename="a.xls", dry_run=True)
    assert [(e.row_number, e.column) for e in report.errors] == [(0, "")]
    report = import_residents(actor=community.worker_a, file=io.BytesIO(b"not a zip"),
                              filename="a.xlsx", dry_run=True)
    assert [(e.row_number, e.column) for e in report.errors] == [(0, "")]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(region=st.from_regex(r"\d{6}", fullmatch=True),
       born=st.dates(dt.date(1850, 1, 1), dt.date(2030, 12, 31)),
       sequence=st.from_regex(r"\d{3}", fullmatch=True), last=st.sampled_from("0123456789X"))
@example(region="110105", born=dt.date(1949, 12, 31), sequence="002", last="X")
@example(region="010105", born=dt.date(1949, 12, 31), sequence="002", last="9")
def test_the_fast_id_check_accepts_exactly_what_idnumbers_parse_accepts(region, born, sequence,
                                                                         last):
    today = dt.date(2026, 1, 1)
    value = f"{region}{born:%Y%m%d}{sequence}{last}"
    try:
        parsed = idnumbers.parse(value, today=today)
    except ValidationError:
        parsed = None
    assert _fast_id(value, today) == parsed


def test_the_key_index_remembers_every_key_as_it_grows():
    index = _KeyIndex(capacity=8)
    keys = [hash(("楼", n)) for n in range(5000)] + [0, 1 << 64, -1]
    assert [index.add(key, row) for row, key in enumerate(keys, start=2)][:5000] == [0] * 5000
    assert [index.add(key, 99) for key in keys[:5000]] == list(range(2, 5002))


def test_the_template_columns_cover_the_required_ones():
    assert set(REQUIRED_COLUMNS) <= set(COLUMNS)
    assert COLUMNS == HEADER


@pytest.mark.postgres
def test_the_copy_path_on_postgresql_matches_the_services(community, registry):
    number = valid_id()
    report = run(community.worker_a, family()[:2] + [row(身份证号=number, 户号="5",
                                                         姓名="郑七")])
    assert report.ok, report.errors
    [found] = resident_list_for(user=community.admin, id_number=number)
    assert crypto.decrypt(found.id_number_token) == number
    assert found.memberships.get().household.head == found
    assert Resident.objects.get(name="钱二").party_member


# --- The import pages -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)


def _upload(client, rows, name="居民.csv"):
    file = csv_file(rows)
    file.name = name
    return client.post("/residents/import/", {"file": file})


def test_an_upload_is_checked_first_then_imported_on_confirmation(community, registry, login):
    client = login(community.worker_a)
    assert client.get("/residents/import/").status_code == 200
    number = valid_id()
    response = _upload(client, family()[:1] + [row(身份证号=number, 户号="2")])
    assert response.status_code == 200
    assert b'id="import-confirm"' in response.content
    assert number.encode() not in response.content
    assert not Building.objects.filter(name="9栋").exists()
    pending = client.session[SESSION_KEY]
    assert set(pending) == {"token", "suffix", "name", "user"}
    stored = upload_dir() / f"{pending['token']}.csv"
    assert stored.exists()

    response = client.post("/residents/import/", {"token": pending["token"]})
    assert response.status_code == 302
    assert Resident.objects.filter(name="赵一").exists()
    assert resident_list_for(user=community.worker_a, id_number=number).exists()
    assert not stored.exists()
    assert SESSION_KEY not in client.session


def test_errors_are_shown_in_a_table_and_the_upload_discarded(community, registry, login):
    client = login(community.worker_a)
    response = _upload(client, [row(), row(联系电话="abc", 户号="2")])
    assert response.status_code == 200
    assert b'id="import-errors"' in response.content
    assert b'id="import-confirm"' not in response.content
    assert "联系电话".encode() in response.content
    assert SESSION_KEY not in client.session
    assert not Building.objects.filter(name="9栋").exists()


def test_another_users_token_imports_nothing(community, registry, login, client):
    client = login(community.worker_a)
    _upload(client, [row()])
    token = client.session[SESSION_KEY]["token"]
    client.logout()
    client.force_login(community.hub1_head)
    response = client.post("/residents/import/", {"token": token}, follow=True)
    assert not Building.objects.filter(name="9栋").exists()
    assert response.status_code == 200


def test_the_template_has_the_headers_and_an_example_row(community, login):
    response = login(community.worker_a).get("/residents/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER
    example = dict(zip(HEADER, rows[1], strict=True))
    assert idnumbers.parse(example["身份证号"])


def test_the_import_pages_need_a_login(client):
    response = client.get("/residents/import/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_phone_is_cleaned_by_the_one_rule_and_a_bad_one_is_a_row_error_in_chinese(community):
    spouse = row(姓名="钱二", 与户主关系="配偶", 联系电话="(0871) 6512-3456")
    report = run(community.worker_a, [row(联系电话="138 1234 5678"), spouse])
    assert report.ok, report.errors
    assert set(Resident.objects.values_list("phone", flat=True)) == {"13812345678",
                                                                     "0871-65123456"}
    with translation.override("zh-hans"):
        report = run(community.worker_a, [row(联系电话="6512345", 户号="2")])
    assert [(e.row_number, e.column) for e in report.errors] == [(2, "联系电话")]
    assert "手机号码" in report.errors[0].message
