"""The map page (/map/): who may open it, and the basemap and data addresses it hands its script."""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
import time_machine
from django.urls import reverse

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _map_config(response) -> dict:
    """The #map-config the page's script reads (a json_script block)."""
    body = response.content.decode()
    start = body.index('<script id="map-config" type="application/json">')
    start = body.index(">", start) + 1
    return json.loads(body[start:body.index("</script>", start)])


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("map"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('map')}"


def test_grid_worker_opens_the_map_from_the_menu(community, login):
    client = login(community.worker_a)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("map")}"' in home

    response = client.get(reverse("map"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "vendor/maplibre-gl/maplibre-gl.css" in body
    assert 'type="module" src="/static/js/map.js"' in body
    assert 'data-layer="grids"' in body and 'data-layer="buildings"' in body
    for label in ("地图", "图层", "网格边界", "未办结工单", "超期工单", "结哨率（近30天）"):
        assert label in body, f"{label} is not on the page"
    # The buildings' legend: each colour-map category with its colour class.
    assert '<span class="map-swatch map-swatch-dot cat-concern"></span>关注人员户' in body


def test_the_page_hands_its_script_the_library_the_data_and_no_basemap_by_default(
        community, login):
    config = _map_config(login(community.worker_a).get(reverse("map")))
    assert config["basemap"] == {"kind": "none"}
    assert config["library"] == "/static/vendor/maplibre-gl/maplibre-gl.mjs"
    assert config["worker"] == "/static/vendor/maplibre-gl/maplibre-gl-worker.mjs"
    assert config["gridNodes"] == "/api/v1/grid-nodes/?format=geojson"
    assert config["buildings"] == "/api/v1/buildings/?format=geojson"
    assert [c["key"] for c in config["palette"]][:2] == ["permanent", "floating"]
    assert config["words"]["closure_rate"] == "结哨率（近30天）"


def test_a_tile_server_basemap_reaches_the_script(community, login, settings):
    settings.MAP_BASEMAP = "tiles"
    settings.MAP_TILE_URL = "http://tiles.gov.example/vec_w/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "天地图"
    config = _map_config(login(community.worker_a).get(reverse("map")))
    assert config["basemap"] == {"kind": "tiles", "attribution": "天地图",
                                 "tiles": "http://tiles.gov.example/vec_w/{z}/{x}/{y}.png"}


def test_a_pmtiles_basemap_is_a_file_the_portal_serves(community, login, settings):
    settings.MAP_BASEMAP = "pmtiles"
    settings.MAP_PMTILES = "basemap/area.pmtiles"
    response = login(community.worker_a).get(reverse("map"))
    assert _map_config(response)["basemap"] == {"kind": "pmtiles",
                                                "pmtiles": "/static/basemap/area.pmtiles"}
    assert "vendor/pmtiles/pmtiles.js" in response.content.decode()

    settings.MAP_PMTILES = "/tiles/area.pmtiles"
    response = login(community.worker_a).get(reverse("map"))
    assert _map_config(response)["basemap"]["pmtiles"] == "/tiles/area.pmtiles"


def test_a_role_that_may_not_see_addresses_gets_no_buildings_layer(community, login):
    liaison = UserFactory(username="liaison")
    AssignmentFactory(user=liaison, node=community.community, role=Role.DEPARTMENT_LIAISON)
    response = login(liaison).get(reverse("map"))
    assert response.status_code == 200
    assert 'data-layer="buildings"' not in response.content.decode()
    assert _map_config(response)["buildings"] is None
    assert _map_config(response)["palette"] == []


def _settings_in_a_fresh_process(tmp_path, print_expression: str, **environment):
    """Load the settings with `environment` in a new interpreter (they are read at start)."""
    env = {**os.environ, **environment, "VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "gridportal.settings"}
    script = f"import django; django.setup(); from django.conf import settings; {print_expression}"
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=False)


def test_a_bad_basemap_setting_stops_the_portal_with_a_clear_message(tmp_path):
    result = _settings_in_a_fresh_process(tmp_path, "", MAP_BASEMAP="satellite")
    assert result.returncode != 0
    assert "MAP_BASEMAP must be none, tiles or pmtiles, not 'satellite'" in result.stderr

    result = _settings_in_a_fresh_process(tmp_path, "", MAP_BASEMAP="tiles", MAP_TILE_URL="")
    assert "MAP_BASEMAP=tiles needs MAP_TILE_URL" in result.stderr


def test_the_content_security_policy_lets_in_the_tile_server_and_no_other(tmp_path):
    show = "import json; print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']))"
    result = _settings_in_a_fresh_process(
        tmp_path, show, MAP_BASEMAP="tiles",
        MAP_TILE_URL="http://t0.tianditu.gov.example:8080/vec_w/{z}/{x}/{y}.png")
    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout)
    for name in ("img-src", "connect-src"):
        assert "http://t0.tianditu.gov.example:8080" in directives[name]
    assert directives["script-src"] == ["'self'"]

    directives = json.loads(_settings_in_a_fresh_process(tmp_path, show).stdout)
    assert directives["connect-src"] == ["'self'"]


def test_the_page_hands_its_script_the_ticket_layers_service_points_and_locate(
        community, login):
    response = login(community.worker_a).get(reverse("map"))
    body = response.content.decode()
    for layer in ("servicePoints", "tickets", "heat"):
        assert f'data-layer="{layer}"' in body
    for label in ("服务点", "未办结和超期工单", "工单热力图", "近7天", "近30天", "近12个月",
                  "我在哪个网格"):
        assert label in body, f"{label} is not on the page"
    config = _map_config(response)
    assert config["servicePoints"] == "/api/v1/service-points/?format=geojson"
    assert config["tickets"] == "/api/v1/tickets/?format=geojson"
    assert config["ticketPage"] == reverse("tickets:detail", args=[0])
    assert config["locate"] == "/api/v1/locate/"
    assert config["words"]["locateRefused"].startswith("浏览器未获准")


def test_the_heat_map_periods_start_on_the_community_calendar_day(community, login):
    # 17:00 UTC on 7 December is already 01:00 on 8 December in China: the periods count
    # back from the 8th.
    with time_machine.travel(dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC), tick=False):
        config = _map_config(login(community.worker_a).get(reverse("map")))
    assert config["heatSince"] == {"7d": "2026-12-02", "30d": "2026-11-09",
                                   "12m": "2025-12-09"}


def test_a_role_that_may_not_read_tickets_gets_no_ticket_layers(community, login, monkeypatch):
    from gridportal import permissions
    from tickets import selectors as ticket_selectors

    held = permissions.held
    monkeypatch.setattr(permissions, "held",
                        lambda user: held(user) - {ticket_selectors.READ})
    response = login(community.worker_a).get(reverse("map"))
    body = response.content.decode()
    assert 'data-layer="tickets"' not in body and 'data-layer="heat"' not in body
    assert 'id="heat-period"' not in body
    config = _map_config(response)
    assert config["tickets"] is None and config["ticketPage"] is None
    assert config["heatSince"] == {}
    # The service points and 我在哪个网格 need only the tree.
    assert 'data-layer="servicePoints"' in body
    assert config["servicePoints"] == "/api/v1/service-points/?format=geojson"
