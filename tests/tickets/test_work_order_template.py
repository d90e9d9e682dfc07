"""The import page's template: downloaded, filled in, it imports cleanly."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.tickets.test_work_orders import upload
from tickets.models import Ticket
from tickets.work_orders import HEADERS

pytestmark = pytest.mark.django_db


def test_the_import_page_links_both_templates(community, login):
    page = login(community.center_staff).get(reverse("tickets:work_order_import"))
    html = page.content.decode()
    assert reverse("tickets:work_order_template_xlsx") in html
    assert reverse("tickets:work_order_template_csv") in html


def test_the_workbook_template_filled_in_imports_cleanly(community, login):
    client = login(community.center_staff)
    response = client.get(reverse("tickets:work_order_template_xlsx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, guide = workbook.worksheets
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(HEADERS)
    guide_rows = list(guide.iter_rows(values_only=True))
    assert [row[0] for row in guide_rows[1:]] == list(HEADERS)
    assert any("接诉即办" in (row[2] or "") for row in guide_rows)  # the channel words
    # The clerk keeps the example row and adds one of their own.
    sheet.append(["GD2026120702", "接诉即办", "重点", "市容环境", "", "垃圾未清运", "", "",
                  "1栋旁", "G5B"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = upload(client, SimpleUploadedFile("filled.xlsx", buffer.getvalue()))
    assert "work-order-errors" not in result.content.decode()
    tickets = {t.external_number: t for t in Ticket.objects.all()}
    assert set(tickets) == {"GD2026000001", "GD2026120702"}
    assert tickets["GD2026000001"].owner == community.g5a
    assert tickets["GD2026120702"].whistle == "key"


def test_the_csv_template_opens_in_excel_and_filled_in_imports_cleanly(community, login):
    client = login(community.center_staff)
    response = client.get(reverse("tickets:work_order_template_csv"))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(HEADERS)
    rows.append(["GD2026120703", "", "", "", "", "楼道灯不亮", "", "", "", "G5B"])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    result = upload(client, SimpleUploadedFile("filled.csv",
                                               buffer.getvalue().encode("utf-8-sig")))
    assert "work-order-errors" not in result.content.decode()
    assert Ticket.objects.count() == 2


def test_a_grid_worker_gets_no_template(community, login):
    response = login(community.worker_a).get(reverse("tickets:work_order_template_xlsx"))
    assert response.status_code == 403
