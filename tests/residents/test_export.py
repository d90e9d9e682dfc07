import csv
import io

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from grids.models import Role
from residents import crypto
from residents.exporting import EXPORT_COLUMNS, export_rows, neutralise
from residents.importing import COLUMNS
from residents.models import ExportLog, IdRevealLog
from residents.selectors import exportable, resident_list_for
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.residents.factories import make_resident

pytestmark = pytest.mark.django_db


def grant(user, *codenames: str):
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh instance: no cached permissions


def grant_reveal(user):
    return grant(user, "export_residents", "reveal_id_number")


def exported(user, **filters) -> list[dict]:
    user = grant(user, "export_residents")
    rows = export_rows(user=user, residents=exportable(resident_list_for(user=user, **filters),
                                                       user=user))
    header = next(rows)
    return [dict(zip(header, values, strict=True)) for values in rows]


def test_the_export_has_the_import_columns_and_the_age():
    assert (*COLUMNS, "年龄") == EXPORT_COLUMNS


def test_a_worker_exports_only_their_grid(community, registry):
    names = {row["姓名"] for row in exported(community.worker_a)}
    assert names == {"李建华", "李小明"}
    assert "王芳" not in {row["姓名"] for row in exported(community.worker_a)}
    assert {row["姓名"] for row in exported(community.hub1_head)} == {"李建华", "李小明", "王芳"}


def test_a_row_describes_the_home_and_the_person(community, registry):
    [head] = [row for row in exported(community.worker_a) if row["姓名"] == "李建华"]
    assert (head["网格编码"], head["小区"], head["楼栋"], head["楼层"], head["门牌号"]) == (
        "G5A", "枫丹白鹭", "1栋", 5, "501")
    assert (head["与户主关系"], head["人口类型"], head["党员"]) == ("户主", "户籍人口", "否")
    assert head["年龄"] == registry.head_a.age
    tenant = exported(community.hub1_head, text="王芳")[0]
    assert (tenant["房屋用途"], tenant["人口类型"]) == ("出租", "流动人口")


def test_id_numbers_are_masked_without_the_permission(community, registry):
    rows = exported(community.worker_a)
    full = crypto.decrypt(registry.head_a.id_number_token)
    assert {row["身份证号"] for row in rows} == {registry.head_a.id_number_masked,
                                                 registry.child_a.id_number_masked}
    assert full not in str(rows)
    assert not IdRevealLog.objects.exists()


def test_id_numbers_are_full_with_the_permission_and_each_reveal_is_logged(community, registry):
    worker = grant_reveal(community.worker_a)
    rows = exported(worker)
    full = crypto.decrypt(registry.head_a.id_number_token)
    assert full in {row["身份证号"] for row in rows}
    logs = IdRevealLog.objects.filter(user=worker)
    assert sorted(logs.values_list("resident__name", flat=True)) == ["李小明", "李建华"]


def test_formula_cells_are_neutralised(community, registry):
    make_resident(community.admin, node=community.g5a, name="=HYPERLINK(\"x\")",
                  registration_place="@SUM(A1)")
    make_resident(community.admin, node=community.g5a, name="+1", registration_place="-2")
    rows = {row["姓名"]: row for row in exported(community.worker_a)}
    assert "'=HYPERLINK(\"x\")" in rows
    assert rows["'=HYPERLINK(\"x\")"]["户籍地"] == "'@SUM(A1)"
    assert rows["'+1"]["户籍地"] == "'-2"
    assert [neutralise(v) for v in ("\tx", "\rx", "a=b", 5, -1)] == ["'\tx", "'\rx", "a=b", 5, -1]


# --- The export view ------------------------------------------------------------------------




def _csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_is_its_own_permission_granted_to_named_people(community, registry, login):
    assert login(community.worker_a).get("/residents/export/").status_code == 403
    volunteer = UserFactory(username="volunteer")
    AssignmentFactory(user=volunteer, node=community.g5a, role=Role.VOLUNTEER)
    # The permission alone is not enough: a volunteer's role never exports the registry.
    assert login(grant(volunteer, "export_residents")).get(
        "/residents/export/").status_code == 403
    assert not ExportLog.objects.exists()


def test_each_export_is_logged_with_who_the_filter_and_the_row_count(community, registry, login):
    worker = grant(community.worker_a, "export_residents")
    response = login(worker).get("/residents/export/", {"format": "csv", "text": "李"})
    assert len(_csv_rows(response)) == 2
    log = ExportLog.objects.get()
    assert (log.user, log.format, log.filters, log.row_count, log.full_id_numbers) == (
        worker, "csv", {"text": "李"}, 2, False)


def test_the_csv_export_is_scoped_and_filtered(community, registry, login):
    client = login(grant(community.worker_a, "export_residents"))
    response = client.get("/residents/export/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert {row["姓名"] for row in _csv_rows(response)} == {"李建华", "李小明"}
    response = client.get("/residents/export/", {"text": "小明"})
    assert [row["姓名"] for row in _csv_rows(response)] == ["李小明"]


def test_the_export_ignores_an_id_number_in_the_address(community, registry, login):
    full = crypto.decrypt(registry.head_a.id_number_token)
    response = login(grant(community.worker_a, "export_residents")).get(
        "/residents/export/", {"id_number": full})
    assert len(_csv_rows(response)) == 2


def test_a_building_outside_scope_or_an_unknown_format_is_refused(community, registry, login):
    client = login(grant(community.worker_a, "export_residents"))
    assert client.get("/residents/export/",
                      {"building": registry.building_b.pk}).status_code == 400
    assert client.get("/residents/export/", {"format": "pdf"}).status_code == 400


def test_the_xlsx_export_is_masked_and_neutralised(community, registry, login):
    make_resident(community.admin, node=community.g5a, name="=1+1")
    response = login(grant(community.worker_a, "export_residents")).get(
        "/residents/export/", {"format": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == EXPORT_COLUMNS
    by_name = {row[EXPORT_COLUMNS.index("姓名")]: row for row in rows[1:]}
    assert set(by_name) == {"李建华", "李小明", "'=1+1"}
    assert by_name["李建华"][EXPORT_COLUMNS.index("身份证号")] == registry.head_a.id_number_masked


def test_the_export_needs_a_login(client):
    assert client.get("/residents/export/").status_code == 302
