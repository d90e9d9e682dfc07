"""Residents choose only the kinds of problem meant for them: internal categories (a committee's
decision, 议事决定) stay off the self-report page and the public API."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tickets.forms_public import CATEGORY_ERROR
from tickets.models import Category, Ticket

from .factories import category

pytestmark = pytest.mark.django_db


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(fresh_rate_limits):
    yield


@pytest.fixture
def committee():
    return Category.objects.get(code="committee")


def test_the_committee_decision_category_is_internal(committee):
    assert committee.name == "议事决定" and committee.internal


def test_the_report_form_offers_no_internal_category(client, community, committee):
    lights = category("facilities")
    page = html.unescape(client.get(reverse("public:report")).content.decode())
    offered = re.findall(r'<option value="(\d+)"', page.split('id="id_category"')[1]
                         .split("</select>")[0])
    assert str(lights.pk) in offered and str(committee.pk) not in offered
    assert "议事决定" not in page


def test_reporting_an_internal_category_is_a_form_error(client, community, committee):
    page = client.get(reverse("public:report")).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    response = client.post(reverse("public:report"), {
        "reporter_name": "张秀兰", "reporter_phone": "13712345678", "node": community.g5a.pk,
        "address": "3栋", "category": committee.pk, "title": "楼道灯不亮",
        "description": "3楼楼道灯坏了", "idempotency_key": key, "website": ""})
    assert response.status_code == 200
    assert zh(CATEGORY_ERROR) in html.unescape(response.content.decode())
    assert not Ticket.objects.exists()


def test_the_public_api_lists_and_accepts_only_public_categories(community, committee):
    lights = category("facilities")
    api = APIClient()
    names = [c["id"] for c in api.get("/api/v1/public/report-options/").json()["categories"]]
    assert lights.pk in names and committee.pk not in names
    response = api.post("/api/v1/public/tickets/", {
        "reporter_name": "张秀兰", "reporter_phone": "13712345678", "node": community.g5a.pk,
        "address": "3栋", "category": committee.pk, "title": "楼道灯不亮",
        "description": "3楼楼道灯坏了"}, format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 20)
    assert response.status_code == 400
    assert response.json() == {"category": [zh(CATEGORY_ERROR)]}
    assert not Ticket.objects.exists()


def test_an_internal_category_still_serves_staff(community, committee, login):
    page = login(community.center_staff).get(reverse("tickets:create")).content.decode()
    assert f'value="{committee.pk}"' in page
