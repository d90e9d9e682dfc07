"""The map from end to end: the center staff draw a grid's boundary at a desk; a resident on a
phone taps a place inside it on the public report page; the report is routed to that grid; and
the staff map shows the grid in the colour of its open work, with the ticket on it."""

import pytest
from django.contrib.auth.models import Permission
from shapely.geometry import Point, shape

from grids.models import GridNode
from tests.grids.factories import rectangle
from tests.tickets.factories import category
from tickets.models import Channel, Ticket

from .conftest import assert_no_horizontal_overflow, press, screenshot
from .test_boundary_draw_journey import click_corners, open_editor
from .test_map_journey import (
    EAST,
    MIDDLE,
    NORTH,
    SOUTH,
    WEST,
    legend_colours,
    wait_for_fill,
)

pytestmark = pytest.mark.browser

# 枫丹四级网格 (g4a), its eastern half already drawn as 枫丹第2网格 (g5b); 枫丹第1网格 (g5a) has no
# boundary until the staff draw it in the western half (the map journey's coordinates).
TAPPED = (102.7425, 25.015)  # inside the western half


def test_a_drawn_grid_receives_the_report_tapped_inside_it_and_shows_its_colour(
        desk, phone, page_problems, live_community):
    c = live_community
    GridNode.objects.filter(pk=c.g4a.pk).update(boundary=rectangle(WEST, SOUTH, EAST, NORTH))
    GridNode.objects.filter(pk=c.g5b.pk).update(boundary=rectangle(MIDDLE, SOUTH, EAST, NORTH))
    c.center_staff.user_permissions.add(Permission.objects.get(codename="change_gridnode"))
    lights = category("facilities")

    # 1. At a desk, the center staff draw 枫丹第1网格 and save it.
    open_editor(desk, c.g5a)
    click_corners(desk, [(WEST + 0.0005, SOUTH + 0.0005), (MIDDLE - 0.0005, SOUTH + 0.0005),
                         (MIDDLE - 0.0005, NORTH - 0.0005), (WEST + 0.0005, NORTH - 0.0005)])
    desk.get_by_role("button", name="保存边界").click()
    desk.locator("#draw-success").wait_for(state="visible")
    c.g5a.refresh_from_db()
    assert shape(c.g5a.boundary).contains(Point(*TAPPED))

    # 2. On a phone, a resident with no login taps that place on the report page and sends it.
    phone.goto("/report/")
    phone.wait_for_selector("#pick-map[data-state=ready]", state="attached")
    phone.wait_for_function("() => window.gridportalPickMap.loaded()")
    phone.fill("#id_reporter_name", "张秀兰")
    phone.fill("#id_reporter_phone", "13712345678")
    phone.fill("#id_address", "枫丹白鹭1栋西侧")
    phone.select_option("#id_category", str(lights.pk))
    phone.fill("#id_title", "路灯不亮")
    phone.fill("#id_description", "1栋西侧的路灯一周没亮了。")
    where = phone.evaluate("""([lon, lat]) => {
        const pixel = window.gridportalPickMap.project([lon, lat]);
        return [pixel.x, pixel.y];
    }""", list(TAPPED))
    press(phone.locator("#pick-map"), position={"x": where[0], "y": where[1]})
    assert phone.input_value("#id_node") == str(c.g5a.pk)
    assert_no_horizontal_overflow(phone)
    with phone.expect_navigation():
        press(phone.locator("#report-form button[type=submit]"))

    # 3. The report is routed to the grid drawn in step 1, with the tapped point.
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.SELF_REPORT
    assert (ticket.node, ticket.owner) == (c.g5a, c.g5a)
    assert float(ticket.longitude) == pytest.approx(TAPPED[0], abs=2e-4)
    assert float(ticket.latitude) == pytest.approx(TAPPED[1], abs=2e-4)

    # 4. The staff map fills 枫丹第1网格 in the legend's colour for one or two open tickets, and
    #    shows the ticket inside it; 枫丹第2网格, with none, keeps the colour for none.
    desk.goto("/map/")  # still logged in from step 1
    desk.wait_for_selector("#map[data-state=ready]", state="attached")
    legend = legend_colours(desk)
    wait_for_fill(desk, "枫丹第1网格", legend["1–2"])
    wait_for_fill(desk, "枫丹第2网格", legend["0"])
    desk.wait_for_function("""(title) => window.gridportalMap
        .queryRenderedFeatures({layers: ["ticket-points"]})
        .some((f) => f.properties.title === title)""", arg="路灯不亮")
    screenshot(desk, "map-whole-journey", full_page=False, device="desk")
