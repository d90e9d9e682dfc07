"""Grid boundaries: a valid shape, children inside their parent, neighbours not overlapping, and
the same rules whether the boundary comes through the service, the admin form or the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grids import geometry, services
from grids.models import GridNode
from tests.grids.factories import draw_boundaries, rectangle

pytestmark = pytest.mark.django_db

BOWTIE = {"type": "Polygon", "coordinates": [[[102.70, 25.00], [102.71, 25.01],
                                              [102.71, 25.00], [102.70, 25.01],
                                              [102.70, 25.00]]]}


def _set(community, name, boundary):
    return services.node_update(actor=community.admin, node=getattr(community, name),
                                boundary=boundary)


def _boundary_error(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return " ".join(caught.value.message_dict["boundary"])


def test_a_drawn_boundary_is_kept_as_geojson(community):
    node = _set(community, "g5a", rectangle(102.70, 25.00, 102.715, 25.015))
    node.refresh_from_db()
    assert node.boundary["type"] == "Polygon"
    assert node.boundary["coordinates"][0][0] == [102.70, 25.00]


def test_a_feature_is_stored_as_its_geometry(community):
    feature = {"type": "Feature", "properties": {"name": "x"},
               "geometry": rectangle(102.70, 25.00, 102.715, 25.015)}
    node = _set(community, "g5a", feature)
    assert node.boundary == rectangle(102.70, 25.00, 102.715, 25.015)


def test_a_self_intersecting_boundary_is_refused_in_chinese(community):
    message = _boundary_error(lambda: _set(community, "g5a", BOWTIE))
    assert "不能相互交叉" in message
    community.g5a.refresh_from_db()
    assert community.g5a.boundary is None


@pytest.mark.parametrize("value", [
    {"type": "Point", "coordinates": [102.7, 25.0]},
    {"type": "Polygon", "coordinates": "nonsense"},
    {"type": "Polygon", "coordinates": [[[25.0, 182.0], [25.1, 182.0], [25.1, 182.1],
                                         [25.0, 182.0]]]},
    {"type": "Polygon", "coordinates": [[[102.7, 25.0], [102.8, 25.0]]]},
    {"type": "Polygon", "coordinates": [[[102.7, 25.0], [102.8, 25.0], [102.9, 25.0],
                                         [102.7, 25.0]]]},
    "a polygon",
])
def test_a_boundary_that_is_not_a_polygon_is_a_field_error(community, value):
    assert _boundary_error(lambda: _set(community, "g5a", value))


def test_a_child_reaching_outside_its_parent_is_refused(community):
    draw_boundaries(community, names={"street", "community", "hub1", "g4a"})
    message = _boundary_error(
        lambda: _set(community, "g5a", rectangle(102.70, 25.00, 102.715, 25.02)))
    assert "枫丹四级网格" in message and "超出" in message


def test_a_parent_cannot_shrink_away_from_its_child(community):
    draw_boundaries(community, names={"g4a", "g5a"})
    message = _boundary_error(
        lambda: _set(community, "g4a", rectangle(102.70, 25.00, 102.71, 25.015)))
    assert "枫丹第1网格" in message


def test_neighbouring_grids_may_not_overlap_beyond_the_tolerance(community):
    draw_boundaries(community, names={"g5a"})
    # G5B reaching 10 % of its width into G5A is an overlap.
    message = _boundary_error(
        lambda: _set(community, "g5b", rectangle(102.7135, 25.00, 102.73, 25.015)))
    assert "枫丹第1网格" in message and "重叠" in message


def test_a_hand_drawn_shared_edge_within_the_tolerance_is_accepted(community):
    draw_boundaries(community, names={"g5a"})
    # 0.5 % of the smaller area: a slightly wobbly common edge.
    node = _set(community, "g5b", rectangle(102.714925, 25.00, 102.73, 25.015))
    assert node.boundary is not None
    assert geometry.SIBLING_OVERLAP_TOLERANCE == 0.01


def test_moving_a_grid_under_a_parent_it_lies_outside_is_refused(community):
    draw_boundaries(community, names={"g4a", "g5a", "g4b"})
    with pytest.raises(ValidationError):
        services.node_move(actor=community.admin, node=community.g5a, target=community.g4b)
    community.refresh()
    assert community.g5a.parent == community.g4a


def _edit_in_admin(client, node, boundary: str):
    empty_inlines = {f"{name}-{count}": "0" for name in ("assignments", "service_points")
                     for count in ("TOTAL_FORMS", "INITIAL_FORMS")}
    return client.post(reverse("admin:grids_gridnode_change", args=[node.pk]), {
        "parent": node.parent_id, "kind": node.kind, "name": node.name, "code": node.code,
        "coverage": "", "boundary": boundary, "active": "on", **empty_inlines})


def test_the_admin_form_shows_a_bad_boundary_on_its_field(community, login):
    client = login(community.admin)
    import json

    response = _edit_in_admin(client, community.g5a, json.dumps(BOWTIE))
    assert response.status_code == 200
    body = response.content.decode()
    assert "不能相互交叉" in body
    assert GridNode.objects.get(pk=community.g5a.pk).boundary is None


def test_the_admin_form_saves_a_good_boundary(community, login):
    import json

    client = login(community.admin)
    response = _edit_in_admin(client, community.g5a,
                              json.dumps(rectangle(102.70, 25.00, 102.715, 25.015)))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert GridNode.objects.get(pk=community.g5a.pk).boundary["type"] == "Polygon"


@pytest.mark.parametrize(("crs", "lat", "lon"), [
    # 世纪城 as 高德 (GCJ-02) and 百度 (BD-09) would give it; WGS-84 is 25.0, 102.7.
    ("gcj02", 24.997004, 102.701415),
    ("bd09", 25.003182, 102.707891),
])
def test_chinese_map_coordinates_are_converted_to_wgs84(crs, lat, lon):
    wgs_lat, wgs_lon = geometry.to_wgs84(lat=lat, lon=lon, crs=crs)
    assert wgs_lat == pytest.approx(25.0, abs=2e-5)
    assert wgs_lon == pytest.approx(102.7, abs=2e-5)


def test_wgs84_is_kept_as_it_is_and_an_unknown_system_is_a_field_error():
    assert geometry.to_wgs84(lat=25.0, lon=102.7) == (25.0, 102.7)
    with pytest.raises(ValidationError) as caught:
        geometry.to_wgs84(lat=25.0, lon=102.7, crs="mercator")
    assert "crs" in caught.value.message_dict


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_a_point_outside_china_is_not_shifted(crs):
    assert geometry.to_wgs84(lat=-90.0, lon=-180.0, crs=crs) == (-90.0, -180.0)
    assert geometry.to_wgs84(lat=48.85, lon=2.35, crs=crs) == (48.85, 2.35)
