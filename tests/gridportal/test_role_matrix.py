"""Role x route: every page and every API operation, asked by every role about an object inside
its area and one outside it, answers what the permission matrix (gridportal.permissions) says.

The expectation is computed from the matrix's *data* (which roles a capability is granted to,
with which scope) and from facts about this world (where each person works, which ticket is
routed to whom), not from the code that enforces it:

- a visitor who is not logged in: the public pages, or the login page;
- a role granted the route's capability nowhere: 403;
- an object outside every place where the role holds the capability: 404, as if it did not
  exist; one inside: the page (or, where a page needs more than reading, 403);
- a form that only takes POST: 405 to a GET, once the role may use it.

Each request runs in a transaction rolled back after it, so a role's request never changes what
the next one sees.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import resolve, reverse

from committees import services as committee_services
from committees.models import Position
from gridportal.api import capability_of
from gridportal.permissions import ADMIN, CAPABILITIES, Scope
from grids.models import Assignment, NodeKind, Role
from residents import services as registry_services
from residents.models import Membership, TransferRequest, VisitPhoto, VisitPurpose
from tests.committees.factories import (
    ActivityFactory,
    CommitteeFactory,
    PartnerUnitFactory,
    ResourceFactory,
    ServiceItemFactory,
    VolunteerTeamFactory,
    wish_category,
)
from tests.grids.factories import (
    AssignmentFactory,
    GridNodeFactory,
    ServicePointFactory,
    UserFactory,
)
from tests.residents.factories import DwellingFactory, HouseholdFactory, make_resident
from tests.routes import PUBLIC, iter_routes, route_kwargs
from tests.tickets.factories import category, department, make_ticket
from tests.world import png
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ROLES = (Role.HEAD, Role.WORKER, Role.VOLUNTEER, Role.PROPERTY_STAFF, Role.PARTY_INSTRUCTOR,
         Role.POLICE_OFFICER, Role.DEPARTMENT_LIAISON, Role.CENTER_STAFF, Role.DISPATCHER,
         ADMIN, ANONYMOUS)

# Pages for anyone logged in, whatever their role (their own notices, their own home page, the
# language and logging out).
EVERYONE = {"home": 200, "tickets:inbox": 200, "logout": 405, "set_language": 302,
            "login": 302, "healthz": 200}

# Forms that need no login and take only POST (a resident's rating on the tracking page).
PUBLIC_POST_ONLY = {"public:rate"}

# Pages that send a user elsewhere when called without the object they work on.
REDIRECTS = {"residents:resident_create": 302}


# --- The world: people in every role, and objects inside and outside their area --------------


class Roles:
    """One person per role, each working at a node above (or at) the grid G5A where the inside
    objects are; the outside objects are in the other community, 六合."""

    def __init__(self, community, world):
        self.users = {Role.HEAD: community.hub1_head, Role.WORKER: community.worker_a,
                      Role.CENTER_STAFF: community.center_staff, ADMIN: community.admin}
        placed = {Role.VOLUNTEER: community.g5a, Role.PROPERTY_STAFF: community.hub1,
                  Role.PARTY_INSTRUCTOR: community.g4a, Role.POLICE_OFFICER: community.g4a,
                  Role.DEPARTMENT_LIAISON: community.street,
                  Role.DISPATCHER: community.street}
        for role, node in placed.items():
            user = UserFactory(username=f"role_{role}")
            AssignmentFactory(user=user, node=node, role=role)
            self.users[role] = user
        # The inside ticket: reported by the volunteer, of a category routed to the hub's
        # property staff, whistled to the liaison's department before (and back since).
        self.department = department()
        self.department.liaisons.add(self.users[Role.DEPARTMENT_LIAISON])
        elevator = category("elevator", route_to_kind="hub", route_to_role=Role.PROPERTY_STAFF)
        Ticket.objects.filter(pk=world.ticket.pk).update(
            category=elevator, created_by=self.users[Role.VOLUNTEER])
        world.ticket.summoned_departments.add(self.department)
        world.assignment = Assignment.objects.get(user=community.worker_a, node=community.g5a)


@dataclass
class Place:
    """The nodes the outside objects live in (shaped like the conftest community)."""

    g5a: object
    g5b: object
    community: object


class Outside:
    """One object of every kind the routes name, in another street's community: nobody in
    `Roles` but the administrator works there. Attribute names follow tests/world.py."""

    def __init__(self, community):
        admin = community.admin
        street = GridNodeFactory(kind=NodeKind.STREET, name="别的街道", code="ST2")
        other = GridNodeFactory(kind=NodeKind.COMMUNITY, name="远方社区", code="FAR",
                                parent=street)
        grid = GridNodeFactory(kind=NodeKind.GRID4, name="远方第1网格", code="G4Y", parent=other)
        self.community = Place(g5a=grid, g5b=grid, community=other)
        building = DwellingFactory(building__node=grid, building__estate="六合苑",
                                   building__name="9栋", floor=3, number="301").building
        dwelling = building.dwellings.get()
        household = HouseholdFactory(dwelling=dwelling)
        head = make_resident(admin, household=household, relation="head", name="钱六合",
                             phone="13600006666")
        self.registry = type("Registry", (), {"head_a": head, "building_a": building,
                                              "dwelling_a": dwelling,
                                              "household_a": household})
        self.service_point = ServicePointFactory(node=other, name="六合驿站")
        self.membership = Membership.objects.get(resident=head)
        self.visit = registry_services.visit_create(
            actor=admin, household=household, purpose=VisitPurpose.ROUTINE,
            visited_on=dt.date(2026, 3, 1))
        self.visit_photo = VisitPhoto.objects.create(visit=self.visit, image=png("v.png"))
        self.ticket = make_ticket(node=grid, title="远方的灯")
        self.ticket_photo = self.ticket.photos.create(image=png("t.png"))
        self.need = make_ticket(node=grid, category=wish_category(), title="远方的心愿")
        self.committee = CommitteeFactory(community=other, name="六合居委会")
        self.member = committee_services.member_add(
            committee=self.committee, actor=admin, position=Position.DIRECTOR,
            starts_on=dt.date(2025, 1, 1), resident=head)
        self.contact_member = self.member
        self.charter = committee_services.charter_adopt(
            committee=self.committee, actor=admin, adopted_on=dt.date(2025, 1, 1), text="章程",
            file=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n",
                                    content_type="application/pdf"))
        meeting = committee_services.meeting_schedule(
            committee=self.committee, actor=admin, title="六合议事", held_on=dt.date(2026, 3, 20))
        self.meeting = committee_services.meeting_record(
            meeting=meeting, actor=admin, minutes="议定修灯。", present=[self.member.pk])
        self.planned_meeting = committee_services.meeting_schedule(
            committee=self.committee, actor=admin, title="六合临时会", held_on=dt.date(2099, 1, 1))
        self.decision = committee_services.decision_add(
            meeting=self.meeting, actor=admin, text="修灯", owner=grid,
            due_on=dt.date(2026, 4, 30))
        self.partner = PartnerUnitFactory(community=other, name="六合电网")
        self.resource = ResourceFactory(partner=self.partner, name="六合电工")
        self.service_item = ServiceItemFactory(community=other, name="六合医保")
        self.match = committee_services.match_create(need=self.need, actor=admin,
                                                     service=self.service_item)
        self.activity = ActivityFactory(community=other, held_on=dt.date(2026, 3, 5))
        self.activity_photo = self.activity.photos.create(image=png("a.png"))
        self.team = VolunteerTeamFactory(community=other, name="六合志愿队")
        self.assignment = AssignmentFactory(user=UserFactory(username="far_worker"),
                                            node=grid, role=Role.WORKER)
        self.transfer = TransferRequest.objects.create(
            resident=head, to_node=grid, name_given="钱六合", requested_by=admin)


# --- What the matrix says ---------------------------------------------------------------------


def holds(role: str, code: str) -> bool:
    """Whether the role is granted the capability anywhere (from the matrix's data). Nobody in
    this world was granted a permission for named people (exports, full ID numbers), and only
    the center staff work at a community or above, where a MANAGED grant holds."""
    if role == ADMIN:
        return True
    scope = CAPABILITIES[code].grants.get(role)
    if scope == Scope.MANAGED:
        return role == Role.CENTER_STAFF
    return scope is not None and not CAPABILITIES[code].model_perm


AT_COMMUNITY = (Role.CENTER_STAFF, Role.DISPATCHER, Role.DEPARTMENT_LIAISON)


def reaches(role: str, code: str, kind: str = "") -> bool:
    """Whether the role's grant of `code` covers the inside object (of `kind`), by the facts of
    this world: every person works at or above G5A, in the community 世纪城, and only the center
    staff, the dispatcher and the liaison at the community or above it (where the service point
    is); the inside ticket ("ticket") was reported by the volunteer, is routed to property staff
    and was whistled to the liaison's department (and is no longer there), while the need
    ("need") is nobody's in particular; the inside visit was logged by the grid worker."""
    if role == ADMIN:
        return True
    scope = CAPABILITIES[code].grants.get(role)
    return {
        Scope.SUBTREE: kind != "service_point" or role in AT_COMMUNITY,
        Scope.COMMUNITY: True, Scope.ABOVE: False,
        Scope.MANAGED: role == Role.CENTER_STAFF,
        Scope.ROUTED: kind == "ticket" and role in (Role.VOLUNTEER, Role.PROPERTY_STAFF),
        Scope.SUMMONED: kind == "ticket" and role == Role.DEPARTMENT_LIAISON,
        Scope.DEPARTMENT: False, Scope.OWN: False, None: False,
    }[scope]


def page_kind(route) -> str:
    return "ticket" if route.name.startswith("tickets:") else ""


def page_capability(route) -> str | None:
    match = resolve(reverse(route.name, kwargs=route_kwargs(route, _FillAny())))
    return getattr(match.func, "capability", None)


class _FillAny:
    """Stands in for a world when only the route's view is needed."""

    def __getattr__(self, name):
        return _FillAny()

    pk = 1
    code = "X"
    tracking_token = "x" * 20  # noqa: S105 - not a secret


def _role_free_answer(role: str, route) -> int | None:
    """The answer of a page that does not depend on the matrix: public pages, the login page for
    visitors, and the pages of anyone logged in."""
    if route.name in PUBLIC_POST_ONLY:
        return 405
    if role == ANONYMOUS:
        if route.name in ("logout", "set_language"):
            return EVERYONE[route.name]
        return 200 if route.name in PUBLIC else 302
    if route.name in PUBLIC:
        return 302 if route.name == "login" else 200
    return EVERYONE.get(route.name)


def expected_page(role: str, route, where: str) -> int:
    fixed = _role_free_answer(role, route)
    if fixed is not None:
        return fixed
    code = page_capability(route)
    assert code is not None, f"{route} names no capability (gridportal.permissions.requires)"
    if not holds(role, code):
        return 403
    if route.name in POST_ONLY:
        return 405
    if not route.params:
        return REDIRECTS.get(route.name, 200)
    if where == "outside":
        return 200 if role == ADMIN else 404
    if reaches(role, code, page_kind(route)):
        return 200
    if code in LOOKUP and reaches(role, LOOKUP[code], page_kind(route)):
        return 403
    return 404


POST_ONLY = {
    "residents:resident_reveal", "residents:membership_leave", "residents:transfer_decide",
    "tickets:act", "committees:member_add", "committees:member_end_term",
    "committees:charter_adopt", "committees:meeting_cancel", "committees:decision_ticket",
    "committees:decision_add", "committees:attendance_mark", "committees:match_create",
    "committees:match_status", "committees:team_create", "committees:volunteer_add",
    "committees:hours_add", "committees:meeting_schedule", "committees:board_approve",
    "committees:board_keep_off", "committees:board_withdraw", "committees:committee_create",
    "committees:meeting_record", "committees:create", "committees:partner_create",
    "committees:partner_edit", "committees:resource_create", "committees:service_create",
    "committees:activity_create",
}

# Where a page that changes an object finds it first among those the role may read: reading it
# but not changing it is a 403, not a 404.
LOOKUP = {"committees.manage": "committees.read"}


# --- The walk ---------------------------------------------------------------------------------


@pytest.fixture
def cast(community, world):
    return Roles(community, world)


@pytest.fixture
def outside(community, registry):
    return Outside(community)


def _get(client, url) -> int:
    cache.clear()
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_matrix_says(client, world, cast, outside, role):
    if role != ANONYMOUS:
        client.force_login(cast.users[role])
    client.raise_request_exception = False
    wrong, seen = [], 0
    for route in iter_routes():
        places = [("inside", world)] + ([("outside", outside)] if route.params else [])
        for where, objects in places:
            url = reverse(route.name, kwargs=route_kwargs(route, objects))
            status = _get(client, url)
            seen += 1
            expected = expected_page(role, route, where)
            if status != expected:
                wrong.append(f"{role} GET {url} [{route.name}, {where}]: {status}, "
                             f"the matrix says {expected}")
    assert not wrong, "\n".join(wrong)
    assert seen > 100


# --- The API: every operation of the schema ---------------------------------------------------

# The object an operation's {id} names, by the first segment of its path.
API_OBJECTS = {
    "activities": "activity", "assignments": "assignment", "board-entries": "need",
    "buildings": "registry.building_a", "committees": "committee",
    "dwellings": "registry.dwelling_a", "grid-nodes": "community.g5a",
    "households": "registry.household_a", "meetings": "meeting", "partner-units": "partner",
    "residents": "registry.head_a", "resources": "resource", "service-points": "service_point",
    "services": "service_item", "tickets": "ticket", "visits": "visit",
}
PUBLIC_OPERATIONS = ("/api/v1/public/", "/api/v1/auth/token/")
# Operations of outside systems (an API client's key, interop.clients): no person may use them,
# whatever their role, with a session or a token.
CLIENT_OPERATIONS = ("/api/v1/work-orders/",)
# What the {id} of an operation is, where it matters to whom it is visible (see `reaches`), and
# what it is read as: a board entry is a need, a ticket.
API_KINDS = {"tickets": "ticket", "board-entries": "need", "service-points": "service_point"}
API_READ_AS = {"board-entries": "tickets.read"}
# Operations whose object needs more than the view's capability: recording a committee's
# meetings is for its community's managers (and its director and deputies, none of whom is a
# user in this world).
API_NEEDS = {"/api/v1/meetings/{id}/" + action + "/": "committees.manage"
             for action in ("cancel", "record", "attendance", "decisions")}
WRITES = ("post", "put", "patch")
# Operations that need query parameters to answer at all: a point in the world's grid G5A.
API_QUERIES = {"/api/v1/locate/": "?lat=25.005&lon=102.705"}
# Lists that also answer as GeoJSON for the map: asked both ways, with the same answers.
GEOJSON_LISTS = ("/api/v1/grid-nodes/", "/api/v1/buildings/", "/api/v1/tickets/",
                 "/api/v1/service-points/")


def _object(objects, dotted: str):
    for name in dotted.split("."):
        objects = getattr(objects, name)
    return objects


def _operations() -> list[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method) for path, operations in schema["paths"].items()
            for method in operations if method in ("get", *WRITES, "delete")]


def _api_url(path: str, objects) -> str:
    if "{token}" in path:
        return path.replace("{token}", objects.ticket.tracking_token)
    if "{id}" not in path:
        return path + API_QUERIES.get(path, "")
    resource = path.removeprefix("/api/v1/").split("/")[0]
    path = path.replace("{photo_pk}", str(objects.ticket_photo.pk))  # the ticket's own photo
    return path.replace("{id}", str(_object(objects, API_OBJECTS[resource]).pk))


def _api_capabilities(url: str, method: str) -> tuple[str | None, str | None]:
    """The capability the operation asks (its view's `capabilities`), and the one its objects
    are looked up by (the view's reading capability)."""
    match = resolve(url.split("?")[0])
    view = match.func.cls(action=getattr(match.func, "actions", {}).get(method))
    reading = (getattr(view, "capabilities", None) or {}).get("*")
    return capability_of(view, method), reading


def expected_api(role: str, path: str, method: str, where: str, url: str) -> set[int]:
    """The answers the matrix allows; a write sends an empty body, so "allowed" is any answer
    but a refusal (its validation is the operation's own tests' business)."""
    if path.startswith(PUBLIC_OPERATIONS):
        return {200, 400, 404} if method in WRITES else {200}
    if role == ANONYMOUS or path.startswith(CLIENT_OPERATIONS):
        return {401, 403}
    code, reading = _api_capabilities(url, method)
    assert code is not None, f"{method.upper()} {path} names no capability"
    if not holds(role, code):
        return {403}
    allowed = {200, 201, 202, 400, 409} if method in WRITES else {200}
    if "{id}" not in path:
        return allowed
    if where == "outside":
        return allowed if role == ADMIN else {404}
    resource = path.removeprefix("/api/v1/").split("/")[0]
    kind, reading = API_KINDS.get(resource, ""), API_READ_AS.get(resource, reading)
    if not (reading is None or reaches(role, reading, kind)):
        return {404}
    if reaches(role, API_NEEDS.get(path, code), kind):
        return allowed
    return {403} | ({400} if method in WRITES else set())


def _call(client, method: str, url: str):
    cache.clear()
    with transaction.atomic():
        response = getattr(client, method)(url, {}, format="json") if method in WRITES \
            else getattr(client, method)(url)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_api_operation_answers_each_role_as_the_matrix_says(api_client, world, cast,
                                                                  outside, role):
    if role != ANONYMOUS:
        api_client.force_authenticate(cast.users[role])
    wrong, seen = [], 0
    for path, method in _operations():
        places = [("inside", world)] + ([("outside", outside)] if "{" in path else [])
        for where, objects in places:
            url = _api_url(path, objects)
            expected = expected_api(role, path, method, where, url)
            variants = [url, url + "?format=geojson"] if (path in GEOJSON_LISTS
                                                          and method == "get") else [url]
            for variant in variants:
                status = _call(api_client, method, variant)
                seen += 1
                if status not in expected:
                    wrong.append(f"{role} {method.upper()} {variant} [{where}]: {status}, the "
                                 f"matrix says {sorted(expected)}")
    assert not wrong, "\n".join(wrong)
    assert seen > 90


def expected_post(role: str, route, where: str) -> set[int]:
    """A form that only takes POST, sent empty: refused by role (403) or by place (404, as if
    the object did not exist), otherwise handled (a page, a redirect back with the reason, or a
    403 where the object needs more than reading)."""
    if role == ANONYMOUS:
        return {302}
    code = page_capability(route)
    if not holds(role, code):
        return {403}
    if route.params and where == "outside" and role != ADMIN:
        return {404}
    return {200, 302, 400, 403}


@pytest.mark.parametrize("role", ROLES)
def test_every_form_refuses_a_role_or_a_place_as_the_matrix_says(client, world, cast, outside,
                                                                 role):
    if role != ANONYMOUS:
        client.force_login(cast.users[role])
    client.raise_request_exception = False
    wrong = []
    for route in iter_routes():
        if route.name not in POST_ONLY:
            continue
        places = [("inside", world)] + ([("outside", outside)] if route.params else [])
        for where, objects in places:
            url = reverse(route.name, kwargs=route_kwargs(route, objects))
            cache.clear()
            with transaction.atomic():
                status = client.post(url, {}).status_code
                transaction.set_rollback(True)
            expected = expected_post(role, route, where)
            if status not in expected:
                wrong.append(f"{role} POST {url} [{route.name}, {where}]: {status}, the "
                             f"matrix says {sorted(expected)}")
    assert not wrong, "\n".join(wrong)
