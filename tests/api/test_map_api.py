"""The map's data: grid boundaries with their ticket figures, buildings coloured by the house
colour map, and "which grid am I in", all as GeoJSON in WGS-84 and all within the caller's area."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grids import services as grid_services
from grids.models import NodeKind
from grids.selectors import visible_nodes
from tests.grids.factories import (
    GridNodeFactory,
    ServicePointFactory,
    draw_boundaries,
    rectangle,
)
from tests.residents.factories import BuildingFactory, DwellingFactory
from tests.tickets.factories import make_ticket
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db

NODES = "/api/v1/grid-nodes/"
BUILDINGS = "/api/v1/buildings/"
LOCATE = "/api/v1/locate/"


@pytest.fixture
def drawn(community):
    draw_boundaries(community)
    return community


def _geojson(api_client, user, url, **params):
    api_client.force_authenticate(user)
    response = api_client.get(url, {"format": "geojson", **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body


def _features(body) -> dict[str, dict]:
    return {feature["properties"]["name"]: feature for feature in body["features"]}


# --- Grid boundaries ------------------------------------------------------------------------


def test_the_center_staff_get_their_communitys_boundaries_as_features(drawn, api_client):
    body = _geojson(api_client, drawn.center_staff, NODES)
    features = _features(body)
    assert set(features) == {"世纪城社区", "枫丹白鹭片区", "枫丹四级网格", "枫丹第1网格",
                             "枫丹第2网格", "金色年华片区", "金色四级网格", "金色第1网格"}
    g5a = features["枫丹第1网格"]
    assert g5a["id"] == drawn.g5a.pk
    assert g5a["geometry"] == rectangle(102.70, 25.00, 102.715, 25.015)
    assert g5a["properties"]["kind"] == "grid5"
    assert g5a["properties"]["parent"] == drawn.g4a.pk


def test_a_grid_worker_gets_only_their_own_grid(drawn, api_client):
    body = _geojson(api_client, drawn.worker_a, NODES)
    assert list(_features(body)) == ["枫丹第1网格"]


def test_a_node_without_a_boundary_is_left_out(community, api_client):
    draw_boundaries(community, names={"community", "hub1"})
    body = _geojson(api_client, community.center_staff, NODES)
    assert set(_features(body)) == {"世纪城社区", "枫丹白鹭片区"}


def test_each_boundary_carries_its_subtrees_ticket_figures(drawn, api_client):
    make_ticket(actor=drawn.admin, node=drawn.g5a)  # open
    late = make_ticket(actor=drawn.admin, node=drawn.g5a)
    Ticket.objects.filter(pk=late.pk).update(accept_due_at=timezone.now()
                                             - timezone.timedelta(hours=1))
    closed = make_ticket(actor=drawn.admin, node=drawn.g5b)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    make_ticket(actor=drawn.admin, node=drawn.g4x)  # another community's
    features = _features(_geojson(api_client, drawn.center_staff, NODES))
    assert {name: (f["properties"]["open"], f["properties"]["overdue"],
                   f["properties"]["closure_rate"])
            for name, f in features.items() if name.startswith("枫丹")} == {
        "枫丹第1网格": (2, 1, 0.0), "枫丹第2网格": (0, 0, 100.0),
        "枫丹四级网格": (2, 1, 33.3), "枫丹白鹭片区": (2, 1, 33.3)}
    assert features["世纪城社区"]["properties"]["open"] == 2
    assert features["金色第1网格"]["properties"]["closure_rate"] is None


def test_kind_within_and_bbox_narrow_the_boundaries(drawn, api_client):
    grids5 = _geojson(api_client, drawn.center_staff, NODES, kind="grid5")
    assert set(_features(grids5)) == {"枫丹第1网格", "枫丹第2网格", "金色第1网格"}
    hub1 = _geojson(api_client, drawn.center_staff, NODES, within=drawn.hub1.pk)
    assert set(_features(hub1)) == {"枫丹白鹭片区", "枫丹四级网格", "枫丹第1网格", "枫丹第2网格"}
    # A box over the south-east corner of 世纪城 only: G5B, and the nodes above it.
    box = _geojson(api_client, drawn.center_staff, NODES, bbox="102.72,25.001,102.725,25.005")
    assert set(_features(box)) == {"世纪城社区", "枫丹白鹭片区", "枫丹四级网格", "枫丹第2网格"}


def test_the_boundaries_cost_the_same_queries_for_more_grids(drawn, api_client):
    api_client.force_authenticate(drawn.center_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(NODES, {"format": "geojson"}).status_code == 200
        return len(captured)

    before = queries()
    grid_services.node_update(actor=drawn.admin, node=drawn.g5c,
                              boundary=rectangle(102.70, 25.02, 102.73, 25.03))
    for number, west in enumerate((102.70, 102.705, 102.71, 102.715, 102.72, 102.725)):
        node = GridNodeFactory(kind=NodeKind.GRID5, parent=drawn.g4b,
                               name=f"金色第{number + 2}网格")
        grid_services.node_update(actor=drawn.admin, node=node, boundary=rectangle(
            west, 25.015, west + 0.005, 25.02))
    make_ticket(actor=drawn.admin, node=drawn.g5c)
    assert len(_geojson(api_client, drawn.center_staff, NODES)["features"]) == 14
    assert queries() == before


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "102.8,25,102.7,25.1", "0,95,1,96",
                                  "nan,1,2,3"])
def test_a_bad_bbox_is_a_400_naming_it(drawn, api_client, bbox):
    api_client.force_authenticate(drawn.center_staff)
    for url in (NODES, BUILDINGS):
        response = api_client.get(url, {"format": "geojson", "bbox": bbox})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "bbox" in response.json()


# --- Buildings ------------------------------------------------------------------------------


@pytest.fixture
def placed(drawn, registry):
    registry.building_a.latitude, registry.building_a.longitude = (Decimal("25.005"),
                                                                   Decimal("102.705"))
    registry.building_a.save()
    registry.building_b.latitude, registry.building_b.longitude = (Decimal("25.006"),
                                                                   Decimal("102.72"))
    registry.building_b.save()
    BuildingFactory(node=drawn.g4x, estate="六合", name="1栋", latitude=Decimal("25.01"),
                    longitude=Decimal("102.74"))
    BuildingFactory(node=drawn.g5c, estate="金色", name="9栋")  # no point
    return registry


def test_buildings_are_points_coloured_by_the_house_colour_map(placed, drawn, api_client):
    body = _geojson(api_client, drawn.center_staff, BUILDINGS)
    features = _features(body)
    assert set(features) == {"枫丹白鹭1栋", "枫丹白鹭2栋"}
    a, b = features["枫丹白鹭1栋"], features["枫丹白鹭2栋"]
    assert a["geometry"] == {"type": "Point", "coordinates": [102.705, 25.005]}
    assert a["properties"]["node"] == drawn.g5a.pk
    assert a["properties"]["colour"] == "permanent"
    assert b["properties"]["colour"] == "floating"  # a rental with a floating tenant
    assert b["properties"]["colour_hex"].startswith("#")
    assert body["truncated"] is False


def test_a_grid_worker_gets_only_their_grids_buildings(placed, drawn, api_client):
    body = _geojson(api_client, drawn.worker_a, BUILDINGS)
    assert set(_features(body)) == {"枫丹白鹭1栋"}


def test_buildings_in_a_box_and_at_most_the_limit(placed, drawn, api_client):
    box = _geojson(api_client, drawn.center_staff, BUILDINGS, bbox="102.715,25.0,102.73,25.01")
    assert set(_features(box)) == {"枫丹白鹭2栋"}
    DwellingFactory(building=placed.building_b)
    limited = _geojson(api_client, drawn.center_staff, BUILDINGS, limit=1)
    assert len(limited["features"]) == 1 and limited["truncated"] is True


# --- Which grid am I in ---------------------------------------------------------------------


def _locate(api_client, user, **params):
    api_client.force_authenticate(user)
    return api_client.get(LOCATE, params)


def test_locate_answers_the_chain_in_the_callers_area(drawn, api_client):
    body = _locate(api_client, drawn.center_staff, lat=25.005, lon=102.705).json()
    assert [node["name"] for node in body["chain"]] == [
        "枫丹第1网格", "枫丹四级网格", "枫丹白鹭片区", "世纪城社区"]  # not the street above
    assert body["chain"][0] == {"id": drawn.g5a.pk, "name": "枫丹第1网格", "kind": "grid5"}
    assert (body["lat"], body["lon"]) == (25.005, 102.705)


def test_locate_converts_a_phone_maps_gcj02_point(drawn, api_client):
    body = _locate(api_client, drawn.center_staff, lat=24.998526, lon=102.716646,
                   crs="gcj02").json()
    assert body["chain"][0]["name"] == "枫丹第2网格"
    assert body["lat"] == pytest.approx(25.0015, abs=1e-5)
    assert body["lon"] == pytest.approx(102.7152, abs=1e-5)


def test_locate_outside_the_callers_area_names_nobody(drawn, api_client):
    # A point in 六合's grid, asked by 世纪城's staff, and one in G5B asked by G5A's worker.
    assert _locate(api_client, drawn.center_staff, lat=25.01, lon=102.74).json()["chain"] == []
    assert _locate(api_client, drawn.worker_a, lat=25.005, lon=102.72).json()["chain"] == []


@pytest.mark.parametrize(("params", "field"), [
    ({"lon": 102.7}, "lat"),
    ({"lat": 95, "lon": 102.7}, "lat"),
    ({"lat": 25, "lon": "east"}, "lon"),
    ({"lat": 25, "lon": 102.7, "crs": "utm"}, "crs"),
    ({"lat": "nan", "lon": 102.7}, "lat"),
])
def test_locate_names_the_bad_parameter(drawn, api_client, params, field):
    response = _locate(api_client, drawn.center_staff, **params)
    assert response.status_code == 400
    assert field in response.json()


# --- Scope: every map answer, for every person of the community -----------------------------


def test_no_map_answer_carries_anything_outside_the_callers_area(placed, drawn, api_client):
    people = [drawn.worker_a, drawn.worker_b, drawn.hub1_head, drawn.hub2_head,
              drawn.center_staff]
    points = [(25.005, 102.705), (25.005, 102.72), (25.02, 102.71), (25.01, 102.74),
              (25.01, 102.75)]
    for person in people:
        seen = set(visible_nodes(person).values_list("pk", flat=True))
        nodes = _geojson(api_client, person, NODES)["features"]
        assert {feature["id"] for feature in nodes} <= seen, person
        buildings = _geojson(api_client, person, BUILDINGS)["features"]
        assert {feature["properties"]["node"] for feature in buildings} <= seen, person
        for lat, lon in points:
            chain = _locate(api_client, person, lat=lat, lon=lon).json()["chain"]
            assert {node["id"] for node in chain} <= seen, (person, lat, lon)


def test_an_unknown_format_is_a_400_naming_it(drawn, api_client):
    api_client.force_authenticate(drawn.center_staff)
    for url in (NODES, BUILDINGS):
        response = api_client.get(url, {"format": "kml"})
        assert response.status_code == 400
        assert "format" in response.json()


# --- Drawing a boundary through the API -----------------------------------------------------


def test_staff_draw_a_grids_boundary_through_the_api(drawn, api_client):
    api_client.force_authenticate(drawn.admin)
    shape = rectangle(102.70, 25.00, 102.71, 25.01)
    response = api_client.put(f"{NODES}{drawn.g5a.pk}/boundary/", {"boundary": shape},
                              format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["boundary"] == shape
    drawn.g5a.refresh_from_db()
    assert drawn.g5a.boundary == shape


def test_a_bad_boundary_through_the_api_is_a_400_on_the_field_and_keeps_the_old(drawn,
                                                                               api_client):
    api_client.force_authenticate(drawn.admin)
    response = api_client.put(f"{NODES}{drawn.g5a.pk}/boundary/",
                              {"boundary": rectangle(102.70, 25.00, 102.72, 25.01)},
                              format="json")
    assert response.status_code == 400
    assert "枫丹第2网格" in " ".join(response.json()["boundary"])
    drawn.g5a.refresh_from_db()
    assert drawn.g5a.boundary == rectangle(102.70, 25.00, 102.715, 25.015)


def test_a_boundary_outside_the_callers_area_is_not_found(drawn, api_client):
    api_client.force_authenticate(drawn.center_staff)
    response = api_client.put(f"{NODES}{drawn.g4x.pk}/boundary/", {"boundary": None},
                              format="json")
    assert response.status_code == 404
    drawn.g4x.refresh_from_db()
    assert drawn.g4x.boundary is not None


# --- Tickets on the map ---------------------------------------------------------------------

TICKETS = "/api/v1/tickets/"


def _ticket_at(drawn, lat, lon, **fields):
    return make_ticket(actor=drawn.admin, latitude=lat, longitude=lon, **fields)


def test_a_lone_ticket_is_a_point_and_a_crowd_is_one_cluster(drawn, api_client):
    lone = _ticket_at(drawn, 25.0201, 102.7101, title="井盖松动")
    for step in range(5):
        _ticket_at(drawn, 25.0051 + step * 0.00001, 102.7051)
    late = Ticket.objects.filter(latitude__lt=25.01).first()
    Ticket.objects.filter(pk=late.pk).update(accept_due_at=timezone.now()
                                             - timezone.timedelta(hours=1))
    body = _geojson(api_client, drawn.center_staff, TICKETS, bbox="102.70,25.00,102.73,25.03")
    by_count = {f["properties"]["count"]: f for f in body["features"]}
    assert sorted(by_count) == [1, 5]
    point = by_count[1]
    assert point["id"] == lone.pk and point["properties"]["title"] == "井盖松动"
    assert point["geometry"]["coordinates"] == [102.7101, 25.0201]
    cluster = by_count[5]
    assert cluster["properties"]["ticket"] is None and cluster["properties"]["overdue"] == 1
    assert "id" not in cluster
    assert cluster["geometry"]["coordinates"][0] == pytest.approx(102.7051, abs=1e-4)


def test_the_number_of_features_is_bounded_by_the_cells_not_the_tickets(drawn, api_client):
    for row in range(6):
        for col in range(6):
            _ticket_at(drawn, 25.001 + row * 0.002, 102.701 + col * 0.002)
    box = "102.70,25.00,102.715,25.015"
    fine = _geojson(api_client, drawn.center_staff, TICKETS, bbox=box, cells=64)
    coarse = _geojson(api_client, drawn.center_staff, TICKETS, bbox=box, cells=4)
    assert len(fine["features"]) == 36
    assert len(coarse["features"]) <= 25
    assert sum(f["properties"]["count"] for f in coarse["features"]) == 36


def test_the_map_shows_only_tickets_the_caller_may_read(drawn, api_client):
    _ticket_at(drawn, 25.005, 102.705)  # G5A
    _ticket_at(drawn, 25.01, 102.74)  # 六合
    mine = _geojson(api_client, drawn.center_staff, TICKETS)
    assert [f["properties"]["count"] for f in mine["features"]] == [1]
    assert mine["features"][0]["geometry"]["coordinates"] == [102.705, 25.005]
    theirs = _geojson(api_client, drawn.worker_b, TICKETS)  # G5B's worker: neither
    assert theirs["features"] == []


def test_the_heat_map_period_and_filters_apply(drawn, api_client):
    old = _ticket_at(drawn, 25.005, 102.705)
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now()
                                            - timezone.timedelta(days=40))
    _ticket_at(drawn, 25.02, 102.71)
    since = (timezone.localdate() - timezone.timedelta(days=7)).isoformat()
    recent = _geojson(api_client, drawn.center_staff, TICKETS, since=since)
    assert [f["geometry"]["coordinates"] for f in recent["features"]] == [[102.71, 25.02]]
    overdue = _geojson(api_client, drawn.center_staff, TICKETS, overdue="true")
    assert overdue["features"] == []


@pytest.mark.parametrize(("params", "field"), [
    ({"bbox": "1,2,3"}, "bbox"), ({"cells": 1000}, "cells"),
    ({"since": "2026-05-01", "until": "2026-04-01"}, "until"),
])
def test_bad_map_parameters_for_tickets_are_a_400_naming_them(drawn, api_client, params, field):
    api_client.force_authenticate(drawn.center_staff)
    response = api_client.get(TICKETS, {"format": "geojson", **params})
    assert response.status_code == 400
    assert field in response.json()


def test_the_ticket_map_costs_the_same_queries_for_more_tickets(drawn, api_client):
    _ticket_at(drawn, 25.005, 102.705)
    _ticket_at(drawn, 25.02, 102.71)
    api_client.force_authenticate(drawn.center_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(TICKETS, {"format": "geojson"}).status_code == 200
        return len(captured)

    before = queries()
    for step in range(10):
        _ticket_at(drawn, 25.001 + step * 0.001, 102.701 + step * 0.002)
    assert queries() == before


# --- Service points -------------------------------------------------------------------------


def test_service_points_on_the_map_are_those_in_the_callers_area(drawn, api_client):
    ServicePointFactory(node=drawn.g4a, name="枫丹服务点", latitude=Decimal("25.007"),
                        longitude=Decimal("102.71"))
    ServicePointFactory(node=drawn.g4x, name="六合驿站", latitude=Decimal("25.01"),
                        longitude=Decimal("102.74"))
    ServicePointFactory(node=drawn.g4b, name="未定位服务点")  # not placed: not on the map
    body = _geojson(api_client, drawn.center_staff, "/api/v1/service-points/")
    features = _features(body)
    assert set(features) == {"枫丹服务点"}
    point = features["枫丹服务点"]
    assert point["geometry"] == {"type": "Point", "coordinates": [102.71, 25.007]}
    assert point["properties"]["node"] == drawn.g4a.pk
    assert point["properties"]["open_now"] is False  # no opening hours
    assert _geojson(api_client, drawn.worker_a, "/api/v1/service-points/")["features"] == []


def test_the_closure_rate_on_the_map_counts_the_last_thirty_days(drawn, api_client):
    recent = make_ticket(actor=drawn.admin, node=drawn.g5b)
    old = make_ticket(actor=drawn.admin, node=drawn.g5b)
    Ticket.objects.filter(pk=recent.pk).update(status=Status.CLOSED)
    # Received 40 days ago and never closed: history, not this month's work.
    Ticket.objects.filter(pk=old.pk).update(status=Status.RETURNED,
                                            created_at=timezone.now() - timezone.timedelta(days=40))
    features = _features(_geojson(api_client, drawn.center_staff, NODES))
    assert features["枫丹第2网格"]["properties"]["closure_rate"] == 100.0
    # Still open, it is still counted as open work.
    assert features["枫丹第2网格"]["properties"]["open"] == 1
