import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tickets.models import Ticket

pytestmark = pytest.mark.django_db
HEADER = "工单编号,渠道,紧急程度,诉求类别,标题,诉求内容,来电人,联系电话,发生地址,网格编码\n"


def csv_file(*rows: str, name="orders.csv"):
    return SimpleUploadedFile(name, (HEADER + "\n".join(rows) + "\n").encode("utf-8"),
                              content_type="text/csv")


def upload(client, file, dry_run=False):
    data = {"file": file}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("tickets:work_order_import"), data)


def test_work_orders_are_imported_and_routed(community, login):
    client = login(community.center_staff)
    response = upload(client, csv_file(
        "GD2026001,12345热线,常规,设施维修,路灯不亮,3栋前路灯不亮,王先生,13800002222,3栋前,G5A",
        "GD2026002,接诉即办,重点,市容环境,,垃圾未清运,,,1栋旁,G5B"))
    assert response.status_code == 200
    tickets = {t.external_number: t for t in Ticket.objects.all()}
    assert set(tickets) == {"GD2026001", "GD2026002"}
    assert tickets["GD2026001"].owner == community.g5a
    assert tickets["GD2026002"].whistle == "key" and tickets["GD2026002"].channel == "jiesu_jiban"
    assert tickets["GD2026002"].title == "垃圾未清运"


def test_reimporting_updates_and_never_duplicates(community, login):
    client = login(community.center_staff)
    upload(client, csv_file("GD1,12345热线,常规,设施维修,灯坏了,灯坏了,,,,G5A"))
    upload(client, csv_file("GD1,12345热线,常规,设施维修,灯坏了,灯坏了一周了,,,,G5A"))
    upload(client, csv_file("GD1,12345热线,常规,设施维修,灯坏了,灯坏了一周了,,,,G5A"))
    ticket = Ticket.objects.get()
    assert ticket.description == "灯坏了一周了"
    assert ticket.events.filter(action="reimport").count() == 1


def test_one_bad_row_imports_nothing_and_names_the_row(community, login):
    client = login(community.center_staff)
    response = upload(client, csv_file(
        "GD1,12345热线,常规,设施维修,灯,灯坏了,,,,G5A",
        "GD2,12345热线,特急,设施维修,灯,灯坏了,,12ab,,G4X"))
    body = response.content.decode()
    assert not Ticket.objects.exists()
    assert "<td>3</td>" in body and "紧急程度" in body and "网格编码" in body


def test_a_dry_run_writes_nothing(community, login):
    client = login(community.center_staff)
    response = upload(client, csv_file("GD1,12345热线,常规,设施维修,灯,灯坏了,,,,G5A"),
                      dry_run=True)
    assert 'id="work-order-clean"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_xlsx_work_orders(community, login):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["GD9", "数字城管", "应急", "消防安全隐患", "楼道堆物", "楼道堆放纸箱",
                  "", "", "", "G5A"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("orders.xlsx", buffer.getvalue())
    upload(login(community.center_staff), file)
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.whistle) == ("city_management", "emergency")


def test_a_grid_worker_may_not_import_work_orders(community, login):
    response = upload(login(community.worker_a),
                      csv_file("GD1,12345热线,常规,设施维修,灯,灯坏了,,,,G5A"))
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_center_staff_cannot_import_into_another_communitys_grid(community, login):
    response = upload(login(community.center_staff),
                      csv_file("GD1,12345热线,常规,设施维修,灯,灯坏了,,,,G4X"))
    assert not Ticket.objects.exists()
    assert "网格编码" in response.content.decode()


def test_a_phone_is_cleaned_by_the_one_rule_of_every_import(community, login):
    client = login(community.center_staff)
    response = upload(client, csv_file(
        "GD1,12345热线,常规,设施维修,灯,灯坏了,王先生,138 0000 2222,,G5A",
        "GD2,12345热线,常规,设施维修,灯,灯坏了,,(0871) 6512-3456,,G5A"))
    assert response.status_code == 200
    assert dict(Ticket.objects.values_list("external_number", "reporter_phone")) == {
        "GD1": "13800002222", "GD2": "0871-65123456"}
    response = upload(client, csv_file("GD3,12345热线,常规,设施维修,灯,灯坏了,,6512345,,G5A"))
    assert "请输入以 1 开头的 11 位手机号码" in response.content.decode()
    assert not Ticket.objects.filter(external_number="GD3").exists()


def test_a_phone_call_to_the_center_is_imported_by_its_chinese_label(community, login):
    client = login(community.center_staff)
    page = client.get(reverse("tickets:work_order_import")).content.decode()
    assert "<code>来电</code>" in page  # the page names the channels a file may use
    response = upload(client, csv_file(
        "LD2026001,来电,常规,设施维修,楼道灯不亮,2单元楼道灯不亮,赵阿姨,0871-65123456,2单元,G5A",
        "GD2026009,12345,常规,设施维修,路灯不亮,3栋前路灯不亮,,,3栋前,G5A"))
    assert response.status_code == 200
    assert "work-order-errors" not in response.content.decode()
    channels = dict(Ticket.objects.values_list("external_number", "channel"))
    assert channels == {"LD2026001": "phone_call", "GD2026009": "hotline"}
    ticket = Ticket.objects.get(external_number="LD2026001")
    assert (ticket.owner, ticket.reporter_phone) == (community.g5a, "0871-65123456")
    assert ticket.get_channel_display() == "来电"
