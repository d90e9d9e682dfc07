"""Odd input a client may send, each answered with the specification's error list (never a
server error), and every refused POST logged."""

import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own answers in a test

import pytest

from interop.models import Open311Submission
from tests.interop.conftest import post_data
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


@pytest.mark.parametrize("name", ["description", "device_id", "first_name", "service_code",
                                  "jurisdiction_id", "api_key", "account_id"])
def test_a_nul_character_in_a_posted_field_is_a_400_naming_it_and_logged(client, city, name):
    value = post_data(city).get(name, "x")
    response = client.post(URL, post_data(city, **{name: value[:3] + "\x00" + value[3:]}))
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith(f"{name}:")
    assert not Ticket.objects.exists()
    logged = Open311Submission.objects.get()
    assert logged.status_code == 400 and "\x00" not in logged.device_id + logged.key_prefix


def test_control_characters_in_a_title_still_make_well_formed_xml(client, city):
    """XML 1.0 cannot carry most C0 control characters even escaped; a title from any
    channel may hold one (a pasted text), and the XML answer must still parse."""
    response = client.post(URL, post_data(city, description="路灯\x01不亮\x1f了"))
    assert response.status_code == 201
    listing = client.get(f"/open311/v2/requests.xml?jurisdiction_id={city.code}")
    request = ET.fromstring(listing.content).find("request")  # noqa: S314 - our own answer
    assert request is not None and request.findtext("description") == "路灯不亮了"
    assert client.get(f"/open311/v2/requests.json?jurisdiction_id={city.code}"
                      ).json()[0]["description"] == "路灯\x01不亮\x1f了"


@pytest.mark.parametrize("query", ["start_date=0001-01-01", "end_date=0001-01-01T00:00:00",
                                   "start_date=9999-12-31T23:59:59Z",
                                   "end_date=9999-12-31"])
@pytest.mark.parametrize("call", ["requests", "servicerequestupdates"])
def test_a_date_at_the_ends_of_the_calendar_is_a_400_naming_it(client, city, query, call):
    response = client.get(f"/open311/v2/{call}.json?jurisdiction_id={city.code}&{query}")
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith(query.split("=")[0] + ":")


@pytest.mark.parametrize("content_type", ["multipart/form-data",
                                          "multipart/form-data; boundary=\x7f"])
def test_a_multipart_body_that_cannot_be_read_is_the_error_list_and_logged(client, city,
                                                                           content_type):
    response = client.generic("POST", URL, b"garbage", content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()[0]["code"] == 400
    assert Open311Submission.objects.get().status_code == 400


def test_a_multipart_body_without_fields_asks_for_the_key(client, city):
    response = client.generic("POST", URL, b"--B--\r\n",
                              content_type="multipart/form-data; boundary=B")
    assert response.status_code == 403
    assert response.json()[0]["description"] == "api_key required."
    assert Open311Submission.objects.get().status_code == 403
