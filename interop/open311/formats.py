"""The two formats of every call. JSON: the data as it is (a list at the top for the list
calls, as the specification shows). XML: a root element named as the specification's examples
(`services`, `service_definition`, `service_requests`, `errors`, `discovery`...), list items
named by LIST_ITEMS, booleans as true/false, a missing value as an empty element. Built with
xml.etree.ElementTree, so every text is escaped."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - writing XML only, never parsing it
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# A list under this name holds elements of that name (the specification's XML examples, and
# FixMyStreet's for the updates).
LIST_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests_updates": "request_update",
}


# Characters XML 1.0 cannot carry, escaped or not (C0 controls but tab and newlines, lone
# surrogates, U+FFFE/U+FFFF): ElementTree would write them and the answer would not parse.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def w3c(moment: dt.datetime | None) -> str | None:
    """A W3C datetime with the local offset, to the second (2026-12-07T19:30:00+08:00)."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), key, inner)
    elif isinstance(value, list | tuple):
        item = LIST_ITEMS[name]
        for inner in value:
            _fill(ET.SubElement(element, item), item, inner)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_default).encode()


def render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response
