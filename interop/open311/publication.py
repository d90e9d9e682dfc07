"""Who asks, in which jurisdiction, and what is published to them.

A jurisdiction is a street or community (its node code is `jurisdiction_id`); its requests are
the tickets located in its subtree, internal categories left out. What a request shows is what
the tracking page shows (tickets.views.public.public_view): category, status, public notes, the
owning grid, dates, a coarse place and public photos. Never the reporter, their phone or e-mail,
the dwelling, the free-text place or the full description (it may carry names and phones: the
title stands in for it), nor an internal note.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import shapely
from django.core import signing
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from shapely.geometry import shape

from grids.models import GridNode
from tickets.models import FINAL_STATUSES, Ticket, TicketEvent, TicketPhoto

from ..clients import client_for_key
from ..models import JURISDICTION_KINDS, ApiClient, Jurisdiction
from .errors import bad_request, forbidden, not_found
from .formats import w3c

MEDIA_SALT = "interop.open311.media"


@dataclass
class Caller:
    """The jurisdiction asked about, and the API client asking (None: anyone)."""

    node: GridNode
    client: ApiClient | None
    client_roots: list[GridNode]

    def covers(self, node: GridNode) -> bool:
        return any(root.tree_id == node.tree_id and root.lft <= node.lft
                   and root.rght >= node.rght for root in self.client_roots)


def jurisdiction(code: str) -> GridNode:
    """The street or community of that code; with no code, the portal's only street or
    community at the root of a tree (400 when there are several)."""
    nodes = GridNode.objects.filter(kind__in=JURISDICTION_KINDS, active=True).defer("boundary")
    if not code:
        roots = list(nodes.filter(parent__isnull=True)[:2])
        if len(roots) != 1:
            raise bad_request("jurisdiction_id required: this server serves several "
                              "jurisdictions (street or community codes).")
        return roots[0]
    found = nodes.filter(code=code[:40]).first() if len(code) <= 40 else None
    if found is None:
        raise not_found(f"jurisdiction_id {code[:40]!r} not found.")
    return found


def api_client(key: str, *, required: bool) -> ApiClient | None:
    """The client of the key; 403 when the key is missing (and required), unknown, revoked or
    expired."""
    if not key:
        if required:
            raise forbidden("api_key required.")
        return None
    client = client_for_key(key)
    if client is None:
        raise forbidden("api_key unknown, revoked or expired.")
    return client


def caller(request: HttpRequest, data, *, key_required: bool = False) -> Caller:
    node = jurisdiction((data.get("jurisdiction_id") or "").strip())
    client = api_client((data.get("api_key") or "").strip(), required=key_required)
    roots = list(client.jurisdictions.defer("boundary")) if client is not None else []
    return Caller(node=node, client=client, client_roots=roots)


# --- Which tickets ---------------------------------------------------------------------------


def _in_subtree(node: GridNode, prefix: str = "node__") -> Q:
    return Q(**{f"{prefix}tree_id": node.tree_id, f"{prefix}lft__gte": node.lft,
                f"{prefix}rght__lte": node.rght})


def published_tickets(who: Caller) -> QuerySet[Ticket]:
    """The tickets of the jurisdiction that `who` may read. A jurisdiction (or one above it)
    that does not publish answers 403 unless the caller is one of its API clients; a
    community below it that does not publish is left out for the others."""
    node = who.node
    closed = list(Jurisdiction.objects.filter(publish_requests=False,
                                              node__tree_id=node.tree_id)
                  .select_related("node").defer("node__boundary"))
    tickets = Ticket.objects.filter(_in_subtree(node), category__internal=False)
    for row in closed:
        off = row.node
        if who.covers(off):
            continue
        if off.lft <= node.lft and off.rght >= node.rght:
            raise forbidden(f"Jurisdiction {node.code} does not publish its requests; ask "
                            "with the api_key of one of its clients.")
        if node.lft < off.lft and off.rght < node.rght:
            tickets = tickets.exclude(_in_subtree(off))
    return tickets


def with_public_parts(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Everything a published request needs, in a fixed number of queries."""
    return tickets.select_related("category", "owner", "building").prefetch_related(
        Prefetch("events", queryset=TicketEvent.objects.filter(public=True)
                 .order_by("created_at", "pk"), to_attr="public_events"),
        Prefetch("photos", queryset=TicketPhoto.objects.filter(public=True).order_by("pk"),
                 to_attr="public_photos"),
    )


def status_of(status: str) -> str:
    return "closed" if status in FINAL_STATUSES else "open"


# --- What of them ----------------------------------------------------------------------------


def media_url(request: HttpRequest, photo: TicketPhoto) -> str:
    token = signing.dumps(photo.pk, salt=MEDIA_SALT, compress=True)
    return request.build_absolute_uri(reverse("open311:media", args=[token]))


def photo_for_token(token: str) -> TicketPhoto:
    """The public photo of a signed media_url; 404 for anything else."""
    try:
        pk = signing.loads(token, salt=MEDIA_SALT)
    except signing.BadSignature:
        raise not_found("No such media.") from None
    photo = (TicketPhoto.objects.filter(pk=pk, public=True, ticket__category__internal=False)
             .first())
    if photo is None:
        raise not_found("No such media.")
    return photo


class Places:
    """The coarse point of each owning grid (its boundary's representative point), computed
    once per grid."""

    def __init__(self) -> None:
        self._points: dict[int, tuple[float, float] | None] = {}

    def grid_point(self, grid: GridNode) -> tuple[float, float] | None:
        if grid.pk not in self._points:
            point = None
            if grid.boundary:
                try:
                    inner = shape(grid.boundary).representative_point()
                    point = (round(inner.y, 6), round(inner.x, 6))
                except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError):
                    point = None
            self._points[grid.pk] = point
        return self._points[grid.pk]

    def of(self, ticket: Ticket) -> dict[str, Any]:
        building = ticket.building
        if building is not None:
            point = ((float(building.latitude), float(building.longitude))
                     if building.latitude is not None and building.longitude is not None
                     else self.grid_point(ticket.owner))
            return {"address": f"{building.estate}{building.name}",
                    "address_id": str(building.pk), "point": point}
        return {"address": ticket.owner.name, "address_id": None,
                "point": self.grid_point(ticket.owner)}


def last_public_change(ticket: Ticket) -> dt.datetime:
    """When the request last changed as the public sees it: its latest public step (an internal
    comment or reassignment moves `updated_at`, and must not show through)."""
    events = ticket.public_events  # type: ignore[attr-defined]
    return events[-1].created_at if events else ticket.created_at


# Public steps whose note is the resident's own words (the rating's comment): the tracking
# page shows them to the resident who holds its link; Open311 publishes to anyone.
RESIDENT_WORDS = ("rate",)


def public_note(event: TicketEvent) -> str:
    """The note of a public step as published: the staff's, never the resident's words."""
    return "" if event.action in RESIDENT_WORDS else event.note


def status_notes(ticket: Ticket) -> str:
    notes = [public_note(event) for event in ticket.public_events  # type: ignore[attr-defined]
             if public_note(event).strip()]
    return notes[-1] if notes else ""


def service_notice(ticket: Ticket, events: list[TicketEvent] | None = None) -> str:
    """Who took the request when it came in (the same words for a retry of its POST)."""
    events = ticket.public_events if events is None else events  # type: ignore[attr-defined]
    owner = events[0].data.get("owner") if events else None
    return f"Received; {owner or ticket.owner.name} handles it."


def grid_paths(tickets: list[Ticket]) -> dict[int, str]:
    """Each owner's path from its jurisdiction root down (one query for them all)."""
    owners = {ticket.owner_id: ticket.owner for ticket in tickets}
    if not owners:
        return {}
    around = Q(pk__in=[])
    for owner in owners.values():
        around |= Q(tree_id=owner.tree_id, lft__lte=owner.lft, rght__gte=owner.rght)
    chain = list(GridNode.objects.filter(around).defer("boundary").order_by("tree_id", "lft"))
    return {pk: " / ".join(node.name for node in chain if node.tree_id == owner.tree_id
                           and node.lft <= owner.lft and node.rght >= owner.rght)
            for pk, owner in owners.items()}


def request_view(request: HttpRequest, ticket: Ticket, places: Places,
                 extended: dict[int, str] | None = None) -> dict[str, Any]:
    """One published request: the fields of the specification's GET Service Request, in its
    order; `extended` (the owners' grid paths) adds FixMyStreet's `extended_attributes`."""
    place = places.of(ticket)
    point = place["point"]
    photos = ticket.public_photos  # type: ignore[attr-defined]
    view: dict[str, Any] = {
        "service_request_id": ticket.reference,
        "status": status_of(ticket.status),
        "status_notes": status_notes(ticket),
        "service_name": ticket.category.name,
        "service_code": ticket.category.code,
        "description": ticket.title,
        "agency_responsible": ticket.owner.name,
        "service_notice": service_notice(ticket),
        "requested_datetime": w3c(ticket.created_at),
        "updated_datetime": w3c(last_public_change(ticket)),
        "expected_datetime": w3c(ticket.resolve_due_at),
        "address": place["address"],
        "address_id": place["address_id"],
        "zipcode": "",
        "lat": point[0] if point else None,
        "long": point[1] if point else None,
        "media_url": media_url(request, photos[0]) if photos else "",
    }
    if extended is not None:
        view["extended_attributes"] = {
            "whistle": ticket.whistle,
            "whistle_name": str(ticket.get_whistle_display()),
            "status_detail": ticket.status,
            "grid_path": extended.get(ticket.owner_id, ticket.owner.name),
            "public_events": len(ticket.public_events),  # type: ignore[attr-defined]
        }
    return view


def update_view(request: HttpRequest, event: TicketEvent) -> dict[str, Any]:
    """One public step of a published request (FixMyStreet's servicerequestupdates)."""
    photos = event.public_photos  # type: ignore[attr-defined]
    return {
        "update_id": str(event.pk),
        "service_request_id": event.ticket.reference,
        "status": status_of(event.to_status or event.ticket.status),
        "updated_datetime": w3c(event.created_at),
        "description": public_note(event),
        "media_url": media_url(request, photos[0]) if photos else "",
    }


def requested_between(tickets: QuerySet[Ticket], start: dt.datetime, end: dt.datetime
                      ) -> QuerySet[Ticket]:
    return tickets.filter(created_at__gte=start, created_at__lte=end)
