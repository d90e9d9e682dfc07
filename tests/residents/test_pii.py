"""Where a full ID number must never appear: URLs, logs, admin change log, error reports."""

import contextlib
import logging

import pytest
from django.contrib.admin.models import LogEntry
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from residents import crypto
from residents.models import Resident
from residents.views import registry as registry_view
from tests.residents.factories import valid_id

pytestmark = pytest.mark.django_db


def test_registry_links_never_carry_an_id_number(community, registry, login):
    number = crypto.decrypt(registry.head_a.id_number_token)
    body = login(community.admin).post(reverse("residents:registry"),
                                       {"id_number": number}).content.decode()
    for href in body.split('href="')[1:]:
        assert number not in href.split('"')[0]


def test_error_reports_mask_the_id_number_posted_to_the_registry():
    request = RequestFactory().post("/residents/", {"id_number": "11010519491231002X"})
    request.user = None
    # Only the decorator's mark on the request matters, not how the view then fails.
    with contextlib.suppress(Exception):
        registry_view(request)
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleansed["id_number"] != "11010519491231002X"


def test_creating_a_resident_in_admin_keeps_the_number_out_of_the_change_log(
        community, registry, login, caplog):
    number = valid_id()
    client = login(community.admin)
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("admin:residents_resident_add"), {
            "node": community.g5a.pk, "name": "管理员录入", "id_number": number,
            "residence_type": "registered",
        })
    assert response.status_code == 302, response.content.decode()[:3000]
    resident = Resident.objects.get(name="管理员录入")
    assert crypto.decrypt(resident.id_number_token) == number
    for entry in LogEntry.objects.all():
        assert number not in entry.object_repr and number not in entry.change_message
    assert number not in caplog.text
    assert number[6:14] not in resident.id_number_masked
