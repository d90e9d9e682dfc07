"""A ticket's point on the map: the building's, or the one the reporter gave, in WGS-84."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.grids.factories import AssignmentFactory, UserFactory, draw_boundaries
from tests.residents.factories import BuildingFactory, DwellingFactory
from tests.tickets.factories import category, make_ticket
from tickets.models import EventKind, Ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_at_a_building_takes_the_buildings_point(community):
    building = BuildingFactory(node=community.g5a, latitude=Decimal("25.005"),
                               longitude=Decimal("102.705"))
    dwelling = DwellingFactory(building=building)
    ticket = make_ticket(actor=community.worker_a, dwelling=dwelling)
    ticket.refresh_from_db()
    assert (ticket.latitude, ticket.longitude) == (Decimal("25.005"), Decimal("102.705"))


def test_a_ticket_at_a_building_without_a_point_keeps_the_reporters(community):
    building = BuildingFactory(node=community.g5a)
    ticket = make_ticket(actor=community.worker_a, building=building,
                         latitude=25.004, longitude=102.704)
    ticket.refresh_from_db()
    assert ticket.node == community.g5a
    assert (ticket.latitude, ticket.longitude) == (Decimal("25.004"), Decimal("102.704"))


def test_a_ticket_with_only_a_grid_has_no_point(community):
    ticket = make_ticket(actor=community.worker_a, node=community.g5a)
    assert ticket.latitude is None and ticket.longitude is None


# --- Routing by place -----------------------------------------------------------------------


def test_a_point_in_a_grid_routes_the_ticket_to_that_grid(community):
    draw_boundaries(community)
    ticket = make_ticket(actor=community.center_staff, latitude=25.005, longitude=102.705)
    assert ticket.node == community.g5a
    assert ticket.owner == community.g5a  # worker_a works there
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.data["located"] == "inside"


def test_a_point_in_an_unstaffed_grid_climbs_as_usual(community):
    draw_boundaries(community)
    ticket = make_ticket(actor=community.center_staff, latitude=25.02, longitude=102.71)
    assert ticket.node == community.g5c
    assert ticket.owner == community.hub2  # nobody at G5C or G4B: the hub's head


def test_a_gcj02_point_from_a_phone_map_is_converted_before_routing(community):
    draw_boundaries(community)
    # WGS-84 (25.0015, 102.7152) lies in G5B, near its south-western corner; a phone's map
    # app gives it as GCJ-02 (24.998526, 102.716646), which read as WGS-84 would lie south of
    # every boundary.
    ticket = make_ticket(actor=community.center_staff, latitude=24.998526, longitude=102.716646,
                         crs="gcj02")
    assert ticket.node == community.g5b
    assert float(ticket.latitude) == pytest.approx(25.0015, abs=1e-5)


def test_a_point_outside_every_grid_goes_to_the_community_with_a_note(community):
    draw_boundaries(community)
    ticket = make_ticket(actor=community.worker_a, latitude=25.2, longitude=102.9)
    assert ticket.node == community.community and ticket.owner == community.community
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.data["located"] == "outside"
    assert created.note == "位置不在任何网格内，由社区分派。"
    assert (ticket.latitude, ticket.longitude) == (Decimal("25.200000"), Decimal("102.900000"))


def test_an_outside_point_goes_to_the_community_the_reporter_works_in(community):
    draw_boundaries(community)
    neighbour = UserFactory(username="lh_worker")
    AssignmentFactory(user=neighbour, node=community.g4x)
    ticket = make_ticket(actor=neighbour, latitude=25.2, longitude=102.9)
    assert ticket.owner == community.other


def test_a_point_in_another_communitys_grid_is_refused_to_a_worker_here(community):
    draw_boundaries(community)
    with pytest.raises(PermissionDenied):
        make_ticket(actor=community.worker_a, latitude=25.01, longitude=102.74)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"latitude": 95, "longitude": 102.7}, "latitude"),
    ({"latitude": 25, "longitude": "east"}, "longitude"),
    ({"latitude": 25}, "longitude"),
    ({"latitude": 25, "longitude": 102.7, "crs": "utm"}, "crs"),
])
def test_bad_coordinates_are_a_field_error_and_nothing_is_saved(community, fields, field):
    draw_boundaries(community)
    with pytest.raises(ValidationError) as caught:
        make_ticket(actor=community.center_staff, **fields)
    assert field in caught.value.message_dict
    assert not Ticket.objects.exists()


def test_the_api_creates_a_ticket_at_a_tapped_point(community, api_client):
    draw_boundaries(community)
    api_client.force_authenticate(community.center_staff)
    response = api_client.post("/api/v1/tickets/", {
        "channel": "patrol", "category": category().pk, "title": "路灯不亮",
        "description": "小区门口路灯坏了", "latitude": 24.998526, "longitude": 102.716646,
        "crs": "gcj02"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["node"] == community.g5b.pk
    assert body["latitude"] == pytest.approx(25.0015, abs=1e-5)


@pytest.mark.parametrize(("fields", "field"), [
    ({"latitude": 95, "longitude": 102.7}, "latitude"),
    ({"latitude": 25, "longitude": 200}, "longitude"),
    ({"latitude": 25}, "longitude"),
    ({"latitude": 25, "longitude": 102.7, "crs": "utm"}, "crs"),
    ({}, "node"),
])
def test_the_api_names_the_bad_coordinate(community, api_client, fields, field):
    api_client.force_authenticate(community.center_staff)
    response = api_client.post("/api/v1/tickets/", {
        "channel": "patrol", "category": category().pk, "title": "路灯不亮",
        "description": "小区门口路灯坏了", **fields}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_a_resident_reporting_a_point_picked_on_the_map_reaches_that_grid(community):
    from tickets import services

    draw_boundaries(community)
    ticket = services.ticket_self_report(
        key="map-point-1", node=None, category=category(), title="路灯不亮",
        description="小区门口路灯坏了", address="", reporter_name="李女士",
        reporter_phone="13800001111", latitude=24.998526, longitude=102.716646, crs="gcj02")
    assert ticket.node == community.g5b and ticket.owner == community.g5b
    assert ticket.events.get(kind=EventKind.CREATED).data["located"] == "inside"


def test_a_point_in_the_community_but_in_no_grid_goes_to_the_community_for_its_worker(
        community):
    draw_boundaries(community, names={"street", "community", "hub1", "g4a", "g5a"})
    # North of hub 1: inside 世纪城, in no grid drawn. G5A's worker may report it there.
    ticket = make_ticket(actor=community.worker_a, latitude=25.02, longitude=102.71)
    assert ticket.owner == community.community
    assert ticket.events.get(kind=EventKind.CREATED).data["located"] == "outside"


def test_a_point_in_another_community_but_in_no_grid_is_refused(community):
    draw_boundaries(community, names={"street", "community", "other"})
    with pytest.raises(PermissionDenied):
        make_ticket(actor=community.worker_a, latitude=25.01, longitude=102.75)
