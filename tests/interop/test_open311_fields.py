"""Every field of every call, in both formats, against the tables of the GeoReport v2
specification (http://wiki.open311.org/GeoReport_v2), and the documented extensions: nothing
more, nothing of another type."""

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - parsing the server's own answers

import pytest

from .conftest import post_data, seed_published

pytestmark = pytest.mark.django_db

STR, BOOL, INT, NUM, DATETIME, OBJ = "string", "boolean", "integer", "number", "datetime", "obj"
OPTIONAL = "?"  # the field may be null (JSON) / empty (XML)

# "Service Discovery" section.
DISCOVERY = {"changeset": DATETIME, "contact": STR, "key_service": STR, "endpoints": [{
    "specification": STR, "url": STR, "changeset": DATETIME, "type": STR,
    "formats": [STR]}]}
# "GET Service List", Response fields.
SERVICE = {"service_code": STR, "service_name": STR, "description": STR, "metadata": BOOL,
           "type": STR, "keywords": STR, "group": STR}
# "GET Service Definition", Response fields (attributes and their values).
DEFINITION = {"service_code": STR, "attributes": [{
    "variable": BOOL, "code": STR, "datatype": STR, "required": BOOL,
    "datatype_description": STR + OPTIONAL, "order": INT, "description": STR,
    "values": [{"key": STR, "name": STR}]}]}
# "POST Service Request", Response fields.
POSTED = {"service_request_id": STR, "token": STR, "service_notice": STR,
          "account_id": STR + OPTIONAL}
# "GET service_request_id from a token", Response fields.
TOKEN = {"token": STR, "service_request_id": STR}
# "GET Service Requests" / "GET Service Request", Response fields.
REQUEST = {"service_request_id": STR, "status": STR, "status_notes": STR, "service_name": STR,
           "service_code": STR, "description": STR, "agency_responsible": STR,
           "service_notice": STR, "requested_datetime": DATETIME,
           "updated_datetime": DATETIME, "expected_datetime": DATETIME + OPTIONAL,
           "address": STR, "address_id": STR + OPTIONAL, "zipcode": STR,
           "lat": NUM + OPTIONAL, "long": NUM + OPTIONAL, "media_url": STR}
# Extension (FixMyStreet's `extensions=true`), documented in README.md.
EXTENDED = {**REQUEST, "extended_attributes": {
    "whistle": STR, "whistle_name": STR, "status_detail": STR, "grid_path": STR,
    "public_events": INT}}
# Extension (FixMyStreet's GET servicerequestupdates).
UPDATE = {"update_id": STR, "service_request_id": STR, "status": STR,
          "updated_datetime": DATETIME, "description": STR, "media_url": STR}
# "Errors".
ERROR = {"code": INT, "description": STR}
ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
         "values": "value"}
ENUMS = {"status": {"open", "closed"}, "type": {"realtime", "batch", "blackbox"},
         "endpoints[].type": {"production", "test"},
         "attributes[].datatype": {"string", "number", "datetime", "text", "singlevaluelist",
                                   "multivaluelist"}}


def _json_ok(kind: str, value) -> bool:
    if kind.endswith(OPTIONAL):
        if value is None:
            return True
        kind = kind[:-1]
    checks = {STR: lambda v: isinstance(v, str), BOOL: lambda v: isinstance(v, bool),
              INT: lambda v: isinstance(v, int) and not isinstance(v, bool),
              NUM: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
              DATETIME: lambda v: isinstance(v, str) and dt.datetime.fromisoformat(v).tzinfo}
    return bool(checks[kind](value))


def check_json(table: dict, data: dict, where: str = "") -> None:
    assert set(data) == set(table), (where, set(data) ^ set(table))
    for name, kind in table.items():
        value = data[name]
        if isinstance(kind, dict):
            check_json(kind, value, f"{where}{name}.")
        elif isinstance(kind, list):
            assert isinstance(value, list), (where, name)
            for item in value:
                if isinstance(kind[0], dict):
                    check_json(kind[0], item, f"{where}{name}[].")
                else:
                    assert _json_ok(kind[0], item), (where, name, item)
        else:
            assert _json_ok(kind, value), (where, name, value)
            if f"{where}{name}" in ENUMS and value is not None:
                assert value in ENUMS[f"{where}{name}"], (name, value)


def _xml_ok(kind: str, text: str) -> bool:
    if kind.endswith(OPTIONAL):
        if text == "":
            return True
        kind = kind[:-1]
    try:
        parse = {STR: str, BOOL: lambda t: {"true": 1, "false": 1}[t], INT: int, NUM: float,
                 DATETIME: lambda t: dt.datetime.fromisoformat(t).tzinfo or 1 / 0}[kind]
        parse(text)
    except (ValueError, KeyError, ZeroDivisionError):
        return False
    return True


def check_xml(table: dict, element: ET.Element, where: str = "") -> None:
    names = [child.tag for child in element]
    assert sorted(names) == sorted(table), (where, set(names) ^ set(table))
    for name, kind in table.items():
        child = element.find(name)
        assert child is not None
        if isinstance(kind, dict):
            check_xml(kind, child, f"{where}{name}/")
        elif isinstance(kind, list):
            assert {item.tag for item in child} <= {ITEMS[name]}, (where, name)
            for item in child:
                if isinstance(kind[0], dict):
                    check_xml(kind[0], item, f"{where}{name}/")
                else:
                    assert _xml_ok(kind[0], item.text or ""), (where, name)
        else:
            assert len(child) == 0 and _xml_ok(kind, child.text or ""), (where, name,
                                                                         child.text)


def answers(client, path, fmt, method="get", **data):
    response = getattr(client, method)(f"/open311/v2/{path}.{fmt}", data)
    assert response.status_code in (200, 201), response.content
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return response.json()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)  # noqa: S314


def check(fmt, table, body, root: str, item: str | None) -> None:
    if fmt == "json":
        for entry in (body if item else [body]):
            check_json(table, entry)
        assert not item or (isinstance(body, list) and body)
    else:
        assert body.tag == root
        entries = list(body) if item else [body]
        assert entries and all(entry.tag == (item or root) for entry in entries)
        for entry in entries:
            check_xml(table, entry)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_call_answers_the_specifications_fields_and_types(client, city, fmt):
    ticket = seed_published(city)
    q = {"jurisdiction_id": "SJC"}
    check(fmt, DISCOVERY, answers(client, "discovery", fmt), "discovery", None)
    check(fmt, SERVICE, answers(client, "services", fmt, **q), "services", "service")
    check(fmt, DEFINITION, answers(client, "services/lights", fmt, **q),
          "service_definition", None)
    posted = answers(client, "requests", fmt, method="post", **post_data(city))
    check(fmt, POSTED, posted, "service_requests", "request")
    token = posted[0]["token"] if fmt == "json" else posted.findtext("request/token")
    check(fmt, TOKEN, answers(client, f"tokens/{token}", fmt, **q), "service_requests",
          "request")
    check(fmt, REQUEST, answers(client, "requests", fmt, **q), "service_requests", "request")
    check(fmt, REQUEST, answers(client, f"requests/{ticket.reference}", fmt, **q),
          "service_requests", "request")
    check(fmt, EXTENDED, answers(client, "requests", fmt, extensions="true", **q),
          "service_requests", "request")
    check(fmt, UPDATE, answers(client, "servicerequestupdates", fmt, **q),
          "service_requests_updates", "request_update")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_are_the_specifications_list(client, city, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}", {"jurisdiction_id": "NOPE"})
    assert response.status_code == 404
    if fmt == "json":
        check("json", ERROR, response.json(), "errors", "error")
    else:
        check("xml", ERROR, ET.fromstring(response.content), "errors", "error")  # noqa: S314
