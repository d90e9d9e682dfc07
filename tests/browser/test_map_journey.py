"""The map (一张图) on a desk and on a phone: a worker's grids drawn from their boundaries,
filled by a KPI, layers switched off and on, nothing from outside the worker's area.

Headless Chromium runs with --disable-gpu (conftest); MapLibre still gets a WebGL 2 context
from SwiftShader, Chromium's software renderer, so the map is drawn without extra flags.
"""

import datetime as dt
import math

import pytest
from django.utils import timezone

from grids.models import GridNode, Role
from tests.grids.factories import (
    AssignmentFactory,
    ServicePointFactory,
    UserFactory,
    rectangle,
)
from tests.residents.factories import BuildingFactory
from tests.tickets.factories import make_ticket
from tickets.models import Ticket

from .conftest import (
    assert_no_horizontal_overflow,
    assert_tall_enough,
    log_in,
    png_tile,
    press,
    screenshot,
)

pytestmark = pytest.mark.browser

# Near 世纪城, Kunming (WGS-84 longitude, latitude): a level-4 grid split into two level-5 grids,
# and a grid of the neighbouring hub a little to the east.
WEST, MIDDLE, EAST, SOUTH, NORTH = 102.740, 102.745, 102.750, 25.010, 25.020


@pytest.fixture
def mapped_worker(live_community):
    """A grid worker of 枫丹四级网格 (g4a, over g5a and g5b); every grid has a boundary."""
    c = live_community
    boundaries = {
        c.g4a: rectangle(WEST, SOUTH, EAST, NORTH),
        c.g5a: rectangle(WEST, SOUTH, MIDDLE, NORTH),
        c.g5b: rectangle(MIDDLE, SOUTH, EAST, NORTH),
        c.g5c: rectangle(EAST + 0.01, SOUTH, EAST + 0.02, NORTH),
    }
    for node, boundary in boundaries.items():
        GridNode.objects.filter(pk=node.pk).update(boundary=boundary)
    # Two buildings in the worker's grids, and one of the neighbouring hub's whose point lies in
    # the worker's area (a mistake in the registry): it must not reach the worker's map.
    BuildingFactory(node=c.g5a, name="1栋", longitude=WEST + 0.002, latitude=SOUTH + 0.005)
    BuildingFactory(node=c.g5b, name="2栋", longitude=EAST - 0.002, latitude=NORTH - 0.005)
    BuildingFactory(node=c.g5c, name="9栋", longitude=MIDDLE, latitude=SOUTH + 0.003)
    # Three open tickets in 枫丹第1网格, none in 枫丹第2网格.
    for _ in range(3):
        make_ticket(actor=c.admin, node=c.g5a)
    worker = UserFactory(username="g4a_worker")
    AssignmentFactory(user=worker, node=c.g4a, role=Role.WORKER)
    return worker


def open_map(page, username: str) -> None:
    log_in(page, username)
    page.goto("/map/")
    page.wait_for_selector("#map[data-state]", state="attached")
    state = page.locator("#map").get_attribute("data-state")
    assert state == "ready", (
        f"the map did not load ({state}): {page.locator('#map-status').inner_text()!r}")


def rendered_grids(page) -> list[str]:
    """The names of the grids drawn on screen now, once the map has finished drawing."""
    page.wait_for_function("() => window.gridportalMap.loaded()")
    return page.evaluate("""() => [...new Set(window.gridportalMap
        .queryRenderedFeatures({layers: ["grid-line"]}).map((f) => f.properties.name))].sort()""")


def wait_for_grids(page, names: list[str]) -> None:
    """Poll, frame by frame, until exactly `names` are drawn (the map draws asynchronously)."""
    page.wait_for_function(
        """(names) => {
            const map = window.gridportalMap;
            if (!map || !map.getLayer("grid-line")) return false;
            const drawn = [...new Set(map.queryRenderedFeatures({layers: ["grid-line"]})
                .map((f) => f.properties.name))].sort();
            return JSON.stringify(drawn) === JSON.stringify(names);
        }""", arg=sorted(names))


MY_GRIDS = ["枫丹四级网格", "枫丹第1网格", "枫丹第2网格"]


FILL_COLOURS = """() => Object.fromEntries(window.gridportalMap
    .queryRenderedFeatures({layers: ["grid-fill"]}).map((f) => {
        const {r, g, b} = f.layer.paint["fill-color"];
        const rgb = [r, g, b].map((v) => Math.round(v * 255)).join(", ");
        return [f.properties.name, `rgb(${rgb})`];
    }))"""


def fill_colours(page) -> dict[str, str]:
    """Each drawn grid's fill colour, as `rgb(r, g, b)`."""
    return page.evaluate(FILL_COLOURS)


def wait_for_fill(page, name: str, colour: str) -> None:
    """Poll, frame by frame, until the grid `name` is drawn in `colour`."""
    page.wait_for_function(f"([name, colour]) => ({FILL_COLOURS})()[name] === colour",
                           arg=[name, colour])


def legend_colours(page) -> dict[str, str]:
    """The grid legend: each label with its swatch's colour, as `rgb(r, g, b)`."""
    return page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll("#map-legend-grids li")].map((item) => [
            item.textContent.trim(),
            getComputedStyle(item.querySelector(".map-swatch")).backgroundColor]))""")


def wait_for_buildings(page, names: list[str]) -> list[dict]:
    """Poll until exactly the buildings `names` are drawn; their features' properties."""
    page.wait_for_function(
        """(names) => {
            const map = window.gridportalMap;
            if (!map || !map.getLayer("building-points")) return false;
            const drawn = map.queryRenderedFeatures({layers: ["building-points"]})
                .map((f) => f.properties.name).sort();
            return JSON.stringify([...new Set(drawn)]) === JSON.stringify(names);
        }""", arg=sorted(names))
    return page.evaluate("""() => window.gridportalMap
        .queryRenderedFeatures({layers: ["building-points"]}).map((f) => f.properties)""")


def test_worker_sees_own_grids_on_the_desk_map_and_switches_layers(
        desk, page_problems, live_community, mapped_worker):
    open_map(desk, "g4a_worker")
    wait_for_grids(desk, MY_GRIDS)
    # The map is fitted to the worker's grids, and the neighbouring hub's grid is not served.
    assert rendered_grids(desk) == MY_GRIDS
    served = desk.evaluate("""async () => (await (await fetch(
        JSON.parse(document.getElementById("map-config").textContent).gridNodes)).json())
        .features.map((f) => f.properties.name).sort()""")
    assert served == MY_GRIDS
    assert "金色第1网格" not in served
    # The buildings of the worker's grids, each in its colour-map category.
    buildings = wait_for_buildings(desk, ["世纪城1栋", "世纪城2栋"])
    palette = desk.evaluate(
        "() => JSON.parse(document.getElementById('map-config').textContent).palette")
    assert {b["colour"] for b in buildings} <= {p["key"] for p in palette}
    assert desk.locator("#map-legend-buildings li").count() == len(palette)
    screenshot(desk, "map", full_page=False, device="desk")

    # A grid tapped shows its name and figures.
    point = desk.evaluate(
        f"() => window.gridportalMap.project([{WEST + 0.001}, {NORTH - 0.001}])")
    box = desk.locator("#map").bounding_box()
    desk.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = desk.locator(".maplibregl-popup")
    popup.wait_for(state="visible")
    assert "枫丹第1网格" in popup.inner_text() and "结哨率（近30天）" in popup.inner_text()
    desk.locator(".maplibregl-popup-close-button").click()

    # Filled by open tickets: three in 枫丹第1网格, none in 第2网格, each in the colour the
    # legend gives for that many; 枫丹四级网格, which they divide, is an outline only.
    legend = legend_colours(desk)
    colours = fill_colours(desk)
    assert colours == {"枫丹第1网格": legend["3–5"], "枫丹第2网格": legend["0"]}
    # By closure rate: none of the three is closed yet; 第2网格 has handled nothing at all.
    desk.get_by_label("结哨率（近30天）", exact=True).check()
    legend = legend_colours(desk)
    assert set(legend) == {"< 50%", "50–80%", "80–95%", "≥ 95%", "暂无数据"}
    wait_for_fill(desk, "枫丹第1网格", legend["< 50%"])
    colours = fill_colours(desk)
    assert colours["枫丹第1网格"] == legend["< 50%"]
    assert colours["枫丹第2网格"] == legend["暂无数据"]

    grids = desk.get_by_label("网格边界", exact=True)
    grids.uncheck()
    wait_for_grids(desk, [])
    assert rendered_grids(desk) == []
    grids.check()
    wait_for_grids(desk, MY_GRIDS)
    desk.get_by_label("楼栋", exact=True).uncheck()
    wait_for_buildings(desk, [])
    desk.get_by_label("楼栋", exact=True).check()
    wait_for_buildings(desk, ["世纪城1栋", "世纪城2栋"])


def test_worker_uses_the_map_with_one_thumb_on_a_phone(
        phone, page_problems, live_community, mapped_worker):
    open_map(phone, "g4a_worker")
    wait_for_grids(phone, MY_GRIDS)
    assert_no_horizontal_overflow(phone)
    canvas = phone.locator("#map canvas").bounding_box()
    assert canvas["width"] == phone.viewport_size["width"], "the map is not full width"

    # The layers wait behind one button at the bottom of the map, in reach of the thumb.
    layers = phone.locator("#map-layers")
    assert not layers.is_visible()
    toggle = phone.get_by_role("button", name="图层与图例")
    assert_tall_enough(toggle)
    assert toggle.bounding_box()["y"] > phone.viewport_size["height"] / 2
    press(toggle)
    layers.wait_for(state="visible")
    assert_tall_enough(phone.locator("#map-layers .map-toggle"))
    assert_tall_enough(phone.locator(".maplibregl-ctrl-zoom-in"))
    screenshot(phone, "map-layers", full_page=False)

    press(phone.locator(".map-toggle", has_text="网格边界"))
    wait_for_grids(phone, [])
    press(phone.locator(".map-toggle", has_text="网格边界"))
    wait_for_grids(phone, MY_GRIDS)
    assert_no_horizontal_overflow(phone)


def _tile_xy(zoom: int, lon: float, lat: float) -> str:
    """The x/y of the web-mercator tile holding a point."""
    tiles = 2 ** zoom
    mercator = math.asinh(math.tan(math.radians(lat)))
    return f"{int((lon + 180) / 360 * tiles)}/{int((1 - mercator / math.pi) / 2 * tiles)}"


def test_a_tile_server_basemap_is_drawn_under_the_grids(
        desk, page_problems, live_server, mapped_worker, tile_server):
    asked = tile_server
    open_map(desk, "g4a_worker")
    wait_for_grids(desk, MY_GRIDS)
    desk.wait_for_function("() => window.gridportalMap.isSourceLoaded('basemap')")
    # The tile under the middle of the worker's grids, at the zoom the map was fitted to
    # (MapLibre asks for 256-px raster tiles one level above its own 512-px zoom).
    zoom = round(desk.evaluate("() => window.gridportalMap.getZoom()") + 1)
    tile_xy = _tile_xy(zoom, MIDDLE, (SOUTH + NORTH) / 2)
    middle = f"{live_server.url}/tile-server/{zoom}/{tile_xy}.png"
    assert middle in asked, f"{middle} not among the {len(asked)} tiles asked for"
    assert "天地图" in desk.locator(".maplibregl-ctrl-attrib").inner_text()


def _raster_pmtiles(path, tile: bytes, max_zoom: int = 2) -> bytes:
    """A PMTiles archive of PNG tiles, every tile of zooms 0..max_zoom the same image."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import write

    with write(str(path)) as writer:
        ids = sorted(zxy_to_tileid(z, x, y) for z in range(max_zoom + 1)
                     for x in range(2 ** z) for y in range(2 ** z))
        for tile_id in ids:
            writer.write_tile(tile_id, tile)
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE,
                         "min_zoom": 0, "max_zoom": max_zoom}, {"attribution": "测试底图"})
    return path.read_bytes()


def _byte_range(route, archive: bytes) -> None:
    """Answer a Range request as a static file server does (206 with the asked bytes)."""
    first, last = route.request.headers["range"].removeprefix("bytes=").split("-")
    last = min(int(last), len(archive) - 1)
    route.fulfill(status=206, body=archive[int(first):last + 1], headers={
        "Content-Type": "application/octet-stream",
        "Content-Range": f"bytes {first}-{last}/{len(archive)}"})


def test_a_pmtiles_basemap_served_by_the_portal_is_drawn_under_the_grids(
        desk, page_problems, mapped_worker, settings, tmp_path):
    settings.MAP_BASEMAP = "pmtiles"
    settings.MAP_PMTILES = "/basemap/area.pmtiles"
    archive, ranges = _raster_pmtiles(tmp_path / "area.pmtiles", png_tile()), []

    def serve(route):
        ranges.append(route.request.headers.get("range"))
        _byte_range(route, archive)

    desk.route("**/basemap/area.pmtiles", serve)
    open_map(desk, "g4a_worker")
    wait_for_grids(desk, MY_GRIDS)
    desk.wait_for_function("() => window.gridportalMap.isSourceLoaded('basemap')")
    assert desk.evaluate("() => window.gridportalMap.getSource('basemap').type") == "raster"
    # The header first, then the tiles: read in pieces, never the whole file at once.
    assert ranges[0] == "bytes=0-16383" and len(ranges) > 1, ranges
    # The credit comes from the archive's metadata, read after the header.
    desk.wait_for_function("""() => document.querySelector(".maplibregl-ctrl-attrib-inner")
        .textContent.includes("测试底图")""")


def test_a_worker_whose_grids_have_no_boundary_is_told_so(desk, page_problems, live_community):
    open_map(desk, "worker_a")
    status = desk.locator("#map-status")
    assert status.is_visible()
    assert status.inner_text() == "您负责的网格还没有绘制边界。"
    assert rendered_grids(desk) == []


def test_the_map_says_when_not_every_building_in_view_is_shown(
        desk, page_problems, mapped_worker):
    # More buildings in view than one answer carries (the API's limit, 2,000 by default): the
    # answer says it was cut short, here by marking the real one.
    def cut_short(route):
        answer = route.fetch()
        buildings = answer.json()
        buildings["truncated"] = True
        route.fulfill(response=answer, json=buildings)

    desk.route("**/api/v1/buildings/?*", cut_short)
    open_map(desk, "g4a_worker")
    wait_for_buildings(desk, ["世纪城1栋", "世纪城2栋"])
    shown = desk.locator("#map-note")
    assert shown.is_visible()
    assert shown.inner_text() == "此范围内楼栋较多，未全部显示，请放大地图查看。"
    assert not desk.locator("#map-status").is_visible()


# --- Service points, tickets, the heat map, 我在哪个网格 ------------------------------------------

# Where the tickets of the next tests lie: three together in 枫丹第1网格, one alone in 第2网格.
CROWD = (WEST + 0.002, SOUTH + 0.002)
LONE = (EAST - 0.001, NORTH - 0.001)


@pytest.fixture
def mapped_tickets(live_community, mapped_worker):
    """Four open tickets with a point in the worker's grids (one of the crowd overdue), one in
    the neighbouring hub's grid, and a service point in 枫丹第1网格."""
    c = live_community
    crowd = [make_ticket(actor=c.admin, node=c.g5a, title=f"路灯不亮{n}", longitude=CROWD[0],
                         latitude=CROWD[1]) for n in range(3)]
    Ticket.objects.filter(pk=crowd[0].pk).update(
        accept_due_at=timezone.now() - dt.timedelta(days=2))
    lone = make_ticket(actor=c.admin, node=c.g5b, title="井盖松动", longitude=LONE[0],
                       latitude=LONE[1])
    make_ticket(actor=c.admin, node=c.g5c, title="邻区的工单", longitude=EAST + 0.015,
                latitude=SOUTH + 0.005)
    ServicePointFactory(node=c.g5a, name="枫丹驿站", longitude=MIDDLE - 0.001,
                        latitude=NORTH - 0.002)
    return lone


def ticket_features(page) -> list[dict]:
    """The ticket features served for the view now (after the layer's latest load)."""
    page.wait_for_function("() => document.getElementById('map').dataset.tickets !== undefined")
    return page.evaluate("""() => window.gridportalMap.getSource("tickets")
        .serialize().data.features.map((f) => f.properties)""")


def tap_point(page, lon: float, lat: float) -> None:
    point = page.evaluate(f"() => window.gridportalMap.project([{lon}, {lat}])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_worker_sees_open_tickets_clustered_service_points_and_a_heat_map(
        desk, page_problems, live_community, mapped_tickets):
    open_map(desk, "g4a_worker")
    wait_for_grids(desk, MY_GRIDS)
    # The crowd is one marker with its count, red for its overdue ticket.
    cluster = desk.locator(".map-cluster")
    cluster.wait_for(state="visible")
    assert cluster.count() == 1
    assert cluster.inner_text() == "3"
    assert "map-cluster-overdue" in cluster.get_attribute("class")
    # The neighbouring hub's ticket is not served: the crowd and the lone ticket only.
    served = ticket_features(desk)
    assert sorted(f["count"] for f in served) == [1, 3]
    assert {f["title"] for f in served if f["count"] == 1} == {"井盖松动"}
    screenshot(desk, "map-tickets", full_page=False, device="desk")

    # The lone ticket's popup links to its page.
    desk.wait_for_function("""() => window.gridportalMap
        .queryRenderedFeatures({layers: ["ticket-points"]}).length === 1""")
    tap_point(desk, *LONE)
    popup = desk.locator(".maplibregl-popup")
    popup.wait_for(state="visible")
    assert "井盖松动" in popup.inner_text() and mapped_tickets.reference in popup.inner_text()
    link = popup.get_by_role("link", name="查看工单")
    assert link.get_attribute("href") == f"/tickets/{mapped_tickets.pk}/"
    desk.locator(".maplibregl-popup-close-button").click()

    # The service point, with whether it is open now (it has no opening hours).
    desk.wait_for_function("""() => window.gridportalMap
        .queryRenderedFeatures({layers: ["service-points"]}).length === 1""")
    tap_point(desk, MIDDLE - 0.001, NORTH - 0.002)
    popup.wait_for(state="visible")
    assert "枫丹驿站" in popup.inner_text() and "暂未开放" in popup.inner_text()
    desk.locator(".maplibregl-popup-close-button").click()

    # Layers switched off and on.
    desk.get_by_label("未办结和超期工单", exact=True).uncheck()
    cluster.wait_for(state="detached")
    desk.wait_for_function("""() => window.gridportalMap
        .queryRenderedFeatures({layers: ["ticket-points"]}).length === 0""")
    desk.get_by_label("未办结和超期工单", exact=True).check()
    cluster.wait_for(state="visible")
    # The legend names the points' colours.
    legend = desk.locator("#map-legend-points").inner_text()
    assert "服务点：正在开放" in legend and "超期工单" in legend
    desk.get_by_label("服务点", exact=True).uncheck()
    desk.wait_for_function("""() => window.gridportalMap
        .queryRenderedFeatures({layers: ["service-points"]}).length === 0""")

    # The heat map: off until chosen, then the tickets created in the period chosen.
    assert desk.evaluate(
        "() => window.gridportalMap.getLayoutProperty('ticket-heat', 'visibility')") == "none"
    desk.get_by_label("工单热力图", exact=True).check()
    since = desk.evaluate("() => JSON.parse(document.getElementById('map-config')"
                          ".textContent).heatSince")
    desk.wait_for_function(f"() => document.getElementById('map').dataset.heatSince === "
                           f"'{since['30d']}'")
    assert desk.evaluate(
        "() => window.gridportalMap.getLayoutProperty('ticket-heat', 'visibility')") == "visible"
    weights = desk.evaluate("""() => window.gridportalMap.getSource("heat")
        .serialize().data.features.map((f) => f.properties.count)""")
    assert sum(weights) == 4
    desk.get_by_label("热力图时段").select_option(label="近7天")
    desk.wait_for_function(f"() => document.getElementById('map').dataset.heatSince === "
                           f"'{since['7d']}'")

    # A crowd tapped zooms in on it.
    zoom = desk.evaluate("() => window.gridportalMap.getZoom()")
    cluster.click()
    desk.wait_for_function(f"() => window.gridportalMap.getZoom() > {zoom + 1}")


WHERE_G5B = {"longitude": MIDDLE + 0.002, "latitude": SOUTH + 0.004}


def test_which_grid_am_i_in_on_a_phone(phone, page_problems, live_community, mapped_worker):
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation(WHERE_G5B)
    open_map(phone, "g4a_worker")
    wait_for_grids(phone, MY_GRIDS)
    button = phone.get_by_role("button", name="我在哪个网格")
    assert_tall_enough(button)
    press(button)
    located = phone.locator("#map-located")
    located.wait_for(state="visible")
    phone.wait_for_function(
        "() => document.getElementById('map-located').textContent.startsWith('您在')")
    assert located.inner_text() == "您在：枫丹四级网格 › 枫丹第2网格"
    # The map flies there, with a marker on the spot.
    phone.wait_for_function(f"""() => {{
        const centre = window.gridportalMap.getCenter();
        return Math.abs(centre.lng - {WHERE_G5B['longitude']}) < 1e-5
            && Math.abs(centre.lat - {WHERE_G5B['latitude']}) < 1e-5; }}""")
    assert phone.locator(".map-located-marker").count() == 1
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "map-where-am-i", full_page=False)

    # Somewhere outside the worker's grids.
    phone.context.set_geolocation({"longitude": EAST + 0.015, "latitude": SOUTH + 0.005})
    press(button)
    phone.wait_for_function("""() => document.getElementById('map-located').textContent
        === '您所在的位置不在您负责的网格内。'""")
    assert_no_horizontal_overflow(phone)


def test_which_grid_am_i_in_says_when_location_is_refused(
        desk, page_problems, live_community, mapped_worker):
    desk.context.clear_permissions()
    open_map(desk, "g4a_worker")
    desk.get_by_role("button", name="我在哪个网格").click()
    desk.wait_for_function("""() => document.getElementById('map-located').textContent
        .startsWith('浏览器未获准使用您的位置')""")
    assert desk.locator("#map-located").is_visible()


def test_which_grid_am_i_in_says_a_plain_http_page_gets_no_location(
        desk, page_problems, live_community, mapped_worker):
    # The portal opened over plain http on another host than localhost: the browser reports an
    # insecure context and gives no location (the live server is localhost, so it is told so).
    desk.add_init_script(
        "Object.defineProperty(window, 'isSecureContext', {get: () => false})")
    open_map(desk, "g4a_worker")
    desk.get_by_role("button", name="我在哪个网格").click()
    assert desk.locator("#map-located").inner_text().startswith("通过 http 打开的页面")
