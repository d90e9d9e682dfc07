"""A place from a phone: a resident taps the small map on the public report page, and a grid
head on patrol reports with the phone's own location; each ticket lands in the grid whose
boundary holds the point. At 390 px, nothing scrolls sideways and the buttons are 44 px tall."""

from decimal import Decimal

import pytest

from tests.grids.factories import draw_boundaries
from tests.tickets.factories import category
from tickets.models import Channel, Ticket

from .conftest import (
    PHONE,
    _watched_page,
    assert_no_horizontal_overflow,
    assert_tall_enough,
    log_in,
    press,
    screenshot,
)

pytestmark = pytest.mark.browser

# Inside 枫丹第2网格 (G5B: longitude 102.715–102.73, latitude 25.00–25.015), WGS-84.
G5B_LON, G5B_LAT = 102.7225, 25.0075


def test_a_resident_taps_the_map_and_the_report_lands_in_that_grid(phone, live_community):
    community = live_community
    draw_boundaries(community)
    lights = category("facilities")

    phone.goto("/report/")
    phone.wait_for_selector("#pick-map[data-state]", state="attached")
    assert phone.locator("#pick-map").get_attribute("data-state") == "ready"
    phone.wait_for_function("() => window.gridportalPickMap.loaded()")
    # Only outlines are drawn: the map's one data source holds shapes and ids.
    keys = phone.evaluate("""() => [...new Set(window.gridportalPickMap
        .querySourceFeatures("outlines").flatMap((f) => Object.keys(f.properties)))].sort()""")
    assert keys == ["depth", "id"]

    phone.fill("#id_reporter_name", "张秀兰")
    phone.fill("#id_reporter_phone", "13712345678")
    phone.fill("#id_address", "枫丹白鹭2栋门口")
    phone.select_option("#id_category", str(lights.pk))
    phone.fill("#id_title", "井盖松动")
    phone.fill("#id_description", "2栋门口井盖踩上去会晃。")
    # Tap where the grid is once the map has come to rest (a late fit or resize would move it).
    phone.wait_for_function("""() => { const map = window.gridportalPickMap;
        return map.loaded() && !map.isMoving() && map.areTilesLoaded(); }""")
    where = phone.evaluate("""([lon, lat]) => {
        const pixel = window.gridportalPickMap.project([lon, lat]);
        return [pixel.x, pixel.y];
    }""", [G5B_LON, G5B_LAT])
    press(phone.locator("#pick-map"), position={"x": where[0], "y": where[1]})
    assert float(phone.input_value("#id_latitude")) == pytest.approx(G5B_LAT, abs=2e-4)
    assert float(phone.input_value("#id_longitude")) == pytest.approx(G5B_LON, abs=2e-4)
    # The list follows the map: it names the grid tapped.
    assert phone.input_value("#id_node") == str(community.g5b.pk)
    assert_no_horizontal_overflow(phone)
    assert_tall_enough(phone.locator("#pick-here, #pick-clear"))
    screenshot(phone, "report-map-picked")

    with phone.expect_navigation():
        press(phone.locator("#report-form button[type=submit]"))
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.SELF_REPORT
    assert ticket.node == community.g5b
    assert float(ticket.latitude) == pytest.approx(G5B_LAT, abs=2e-4)


def test_a_patrol_report_takes_the_phones_location_and_is_routed_by_it(
        playwright_browser, live_server, page_problems, live_community):
    community = live_community
    draw_boundaries(community)
    pothole = category("facilities")
    options = {**PHONE, "geolocation": {"latitude": G5B_LAT, "longitude": G5B_LON},
               "permissions": ["geolocation"]}
    with _watched_page(playwright_browser, live_server, page_problems, options) as phone:
        log_in(phone, community.hub1_head.username)
        phone.goto("/tickets/report/")
        here = phone.locator("#use-here")
        assert_tall_enough(here)
        press(here)
        phone.wait_for_selector("#here-status[data-state=located]")
        assert community.g5b.name in phone.locator("#here-status").inner_text()
        assert_no_horizontal_overflow(phone)
        screenshot(phone, "patrol-located")
        press(phone.locator("label[for=id_category_0]"))
        phone.fill("#id_title", "路灯不亮")
        with phone.expect_navigation():
            press(phone.locator("#quick-report button[type=submit]"))

    ticket = Ticket.objects.get()
    assert pothole.active
    assert ticket.channel == Channel.PATROL
    assert ticket.node == community.g5b  # the list offered hub 1 only
    assert (ticket.latitude, ticket.longitude) == (Decimal(f"{G5B_LAT:.6f}"),
                                                   Decimal(f"{G5B_LON:.6f}"))


def test_a_resident_uses_the_phones_location_on_the_report_page(
        playwright_browser, live_server, page_problems, live_community):
    community = live_community
    draw_boundaries(community)
    options = {**PHONE, "geolocation": {"latitude": G5B_LAT, "longitude": G5B_LON},
               "permissions": ["geolocation"]}
    with _watched_page(playwright_browser, live_server, page_problems, options) as phone:
        phone.goto("/report/")
        phone.wait_for_selector("#pick-map[data-state=ready]", state="attached")
        here = phone.locator("#pick-here")
        assert_tall_enough(here)
        press(here)
        phone.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
        assert float(phone.input_value("#id_latitude")) == pytest.approx(G5B_LAT, abs=1e-6)
        assert float(phone.input_value("#id_longitude")) == pytest.approx(G5B_LON, abs=1e-6)
        assert phone.input_value("#id_node") == str(community.g5b.pk)
        # Cleared, the report goes back to the list alone.
        press(phone.locator("#pick-clear"))
        assert phone.input_value("#id_latitude") == ""
        assert_no_horizontal_overflow(phone)
