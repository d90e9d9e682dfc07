"""An independently written Open311 client library (georeport, from PyPI) drives the server
over real HTTP, unchanged, in both formats; every XML answer is also read with a generic XML
parser."""

import xml.etree.ElementTree as ET  # noqa: S405 - parsing the server's own answers

import pytest
import requests
from georeport import GeoReport

from tests.tickets.factories import make_ticket
from tickets import services as ticket_services

from .conftest import post_data, seed_published


@pytest.fixture
def live_city(transactional_db, live_server, city):
    return city


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_services_and_requests(live_server, live_city, fmt):
    city = live_city
    ticket = seed_published(city)
    root = live_server.url + "/open311/v2"
    posted = requests.post(root + "/requests.json", data=post_data(city), timeout=10)
    assert posted.status_code == 201
    new_id = posted.json()[0]["service_request_id"]
    report = GeoReport(root_address=root, jurisdiction=city.code, output_format=fmt)

    services = report.get_service_list()
    codes = {service["service_code"] for service in services}
    assert {"lights", "wish"} <= codes and "staff-only" not in codes
    lights = next(service for service in services if service["service_code"] == "lights")
    assert lights["service_name"] == "路灯照明"
    assert lights["group"] == "城管局"

    definition = report.get_service_definition("lights")
    attributes = definition["attributes"] if fmt == "json" else (
        definition["attributes"]["attribute"])
    urgent = next(a for a in attributes if a["code"] == "urgent")
    values = urgent["values"] if fmt == "json" else urgent["values"]["value"]
    assert [(v["key"], v["name"]) for v in values] == [("yes", "是"), ("no", "否")]

    listed = report.get_service_requests()
    assert {r["service_request_id"] for r in listed} == {ticket.reference, new_id}
    one = report.get_service_requests(service_request_id=ticket.reference)
    one = one if fmt == "json" else [one]  # xmltodict gives a lone element, not a list
    assert [r["service_request_id"] for r in one] == [ticket.reference]
    rejected = make_ticket(category=city.lights, node=city.community.g5b)
    ticket_services.ticket_transition(ticket=rejected, actor=city.community.center_staff,
                               action="reject", note="重复反映")
    closed = report.get_service_requests(status="closed", service_code="lights")
    closed = closed if fmt == "json" else [closed]
    assert [(r["service_request_id"], r["status"]) for r in closed] == [
        (rejected.reference, "closed")]

    detail = report.get_service_request(ticket.reference)
    assert detail["status_notes"] == "已更换灯泡"
    assert detail["agency_responsible"] == "枫丹第1网格"


def test_every_xml_answer_reads_with_a_generic_parser(live_server, live_city):
    city = live_city
    ticket = seed_published(city)
    root = live_server.url + "/open311/v2"
    q = {"jurisdiction_id": city.code}

    def xml(path, **params):
        response = requests.get(f"{root}/{path}.xml", params={**q, **params}, timeout=10)
        assert response.status_code == 200
        return ET.fromstring(response.content)  # noqa: S314

    assert xml("discovery").findtext("endpoints/endpoint/url") == root
    codes = [s.findtext("service_code") for s in xml("services")]
    assert {"lights", "wish"} <= set(codes) and "staff-only" not in codes
    assert xml("services/lights").findtext("attributes/attribute/code") == "urgent"
    request = xml(f"requests/{ticket.reference}").find("request")
    assert request.findtext("status") == "open"
    assert request.findtext("address") == "枫丹白鹭1栋"
    posted = requests.post(f"{root}/requests.xml", data=post_data(city), timeout=10)
    assert posted.status_code == 201
    answer = ET.fromstring(posted.content).find("request")  # noqa: S314
    token = answer.findtext("token")
    assert xml(f"tokens/{token}").findtext("request/service_request_id") == (
        answer.findtext("service_request_id"))
    updates = xml("servicerequestupdates")
    assert updates.tag == "service_requests_updates"
    assert {u.findtext("service_request_id") for u in updates} == {
        ticket.reference, answer.findtext("service_request_id")}
