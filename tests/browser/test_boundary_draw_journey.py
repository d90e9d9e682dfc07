"""Drawing a grid's boundary on the map, on a desk: the center staff click the corners of a grid
inside its parent's boundary and save it; a drawing that covers a neighbouring grid is refused
with the rule it breaks, in Chinese, and nothing is saved while the drawing stays on screen.
A saved boundary can be cleared."""

import pytest
from django.contrib.auth.models import Permission
from shapely.geometry import Point, shape

from grids.models import GridNode
from tests.grids.factories import rectangle

from .conftest import (
    assert_no_horizontal_overflow,
    assert_tall_enough,
    log_in,
    press,
    screenshot,
)
from .test_map_journey import EAST, MIDDLE, NORTH, SOUTH, WEST

pytestmark = pytest.mark.browser



@pytest.fixture
def tree_keeper(live_community):
    """枫丹四级网格 (g4a) near 世纪城, Kunming, with 枫丹第2网格 (g5b) already drawn as its
    eastern half (the map journey's coordinates)."""
    c = live_community
    GridNode.objects.filter(pk=c.g4a.pk).update(boundary=rectangle(WEST, SOUTH, EAST, NORTH))
    GridNode.objects.filter(pk=c.g5b.pk).update(boundary=rectangle(MIDDLE, SOUTH, EAST, NORTH))
    c.center_staff.user_permissions.add(Permission.objects.get(codename="change_gridnode"))
    return c.center_staff


def open_editor(page, node) -> None:
    log_in(page, "center_staff")
    page.goto(f"/grids/{node.pk}/")
    press(page.locator("#draw-boundary-link"))
    page.wait_for_selector("#draw-map[data-state]", state="attached")
    state = page.locator("#draw-map").get_attribute("data-state")
    assert state == "ready", f"the editor did not load: {page.locator('#draw-error').inner_text()}"
    page.wait_for_function("() => window.gridportalDraw.map.loaded()")


def click_corners(page, corners: list[tuple[float, float]]) -> None:
    """Draw a shape: click each corner (longitude, latitude) on the map, then the first again."""
    page.get_by_role("button", name="画新图形").click()
    box = page.locator("#draw-map canvas").bounding_box()
    for lon, lat in [*corners, corners[0]]:
        point = page.evaluate(
            "([lon, lat]) => window.gridportalDraw.map.project([lon, lat])", [lon, lat])
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    # Closed: the drawing holds one finished polygon.
    page.wait_for_function("""() => window.gridportalDraw.draw.getSnapshot().filter(
        (f) => f.geometry.type === "Polygon" && !f.properties.currentlyDrawing).length === 1""")


def test_center_staff_draw_a_grid_inside_its_parent_and_save_it(
        desk, page_problems, live_community, tree_keeper):
    g5a = live_community.g5a
    open_editor(desk, g5a)
    corners = [(WEST + 0.001, SOUTH + 0.001), (MIDDLE - 0.001, SOUTH + 0.001),
               (MIDDLE - 0.001, NORTH - 0.001), (WEST + 0.001, NORTH - 0.001)]
    click_corners(desk, corners)
    desk.get_by_role("button", name="保存边界").click()
    success = desk.locator("#draw-success")
    success.wait_for(state="visible")
    assert success.inner_text() == "边界已保存。"
    screenshot(desk, "boundary-drawn", full_page=False, device="desk")

    g5a.refresh_from_db()
    assert g5a.boundary["type"] == "Polygon"
    saved = shape(g5a.boundary)
    # A polygon around the clicked corners: each within a few metres of one of its vertices.
    vertices = [Point(p) for p in saved.exterior.coords]
    for corner in corners:
        assert min(Point(corner).distance(v) for v in vertices) < 0.0001, corner
    assert saved.contains(Point((WEST + MIDDLE) / 2, (SOUTH + NORTH) / 2))
    assert len(saved.exterior.coords) == len(corners) + 1

    # Cleared again: asked once more before the saved boundary goes.
    desk.get_by_role("button", name="清除边界").click()
    desk.get_by_role("button", name="确定清除已保存的边界").click()
    desk.wait_for_function(
        "() => document.querySelector('#draw-success').textContent === '边界已清除。'")
    assert desk.evaluate("() => window.gridportalDraw.draw.getSnapshot().length") == 0
    g5a.refresh_from_db()
    assert g5a.boundary is None


def test_a_drawing_over_the_neighbouring_grid_is_refused_and_nothing_is_saved(
        desk, page_problems, live_community, tree_keeper):
    g5a = live_community.g5a
    page_problems.expect_status(f"/api/v1/grid-nodes/{g5a.pk}/boundary/", 400)
    open_editor(desk, g5a)
    # Across the middle line, deep into 枫丹第2网格.
    corners = [(WEST + 0.001, SOUTH + 0.001), (EAST - 0.001, SOUTH + 0.001),
               (EAST - 0.001, NORTH - 0.001), (WEST + 0.001, NORTH - 0.001)]
    click_corners(desk, corners)
    desk.get_by_role("button", name="保存边界").click()
    error = desk.locator("#draw-error")
    error.wait_for(state="visible")
    assert "枫丹第2网格" in error.inner_text() and "重叠" in error.inner_text()
    assert not desk.locator("#draw-success").is_visible()
    screenshot(desk, "boundary-refused", full_page=False, device="desk")

    g5a.refresh_from_db()
    assert g5a.boundary is None
    # The drawing is still there to be corrected.
    assert desk.evaluate("""() => window.gridportalDraw.draw.getSnapshot()
        .filter((f) => f.geometry.type === "Polygon").length""") == 1


def test_the_editor_fits_a_phone_and_draws_by_taps(
        phone, page_problems, live_community, tree_keeper):
    g5a = live_community.g5a
    open_editor(phone, g5a)
    assert_no_horizontal_overflow(phone)
    assert_tall_enough(phone.locator("#draw-toolbar button:visible"))
    assert_tall_enough(phone.locator(".maplibregl-ctrl-zoom-in"))
    press(phone.get_by_role("button", name="画新图形"))
    box = phone.locator("#draw-map canvas").bounding_box()
    corners = [(WEST + 0.001, SOUTH + 0.001), (MIDDLE - 0.001, SOUTH + 0.001),
               (MIDDLE - 0.001, NORTH - 0.001)]
    for lon, lat in [*corners, corners[0]]:
        point = phone.evaluate(
            "([lon, lat]) => window.gridportalDraw.map.project([lon, lat])", [lon, lat])
        phone.touchscreen.tap(box["x"] + point["x"], box["y"] + point["y"])
    phone.wait_for_function("""() => window.gridportalDraw.draw.getSnapshot().filter(
        (f) => f.geometry.type === "Polygon" && !f.properties.currentlyDrawing).length === 1""")
    press(phone.get_by_role("button", name="保存边界"))
    phone.locator("#draw-success").wait_for(state="visible")
    screenshot(phone, "boundary-drawn")
    g5a.refresh_from_db()
    assert shape(g5a.boundary).contains(Point(WEST + 0.003, SOUTH + 0.003))


def screen_point(page, lon: float, lat: float) -> tuple[float, float]:
    box = page.locator("#draw-map canvas").bounding_box()
    point = page.evaluate("([lon, lat]) => window.gridportalDraw.map.project([lon, lat])",
                          [lon, lat])
    return box["x"] + point["x"], box["y"] + point["y"]


def test_center_staff_move_a_corner_of_a_saved_boundary(
        desk, page_problems, live_community, tree_keeper):
    g5a = live_community.g5a
    inner = MIDDLE - 0.001
    GridNode.objects.filter(pk=g5a.pk).update(boundary=rectangle(WEST, SOUTH, inner, NORTH))
    open_editor(desk, g5a)
    # The saved boundary is on the map, ready to edit: select it, drag its north-east corner in.
    desk.mouse.click(*screen_point(desk, (WEST + inner) / 2, (SOUTH + NORTH) / 2))
    desk.wait_for_function("""() => window.gridportalDraw.draw.getSnapshot()
        .some((f) => f.properties.selected)""")
    moved_to = (inner - 0.001, NORTH - 0.002)
    desk.mouse.move(*screen_point(desk, inner, NORTH))
    desk.mouse.down()
    for step in range(1, 6):
        lon = inner + (moved_to[0] - inner) * step / 5
        lat = NORTH + (moved_to[1] - NORTH) * step / 5
        desk.mouse.move(*screen_point(desk, lon, lat))
    desk.mouse.up()
    desk.get_by_role("button", name="保存边界").click()
    desk.locator("#draw-success").wait_for(state="visible")

    g5a.refresh_from_db()
    corners = shape(g5a.boundary).exterior.coords
    assert min(Point(moved_to).distance(Point(c)) for c in corners) < 0.0001
    assert all(Point(inner, NORTH).distance(Point(c)) > 0.0005 for c in corners)
    assert len(corners) == 5

    # The shape deleted, Save has nothing to send and says how to draw one.
    desk.get_by_role("button", name="删除选中的图形").click()
    desk.wait_for_function("() => window.gridportalDraw.draw.getSnapshot().length === 0")
    desk.get_by_role("button", name="保存边界").click()
    assert "请先画出边界" in desk.locator("#draw-error").inner_text()
    g5a.refresh_from_db()
    assert g5a.boundary is not None


def test_the_boundary_is_drawn_over_the_tile_server_basemap(
        desk, page_problems, live_community, tree_keeper, tile_server):
    asked = tile_server
    open_editor(desk, live_community.g5a)
    desk.wait_for_function("() => window.gridportalDraw.map.isSourceLoaded('basemap')")
    assert asked, "no tile was asked for"
    assert "天地图" in desk.locator(".maplibregl-ctrl-attrib").inner_text()
    # The drawing sits above the basemap: the parent's outline is still drawn.
    assert desk.evaluate("""() => window.gridportalDraw.map
        .queryRenderedFeatures({layers: ["parent-line"]}).length""") > 0


def test_a_boundary_in_two_parts_is_edited_and_saved_whole(
        desk, page_problems, live_community, tree_keeper):
    g5a = live_community.g5a
    north_half = (WEST, (SOUTH + NORTH) / 2 + 0.001, MIDDLE - 0.001, NORTH)
    south_half = (WEST, SOUTH, MIDDLE - 0.001, (SOUTH + NORTH) / 2 - 0.001)
    parts = {"type": "MultiPolygon", "coordinates": [
        rectangle(*north_half)["coordinates"], rectangle(*south_half)["coordinates"]]}
    GridNode.objects.filter(pk=g5a.pk).update(boundary=parts)
    open_editor(desk, g5a)
    assert desk.evaluate("() => window.gridportalDraw.draw.getSnapshot().length") == 2
    assert not desk.locator("#draw-error").is_visible()
    desk.get_by_role("button", name="保存边界").click()
    desk.locator("#draw-success").wait_for(state="visible")
    g5a.refresh_from_db()
    assert g5a.boundary["type"] == "MultiPolygon"
    # The same two parts, to the 9 decimals (about a millimetre) the editor keeps.
    assert shape(g5a.boundary).equals_exact(shape(parts), tolerance=1e-9)
