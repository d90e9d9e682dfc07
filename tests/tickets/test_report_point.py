"""A place picked on a map: the resident's on the public report page, the grid worker's phone
location on the patrol report. The point routes the ticket to the grid whose boundary holds it."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.grids.factories import draw_boundaries
from tickets.forms_public import PLACE_MISSING, POINT_ERROR, POINT_OUTSIDE
from tickets.models import Channel, Ticket

from .test_public import form_key, lights, report_data, text, zh  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

IN_G5B = {"latitude": "25.005", "longitude": "102.72"}  # G5B: east half of hub 1


@pytest.fixture(autouse=True)
def _fresh_rate_limits(fresh_rate_limits):
    yield


def send(client, community, lights, **changes):  # noqa: F811
    return client.post(reverse("public:report"),
                       report_data(community, lights, form_key(client), **changes))


def test_a_point_picked_on_the_map_routes_the_report_to_the_grid_holding_it(
        client, community, lights):  # noqa: F811
    draw_boundaries(community)
    response = send(client, community, lights, node="", **IN_G5B)

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.SELF_REPORT
    assert ticket.node == community.g5b
    assert (ticket.latitude, ticket.longitude) == (Decimal("25.005000"), Decimal("102.720000"))


def test_the_point_wins_over_a_grid_chosen_in_the_list(client, community, lights):  # noqa: F811
    draw_boundaries(community)
    send(client, community, lights, node=community.g5a.pk, **IN_G5B)
    assert Ticket.objects.get().node == community.g5b


def test_a_report_without_a_point_still_goes_to_the_grid_chosen(
        client, community, lights):  # noqa: F811
    draw_boundaries(community)
    response = send(client, community, lights, latitude="", longitude="")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.node == community.g5a and ticket.latitude is None


def test_neither_a_point_nor_a_grid_asks_for_one(client, community, lights):  # noqa: F811
    response = send(client, community, lights, node="")
    assert response.status_code == 200
    assert zh(PLACE_MISSING) in text(response)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("point", [
    {"latitude": "abc", "longitude": "102.72"},
    {"latitude": "95", "longitude": "102.72"},
    {"latitude": "25.005", "longitude": ""},
    {"latitude": "nan", "longitude": "inf"},
])
def test_a_bad_point_is_a_clear_form_error(client, community, lights, point):  # noqa: F811
    draw_boundaries(community)
    response = send(client, community, lights, **point)
    assert response.status_code == 200
    assert zh(POINT_ERROR) in text(response)
    assert "地图" in zh(POINT_ERROR)
    assert not Ticket.objects.exists()


def test_a_point_outside_every_grid_with_no_grid_chosen_asks_for_the_list(
        client, community, lights):  # noqa: F811
    draw_boundaries(community)
    response = send(client, community, lights, node="", latitude="26.5", longitude="103.5")
    assert response.status_code == 200
    assert zh(POINT_OUTSIDE) in text(response)
    assert not Ticket.objects.exists()


def test_a_point_outside_every_grid_keeps_the_grid_chosen_and_the_point(
        client, community, lights):  # noqa: F811
    draw_boundaries(community)
    send(client, community, lights, latitude="26.5", longitude="103.5")
    ticket = Ticket.objects.get()
    assert ticket.node == community.g5a
    assert ticket.latitude == Decimal("26.500000")


def test_the_report_page_carries_the_small_map_and_its_hidden_point(client, community):
    page = text(client.get(reverse("public:report")))
    assert 'id="pick-map"' in page
    assert 'type="hidden" name="latitude"' in page and 'type="hidden" name="longitude"' in page
    assert reverse("public:report_outlines") in page


def test_the_public_outlines_carry_shapes_and_ids_only(client, community):
    draw_boundaries(community)
    response = client.get(reverse("public:report_outlines"))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    ids = {feature["properties"]["id"] for feature in body["features"]}
    # The places a report may name that have a boundary; no street, nothing inactive.
    assert community.g5b.pk in ids and community.community.pk in ids
    assert community.street.pk not in ids
    for feature in body["features"]:
        assert set(feature) == {"type", "id", "geometry", "properties"}
        assert set(feature["properties"]) == {"id", "depth"}
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    raw = json.dumps(body, ensure_ascii=False)
    assert community.g5b.name not in raw


def test_the_public_outlines_need_no_login_and_leave_out_inactive_places(client, community):
    draw_boundaries(community)
    community.g5b.active = False
    community.g5b.save(update_fields=["active"])
    ids = {f["properties"]["id"] for f in client.get(reverse("public:report_outlines")).json()[
        "features"]}
    assert community.g5b.pk not in ids and community.g5a.pk in ids


# --- The grid worker's patrol report takes the phone's location ----------------------------


def patrol(client, community, **changes):
    data = {"category": category_pk(), "node": community.g5a.pk, "title": "井盖缺失",
            "whistle": "routine", "address": ""}
    return client.post(reverse("tickets:quick_report"), {**data, **changes})


def category_pk() -> int:
    from .factories import category
    return category().pk


def test_a_patrol_report_with_the_phones_location_is_routed_by_that_place(community, login):
    draw_boundaries(community)
    client = login(community.hub1_head)
    response = patrol(client, community, node=community.hub1.pk, **IN_G5B)  # the list: hub 1
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.channel == Channel.PATROL
    assert ticket.node == community.g5b
    assert (ticket.latitude, ticket.longitude) == (Decimal("25.005000"), Decimal("102.720000"))


def test_a_patrol_report_without_a_location_goes_to_the_grid_chosen(community, login):
    draw_boundaries(community)
    client = login(community.worker_a)
    patrol(client, community, latitude="", longitude="")
    ticket = Ticket.objects.get()
    assert ticket.node == community.g5a and ticket.latitude is None


def test_a_bad_phone_location_is_a_clear_form_error(community, login):
    client = login(community.worker_a)
    response = patrol(client, community, latitude="north", longitude="102.72")
    assert response.status_code == 200
    assert "当前位置" in text(response) and "无法读取" in text(response)
    assert not Ticket.objects.exists()


def test_a_location_outside_the_workers_grids_is_a_form_error_not_a_crash(community, login):
    draw_boundaries(community)
    client = login(community.worker_a)  # works in G5A only
    response = patrol(client, community, **IN_G5B)
    assert response.status_code == 200
    assert "不在您负责的网格内" in text(response)
    assert not Ticket.objects.exists()


def test_the_patrol_report_offers_the_current_location(community, login):
    page = text(login(community.worker_a).get(reverse("tickets:quick_report")))
    assert 'id="use-here"' in page and 'name="latitude"' in page
    assert reverse("api-locate") in page


# --- The same through the public API ------------------------------------------------------


def api_report(community, lights, key, **changes):  # noqa: F811
    from .test_public import api_submit
    return api_submit(community, lights, key, **changes)


def test_the_public_api_takes_a_point_instead_of_a_grid(community, lights):  # noqa: F811
    draw_boundaries(community)
    response = api_report(community, lights, "k" * 20, node=None, latitude=25.005,
                          longitude=102.72)
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert ticket.node == community.g5b and ticket.latitude == Decimal("25.005000")


def test_the_public_api_converts_a_gcj02_point(community, lights):  # noqa: F811
    draw_boundaries(community)
    # WGS-84 (25.0015, 102.7152), in G5B, as a phone's map app gives it in GCJ-02.
    response = api_report(community, lights, "g" * 20, node=None, latitude=24.998526,
                          longitude=102.716646, crs="gcj02")
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert ticket.node == community.g5b
    assert float(ticket.latitude) == pytest.approx(25.0015, abs=1e-5)


@pytest.mark.parametrize(("changes", "field"), [
    ({"latitude": 95, "longitude": 102.72}, "latitude"),
    ({"latitude": 25.005}, "longitude"),
    ({"latitude": 25.005, "longitude": 102.72, "crs": "mars"}, "crs"),
    ({"node": None, "latitude": 26.5, "longitude": 103.5}, "node"),
    ({"node": None}, "node"),
])
def test_the_public_api_answers_a_bad_point_with_400_naming_the_field(
        community, lights, changes, field):  # noqa: F811
    draw_boundaries(community)
    response = api_report(community, lights, "b" * 20, **changes)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Ticket.objects.exists()


def test_the_public_outlines_are_the_places_the_list_offers_in_one_query(
        client, community, django_assert_num_queries):
    draw_boundaries(community)
    community.community.active = False  # a community closed: its grids leave the list too
    community.community.save(update_fields=["active"])
    with django_assert_num_queries(1):
        body = client.get(reverse("public:report_outlines")).json()
    ids = {feature["properties"]["id"] for feature in body["features"]}
    assert community.g5a.pk not in ids and community.hub1.pk not in ids
    assert community.g4x.pk in ids  # the other community's grid stays
