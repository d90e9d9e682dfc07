"""Every page route of the project's URLconf, and how to fill its path parameters from the world
(tests/world.py).

`iter_routes()` walks the URLconf through its includes (the admin and the API are left to their
own tests); `route_url(route, world)` gives the address of a route with an object of the right
kind for each parameter. A route with parameters that FILL does not know is an error, so a new
page cannot be added without being rendered by tests/gridportal/test_every_page.py.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# The admin and the APIs have tests of their own (tests/grids/test_admin.py, tests/api/, and
# tests/interop/ for Open311).
SKIPPED_PREFIXES = ("admin/", "api/", "open311/")


@dataclass(frozen=True)
class Route:
    name: str  # the name to reverse, with its namespaces: "tickets:detail"
    pattern: str  # the whole pattern, from the site root: "tickets/<int:pk>/"
    params: tuple[str, ...]  # the path parameters, in the order they appear

    def __str__(self) -> str:
        return f"{self.name} (/{self.pattern})"


def iter_routes(patterns: Sequence[Any] | None = None, prefix: str = "",
                namespaces: tuple[str, ...] = ()) -> Iterator[Route]:
    """Every named page route, depth first in URLconf order, through included URLconfs."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = prefix + str(entry.pattern)
        if pattern.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from iter_routes(entry.url_patterns, pattern, inner)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                raise LookupError(f"/{pattern} has no name: name it so it can be reversed")
            converters = getattr(entry.pattern, "converters", {})
            params = tuple(converters) or tuple(entry.pattern.regex.groupindex)
            yield Route(":".join((*namespaces, entry.name)), pattern, params)


def _pk(attribute: str) -> Callable[[Any], dict]:
    return lambda world: {"pk": getattr(world, attribute).pk}


# Route name -> the path parameters of that route, from the world. Every route with parameters
# must be here (see route_kwargs); the object named is one the center staff may see.
FILL: dict[str, Callable[[Any], dict]] = {
    # grids
    "grids:node_detail": lambda w: {"pk": w.community.g5a.pk},
    "grids:node_boundary": lambda w: {"pk": w.community.g5a.pk},
    # residents
    "residents:resident_detail": lambda w: {"pk": w.registry.head_a.pk},
    "residents:resident_edit": lambda w: {"pk": w.registry.head_a.pk},
    "residents:resident_reveal": lambda w: {"pk": w.registry.head_a.pk},
    "residents:colour_map": lambda w: {"pk": w.registry.building_a.pk},
    "residents:household_detail": lambda w: {"pk": w.registry.household_a.pk},
    "residents:household_create": lambda w: {"dwelling_pk": w.registry.dwelling_a.pk},
    "residents:visit_create": lambda w: {"pk": w.registry.household_a.pk},
    "residents:membership_leave": _pk("membership"),
    "residents:visit_photo": lambda w: {"visit_pk": w.visit.pk, "photo_pk": w.visit_photo.pk},
    "residents:transfer_decide": _pk("transfer"),
    # tickets
    "tickets:detail": _pk("ticket"),
    "tickets:act": _pk("ticket"),
    "tickets:photo": lambda w: {"pk": w.ticket.pk, "photo_pk": w.ticket_photo.pk},
    "tickets:task_detail": _pk("ticket"),
    # committees
    "committees:detail": _pk("committee"),
    "committees:member_add": _pk("committee"),
    "committees:member_end_term": lambda w: {"pk": w.committee.pk,
                                             "member_pk": w.contact_member.pk},
    "committees:charter_adopt": _pk("committee"),
    "committees:charter_file": lambda w: {"pk": w.committee.pk, "charter_pk": w.charter.pk},
    "committees:meeting_schedule": _pk("committee"),
    "committees:meeting": _pk("meeting"),
    "committees:meeting_record": _pk("planned_meeting"),
    "committees:meeting_cancel": _pk("planned_meeting"),
    "committees:decision_ticket": lambda w: {"pk": w.meeting.pk, "decision_pk": w.decision.pk},
    "committees:decision_add": _pk("meeting"),
    "committees:attendance": _pk("planned_meeting"),
    "committees:attendance_mark": lambda w: {"pk": w.planned_meeting.pk,
                                             "member_pk": w.member.pk},
    "committees:partner": _pk("partner"),
    "committees:partner_edit": _pk("partner"),
    "committees:resource_create": _pk("partner"),
    "committees:resource_edit": _pk("resource"),
    "committees:service_edit": _pk("service_item"),
    "committees:match_status": _pk("match"),
    "committees:activity": _pk("activity"),
    "committees:activity_photo": lambda w: {"pk": w.activity.pk,
                                            "photo_pk": w.activity_photo.pk},
    "committees:team": _pk("team"),
    "committees:board_approve": _pk("need"),
    "committees:board_keep_off": _pk("need"),
    "committees:board_withdraw": _pk("need"),
    "committees:volunteer_add": _pk("team"),
    "committees:hours_add": _pk("team"),
    # public pages
    "board:board": lambda w: {"code": w.community.community.code},
    "public:track": lambda w: {"token": w.ticket.tracking_token},
    "public:rate": lambda w: {"token": w.ticket.tracking_token},
}

# Pages anyone may open without logging in (every other page sends them to the login page).
PUBLIC = frozenset({"healthz", "favicon", "login", "board:board", "public:report", "public:lookup",
                    "public:track",
                    "public:report_outlines",  # the report map's outlines: shapes and ids only
                    "residents:colours_css"})  # the colour map's palette, a stylesheet


class UnfilledRoute(LookupError):
    """A route whose path parameters the walker does not know how to fill."""


def route_kwargs(route: Route, world: Any) -> dict:
    if not route.params:
        return {}
    if route.name not in FILL:
        raise UnfilledRoute(f"{route} has parameters {route.params}: add it to FILL in "
                           "tests/routes.py (and an object of that kind to tests/world.py)")
    kwargs = FILL[route.name](world)
    if set(kwargs) != set(route.params):
        raise UnfilledRoute(f"{route} takes {route.params}, FILL gives {sorted(kwargs)}")
    return kwargs


def route_url(route: Route, world: Any) -> str:
    return reverse(route.name, kwargs=route_kwargs(route, world))
