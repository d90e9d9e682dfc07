"""The boundary editor's page (/grids/<id>/boundary/): who may open it, what it hands its script
(the node's shape, its parent's and its neighbours' in the user's area, the save address)."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from grids.models import GridNode

pytestmark = pytest.mark.django_db


def _box(west: float, south: float, east: float, north: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


def _draw_config(response) -> dict:
    body = response.content.decode()
    start = body.index('<script id="draw-config" type="application/json">')
    start = body.index(">", start) + 1
    return json.loads(body[start:body.index("</script>", start)])


@pytest.fixture
def tree_keeper(community):
    """The center staff, granted the admin permission to change grid nodes."""
    staff = community.center_staff
    staff.user_permissions.add(Permission.objects.get(codename="change_gridnode"))
    return staff


@pytest.fixture
def drawn(community):
    boundaries = {
        community.g4a: _box(102.740, 25.010, 102.750, 25.020),
        community.g5a: _box(102.740, 25.010, 102.745, 25.020),
        community.g5b: _box(102.745, 25.010, 102.750, 25.020),
        community.other: _box(102.800, 25.010, 102.810, 25.020),
    }
    for node, boundary in boundaries.items():
        GridNode.objects.filter(pk=node.pk).update(boundary=boundary)
    return boundaries


def test_center_staff_with_the_tree_permission_opens_the_editor_from_the_grid_page(
        community, login, tree_keeper, drawn):
    client = login(tree_keeper)
    address = reverse("grids:node_boundary", args=[community.g5a.pk])
    detail = client.get(reverse("grids:node_detail", args=[community.g5a.pk])).content.decode()
    assert f'href="{address}"' in detail and "在地图上修改边界" in detail

    response = client.get(address)
    assert response.status_code == 200
    body = response.content.decode()
    assert "vendor/terra-draw/terra-draw.umd.js" in body
    assert "vendor/terra-draw/terra-draw-maplibre-gl-adapter.umd.js" in body
    assert 'type="module" src="/static/js/boundary_draw.js"' in body
    assert 'data-draw-action="save"' in body and 'data-draw-action="clear"' in body
    assert "保存边界" in body and "清除边界" in body
    assert 'name="csrfmiddlewaretoken"' in body

    config = _draw_config(response)
    assert config["mayEdit"] is True
    assert config["save"] == f"/api/v1/grid-nodes/{community.g5a.pk}/boundary/"
    assert config["node"] == {"id": community.g5a.pk, "name": "枫丹第1网格",
                              "boundary": drawn[community.g5a]}
    # For reference: the parent's boundary and the neighbour's, never another community's.
    roles = {f["properties"]["name"]: f["properties"]["role"]
             for f in config["context"]["features"]}
    assert roles == {"枫丹四级网格": "parent", "枫丹第2网格": "sibling"}
    assert config["words"]["saved"] == "边界已保存。"


def test_a_grid_without_a_boundary_offers_to_draw_one(community, login, tree_keeper):
    detail = login(tree_keeper).get(reverse("grids:node_detail", args=[community.g5b.pk]))
    assert "在地图上绘制边界" in detail.content.decode()
    config = _draw_config(login(tree_keeper).get(
        reverse("grids:node_boundary", args=[community.g5b.pk])))
    assert config["node"]["boundary"] is None
    assert config["context"]["features"] == []


def test_center_staff_without_the_tree_permission_sees_the_boundary_read_only(
        community, login, drawn):
    response = login(community.center_staff).get(
        reverse("grids:node_boundary", args=[community.g5a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert _draw_config(response)["mayEdit"] is False
    assert 'data-draw-action="save"' not in body
    assert "您可以查看此边界，但不能修改" in body


@pytest.mark.parametrize("person", ["worker_a", "hub1_head"])
def test_grid_workers_and_heads_may_not_open_the_editor(community, login, person):
    user = getattr(community, person)
    client = login(user)
    assert client.get(reverse("grids:node_boundary", args=[community.g5a.pk])).status_code == 403
    detail = client.get(reverse("grids:node_detail", args=[community.g5a.pk])).content.decode()
    assert reverse("grids:node_boundary", args=[community.g5a.pk]) not in detail


def test_a_grid_outside_the_staff_members_area_is_not_found(community, login, tree_keeper):
    client = login(tree_keeper)
    # 六合社区 is the neighbouring community: the center staff of 世纪城 work only in theirs.
    response = client.get(reverse("grids:node_boundary", args=[community.g4x.pk]))
    assert response.status_code == 404
    assert client.get(reverse("grids:node_boundary", args=[999_999])).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, community):
    address = reverse("grids:node_boundary", args=[community.g5a.pk])
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={address}"


def test_the_editor_draws_over_the_configured_basemap(community, login, tree_keeper, settings):
    address = reverse("grids:node_boundary", args=[community.g5a.pk])
    config = _draw_config(login(tree_keeper).get(address))
    assert config["basemap"] == {"kind": "none"}
    assert config["basemapModule"] == "/static/js/basemap.js"

    settings.MAP_BASEMAP = "tiles"
    settings.MAP_TILE_URL = "https://tiles.gov.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "天地图"
    config = _draw_config(login(tree_keeper).get(address))
    assert config["basemap"] == {"kind": "tiles", "attribution": "天地图",
                                 "tiles": "https://tiles.gov.example/{z}/{x}/{y}.png"}

    settings.MAP_BASEMAP, settings.MAP_PMTILES = "pmtiles", "basemap/area.pmtiles"
    response = login(tree_keeper).get(address)
    assert _draw_config(response)["basemap"] == {"kind": "pmtiles",
                                                 "pmtiles": "/static/basemap/area.pmtiles"}
    assert "vendor/pmtiles/pmtiles.js" in response.content.decode()
