"""POST requests: a service request becomes a ticket routed like every other, with a link for
the status call-backs, a log row and an Open311 token.

Idempotency: a request with a `device_id` is keyed on the client, the device and the body
(every posted field in a canonical form, the photo's digest included). The same again answers
the first ticket and the first answer (ticket_create's idempotency key decides, also between
two requests in flight), and costs no rate. Without a `device_id` every POST is new.
"""

import hashlib
import json
import math
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.http import HttpRequest

from gridportal.uploads import check_photo
from grids import geometry
from grids.models import GridNode, NodeKind
from grids.phones import normalise_phone
from residents.models import Building
from tickets import services as ticket_services
from tickets.models import Category, Ticket, Whistle
from tickets.selectors import public_categories

from ..clients import ClientRateThrottle
from ..models import ApiClient, LinkSource, Open311Submission, WorkOrderLink
from .errors import Open311Error, bad_request, forbidden
from .publication import Caller

KEY_PREFIX = "o311:"
MAX_DESCRIPTION = 4000  # the specification's limit
MAX_TITLE = 120
ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,40})\]$")
TEXT_FIELDS = ("service_code", "lat", "long", "address_string", "address_id", "description",
               "media_url", "phone", "first_name", "last_name", "email", "device_id",
               "account_id")
URGENT_VALUES = {"yes": Whistle.EMERGENCY, "no": Whistle.ROUTINE}


# --- The service definition (what attribute[...] may say) ------------------------------------


MAX_LISTED_BUILDINGS = 1000  # a community's (新亚洲体育城: ~500); a street's run to thousands


def attributes_of(category: Category, buildings: list[Building]) -> list[dict[str, Any]]:
    """The attributes of a service (the specification's service definition): `urgent` (not for
    a micro-wish), and, for information, the buildings a request may name as `address_id`."""
    attributes: list[dict[str, Any]] = []
    if not category.is_wish:
        attributes.append({
            "variable": True, "code": "urgent", "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "yes: an emergency (应急哨), dealt with at once; "
                                    "no (the default): a routine request (常规哨).",
            "order": 1, "description": "是否紧急 (Is it urgent?)",
            "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]})
    listed = buildings if len(buildings) <= MAX_LISTED_BUILDINGS else []
    attributes.append({
        "variable": False, "code": "address_id", "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "Send the building's key as the request's address_id (not as "
                                "an attribute) to place the request at that building."
                                + ("" if listed or not buildings else
                                   " This jurisdiction has too many buildings to list: ask "
                                   "with a community's jurisdiction_id for its own."),
        "order": len(attributes) + 1, "description": "楼栋 (Building)",
        "values": [{"key": str(building.pk), "name": f"{building.estate}{building.name}"}
                   for building in listed]})
    return attributes


# --- Reading the POST ------------------------------------------------------------------------


@dataclass
class Posted:
    """What the client sent, checked."""

    category: Category
    whistle: str
    title: str
    description: str
    node: GridNode | None = None
    building: Building | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    intake: dict[str, Any] = field(default_factory=dict)


NUL = "\x00"


def check_no_nul(data) -> None:
    """PostgreSQL refuses NUL in text: a field holding one is a 400 naming it (forms and
    serializers refuse it elsewhere; this view reads its fields by hand)."""
    for name, values in data.lists():
        if NUL in name or any(NUL in value for value in values):
            raise bad_request(f"{name.replace(NUL, '')[:50]}: NUL characters are not allowed.")


def _text(data, name: str, limit: int) -> str:
    value = (data.get(name) or "").strip()
    if len(value) > limit:
        raise bad_request(f"{name}: at most {limit} characters.")
    return value


def _category(data) -> Category:
    code = _text(data, "service_code", 30)
    if not code:
        raise bad_request("service_code required.")
    category = public_categories().filter(code=code).first()
    if category is None:
        raise bad_request(f"service_code {code!r} not found.")
    return category


def _attributes(data, category: Category) -> dict[str, str]:
    given: dict[str, str] = {}
    for name in data:
        match = ATTRIBUTE.match(name)
        if match is None:
            if name.startswith("attribute"):
                raise bad_request(f"{name[:50]}: write attributes as attribute[code]=value.")
            continue
        given[match[1]] = (data.get(name) or "").strip()
    for code, value in given.items():
        if code != "urgent" or category.is_wish:
            raise bad_request(f"attribute[{code}]: not an attribute of service "
                              f"{category.code}.")
        if value not in URGENT_VALUES:
            raise bad_request("attribute[urgent]: answer yes or no.")
    return given


def _point(data) -> tuple[float, float] | None:
    raw_lat, raw_lon = _text(data, "lat", 30), _text(data, "long", 30)
    if not raw_lat and not raw_lon:
        return None
    if not raw_lat or not raw_lon:
        raise bad_request(f"{'lat' if not raw_lat else 'long'}: give both lat and long.")
    try:
        return geometry.check_point(lat=float(raw_lat), lon=float(raw_lon))
    except (ValueError, ValidationError):
        raise bad_request("lat, long: write a WGS-84 latitude and longitude in degrees, "
                          "such as lat=25.03&long=102.71.") from None


def _placed_by_point(posted: Posted, point: tuple[float, float], who: Caller) -> None:
    lat, lon = point
    chain = geometry.locate(lon, lat)
    if not any(node.pk == who.node.pk for node in chain):
        raise bad_request("lat, long: the place lies outside jurisdiction "
                          f"{who.node.code}.")
    posted.latitude, posted.longitude = lat, lon
    if not any(node.kind == NodeKind.COMMUNITY for node in chain):
        posted.node = chain[0]  # inside the street, in no community: the street takes it


def _place(data, posted: Posted, who: Caller) -> None:
    """lat+long, address_id (a building) or address_string (a community's own requests)."""
    point = _point(data)
    raw_building = _text(data, "address_id", 20)
    posted.address = _text(data, "address_string", 200)
    if point is not None:
        _placed_by_point(posted, point, who)
    if raw_building:
        building = (Building.objects.filter(
            pk=int(raw_building), node__tree_id=who.node.tree_id,
            node__lft__gte=who.node.lft, node__rght__lte=who.node.rght).select_related("node")
            .first() if raw_building.isascii() and raw_building.isdigit() else None)
        if building is None:
            raise bad_request(f"address_id: no building {raw_building!r} in jurisdiction "
                              f"{who.node.code}.")
        posted.building, posted.node = building, None
        posted.latitude = posted.longitude = None  # the building's own point is kept
        return
    if point is not None:
        return
    if not posted.address:
        raise bad_request("A location is required: lat and long, address_id, or "
                          "address_string.")
    if who.node.kind != NodeKind.COMMUNITY:
        raise bad_request(f"address_string: jurisdiction {who.node.code} is a street; give lat "
                          "and long, or address_id, to say which community.")
    posted.node = who.node


def _reporter(data, posted: Posted) -> None:
    first, last = _text(data, "first_name", 50), _text(data, "last_name", 50)
    posted.reporter_name = f"{last}{first}" if last or first else ""
    if len(posted.reporter_name) > 50:
        raise bad_request("first_name, last_name: at most 50 characters together.")
    raw_phone = _text(data, "phone", 30)
    if raw_phone:
        phone = normalise_phone(raw_phone)
        if phone is None:
            raise bad_request("phone: write an 11-digit mobile number starting with 1, or a "
                              "landline with its area code, such as 0871-12345678.")
        posted.reporter_phone = phone
    email = _text(data, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise bad_request("email: not an e-mail address.") from None
        posted.intake["email"] = email


def _media_url(data) -> str:
    url = _text(data, "media_url", 500)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise bad_request("media_url: write an http or https address.") from None
    return url


def read_post(data, files, who: Caller) -> Posted:
    """The POST's fields checked, or a 400 naming the first wrong one."""
    category = _category(data)
    attributes = _attributes(data, category)
    description = _text(data, "description", MAX_DESCRIPTION)
    if not description:
        raise bad_request("description required: say what the problem is.")
    first_line = next(line.strip() for line in description.splitlines() if line.strip())
    posted = Posted(category=category, whistle=URGENT_VALUES[attributes.get("urgent", "no")],
                    title=first_line[:MAX_TITLE], description=description)
    _place(data, posted, who)
    _reporter(data, posted)
    for name in ("device_id", "account_id"):
        value = _text(data, name, 100)
        if value:
            posted.intake[name] = value
    url = _media_url(data)
    if url:
        posted.intake["media_url"] = url
    if attributes:
        posted.intake["attributes"] = attributes
    return posted


def read_media(files):
    """The `media` file (FixMyStreet's extension), checked as a photo; None when absent."""
    photo = files.get("media")
    if photo is None:
        return None
    try:
        check_photo(photo)
        forms.ImageField().clean(photo)
    except ValidationError:
        raise bad_request("media: attach one photo (JPEG, PNG or WebP) of at most 10 MB.")\
            from None
    photo.seek(0)
    return photo


# --- Idempotency and the rate ----------------------------------------------------------------


def body_digest(data, files) -> str:
    """The request in a canonical form: every posted field but the key, sorted, with the
    photo's SHA-256."""
    fields = {name: sorted(data.getlist(name)) for name in data if name != "api_key"}
    photo = files.get("media")
    if photo is not None:
        digest = hashlib.sha256()
        for chunk in photo.chunks():
            digest.update(chunk)
        photo.seek(0)
        fields["media"] = [digest.hexdigest()]
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def idempotency_key(client: ApiClient, device_id: str, digest: str) -> str:
    if not device_id:
        return ""
    raw = f"{client.prefix}|{device_id}|{digest}"
    return (KEY_PREFIX + hashlib.sha256(raw.encode()).hexdigest())[:64]


def check_rate(request: HttpRequest) -> None:
    """Count a call against its client's rate (`request.auth`) as it is let through, or 429.
    A POST asks only for a new request (a retry, or a request refused before, costs nothing),
    and before making it: counted only once its ticket was made, many sent at once all
    passed while none was counted yet."""
    throttle = ClientRateThrottle()
    if not throttle.allow_request(request, None):
        wait = max(1, math.ceil(throttle.wait() or 1))
        raise Open311Error(429, f"Too many requests with this api_key; wait {wait} s.",
                           retry_after=wait)


# --- Making the ticket -----------------------------------------------------------------------


@dataclass
class Outcome:
    ticket: Ticket
    token: str
    new: bool


@transaction.atomic
def request_submit(*, client: ApiClient, posted: Posted, key: str, digest: str, photo,
                   remote_addr: str | None) -> Outcome:
    """The ticket of the request (the first one again for a retry), its call-back link, and
    the log row of this POST."""
    ticket = ticket_services.ticket_create(
        actor=None, channel=client.channel, category=posted.category, title=posted.title,
        description=posted.description, whistle=posted.whistle, node=posted.node,
        building=posted.building, address=posted.address, reporter_name=posted.reporter_name,
        reporter_phone=posted.reporter_phone, latitude=posted.latitude,
        longitude=posted.longitude, idempotency_key=key,
        payload_for_digest={"body": digest} if key else None,
        intake={"open311": posted.intake} if posted.intake else None)
    _link, new = WorkOrderLink.objects.get_or_create(
        ticket=ticket, defaults={"client": client, "number": ticket.reference,
                                 "source": LinkSource.OPEN311})
    token = secrets.token_urlsafe(24) if new else first_token(ticket)
    if new and photo is not None:
        ticket_services.ticket_photo_add(ticket=ticket, actor=None, photo=photo)
    log(client=client, key_prefix=client.prefix, status_code=201 if new else 200,
        ticket=ticket, token=token if new else None, remote_addr=remote_addr,
        device_id=posted.intake.get("device_id", ""),
        account_id=posted.intake.get("account_id", ""))
    return Outcome(ticket=ticket, token=token, new=new)


def first_token(ticket: Ticket) -> str:
    row = (Open311Submission.objects.filter(ticket=ticket, token__isnull=False)
           .order_by("pk").first())
    return row.token if row is not None and row.token else ""


def log(*, client: ApiClient | None, key_prefix: str, status_code: int, error: str = "",
        ticket: Ticket | None = None, token: str | None = None, remote_addr: str | None = None,
        device_id: str = "", account_id: str = "") -> Open311Submission:
    def clean(value: str, limit: int) -> str:  # the refused request may carry NUL
        return value.replace(NUL, "")[:limit]

    return Open311Submission.objects.create(
        client=client, key_prefix=clean(key_prefix, 8), status_code=status_code,
        error=clean(error, 300), ticket=ticket, token=token, remote_addr=remote_addr,
        device_id=clean(device_id, 100), account_id=clean(account_id, 100))


def check_client(who: Caller) -> ApiClient:
    """The client of a POST: one whose key is given, that may post Open311 requests, to this
    jurisdiction."""
    client = who.client
    if client is None:
        raise forbidden("api_key required.")
    if not client.open311:
        raise forbidden("This api_key may not post Open311 requests.")
    if not who.covers(who.node):
        raise forbidden(f"This api_key may not post to jurisdiction {who.node.code}.")
    return client


def check_location_scope(who: Caller, posted: Posted) -> None:
    place = posted.building.node if posted.building is not None else posted.node
    if place is not None and not who.covers(place):
        raise forbidden("This api_key may not post requests at that place.")
