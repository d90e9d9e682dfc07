"""Every page of the portal on a 390-px phone: nothing scrolls sideways, and the pages a grid
worker uses on the street have tap targets at least 44 px tall.

The pages come from the URLconf itself (tests/routes.py, as for the page walker in
tests/gridportal/test_every_page.py), so a new page is checked as soon as it is added. Each role
gets one phone context (one login) and walks every page that answers it with HTML; downloads,
images and pages that answer with a redirect or an error are left to the walker.
"""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from committees.models import (
    Activity,
    Committee,
    Decision,
    Meeting,
    PartnerUnit,
    Resource,
    ServiceItem,
    VolunteerTeam,
)
from grids.models import ServicePoint
from residents.models import Building, ExportLog, Resident, TransferRequest, Visit
from tests.conftest import Community, Registry
from tests.residents.factories import BuildingFactory
from tests.routes import iter_routes, route_url
from tests.world import World
from tickets.models import Notification, Ticket, TicketEvent

from .conftest import (
    MIN_TAP_PX,
    PHONE,
    _watched_page,
    assert_no_horizontal_overflow,
    assert_tall_enough,
    log_in,
    open_menu,
    screenshot,
)

pytestmark = pytest.mark.browser

ROLES = ("worker_a", "center_staff", None)  # None: a visitor who is not logged in

# The innermost elements that stick out past the right edge of the window, outside any box
# that scrolls on its own: what makes the page scroll sideways.
OVERFLOW = """
() => {
  // The layout viewport's width. A phone browser widens window.innerWidth to the content when
  // the content is wider (it zooms out), so innerWidth alone never shows the overflow.
  const width = document.documentElement.clientWidth;
  const CONTROLS = "input, textarea, select";  // their text scrolls inside them
  const scrollsAlone = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || scrollsAlone(el)) continue;
    // The element itself sticks out, or its text does (a long word in a box that fits).
    const ownScroll = getComputedStyle(el).overflowX !== "visible" || el.matches(CONTROLS);
    const right = ownScroll ? box.right : Math.max(box.right, box.left + el.scrollWidth);
    if (right > width + 0.5) culprits.push([el, `${name(el)} (right edge ${Math.round(right)}px)`]);
  }
  // The innermost ones: their ancestors stick out only because of them.
  const innermost = culprits.filter(([el]) => !culprits.some(([other]) => other !== el
    && el.contains(other))).map(([, text]) => text);
  return {scrollWidth: document.documentElement.scrollWidth,
          innerWidth: Math.max(window.innerWidth, width), viewport: width,
          culprits: innermost.slice(0, 4)};
}
"""

# Everything a thumb may tap in the page and its footer, when it is shown.
TAP_TARGETS = ("main a:visible, main button:visible, main .page-link:visible, "
               "main input[type=submit]:visible, main select:visible, footer a:visible")


# What a real week writes into the portal that does not break at a space: links pasted from the
# 12345 platform, work-order numbers, e-mail addresses, phone numbers with extensions.
LINK = "https://12345.kunming.gov.cn/zwfw/gongdan/detail?orderNo=KM2026031500012345678901"
EMAIL = "yunnan-dianwang-shequ-fuwu-zhongxin@yn.csg.cn"
NUMBER = "KM12345-20260315-0001234567890123"


def with_long_values(world: World) -> None:
    """The world's objects as the field fills them: long unbroken runs in every free text."""
    c, registry = world.community, world.registry
    note = f"详见{LINK}，联系{EMAIL}"
    Ticket.objects.filter(pk=world.ticket.pk).update(external_number=NUMBER)
    Ticket.objects.filter(pk__in=[world.ticket.pk, world.other_ticket.pk, world.need.pk]).update(
        address=f"枫丹白鹭三期12栋2单元{NUMBER}号配电房",
        description=note, reporter_name="欧阳" + "Abdurehim" * 4)
    TicketEvent.objects.filter(ticket=world.ticket).update(note=note)
    Resident.objects.filter(pk=registry.head_a.pk).update(
        notes=note, concern=True, concern_level="attention", concern_reason=note,
        registration_place="云南省昆明市盘龙区" + NUMBER)
    Visit.objects.filter(pk=world.visit.pk).update(notes=note)
    Building.objects.filter(pk=registry.building_a.pk).update(
        address=f"盘龙区世纪城路{NUMBER}号")
    PartnerUnit.objects.filter(pk=world.partner.pk).update(
        contact_phone="0871-63012345-8001", address=f"北京路{NUMBER}号", notes=note)
    Resource.objects.filter(pk=world.resource.pk).update(description=note, capacity=NUMBER)
    ServiceItem.objects.filter(pk=world.service_item.pk).update(
        description=note, place=f"服务站{NUMBER}", hours="08:30-12:00/14:30-18:00/19:00-20:00")
    ServicePoint.objects.filter(pk=world.service_point.pk).update(
        address=f"世纪城路{NUMBER}号", services=note)
    Committee.objects.filter(pk=world.committee.pk).update(description=note)
    Meeting.objects.filter(pk=world.meeting.pk).update(place=f"{NUMBER}会议室", guests=EMAIL,
                                                       minutes=note)
    Decision.objects.filter(pk=world.decision.pk).update(text=f"修复路灯，见{LINK}")
    Activity.objects.filter(pk=world.activity.pk).update(place=NUMBER, description=note)
    VolunteerTeam.objects.filter(pk=world.team.pk).update(description=note)
    TransferRequest.objects.filter(pk=world.transfer.pk).update(note=note)
    ExportLog.objects.create(user=c.center_staff, format="xlsx", row_count=1,
                             filters={"q": NUMBER, "tag": LINK})
    Notification.objects.create(user=c.worker_a, ticket=world.ticket, text=note,
                                link=f"/tickets/{world.ticket.pk}/", key=NUMBER)


@pytest.fixture
def live_world(_orm_beside_playwright, transactional_db, live_server, fresh_rate_limits):
    """One object of every kind a page names (tests/world.py), committed for the live server,
    with the long values of a real week."""
    community = Community()
    world = World(community, Registry(community))
    with_long_values(world)
    # Enough buildings in the worker's grid for the building list to have a second page.
    BuildingFactory.create_batch(25, node=community.g5a, estate="枫丹白鹭")
    return world


def html_pages(page, world) -> list[str]:
    """The addresses of the pages that answer this context's user with HTML (200)."""
    addresses = []
    for route in iter_routes():
        address = route_url(route, world)
        answer = page.request.get(address, max_redirects=0)
        kind = answer.headers.get("content-type", "")
        if answer.status == 200 and kind.startswith("text/html"):
            addresses.append(address)
    return addresses


def sideways_scroll(page, address: str) -> str | None:
    page.goto(address)
    page.wait_for_load_state("load")
    found = page.evaluate(OVERFLOW)
    window = page.viewport_size["width"]
    if found["scrollWidth"] <= window and found["innerWidth"] <= window:
        return None
    return (f"{address}: {found['scrollWidth']}px wide in a {window}px window; "
            f"sticking out: {', '.join(found['culprits']) or 'nothing found'}")


def test_no_page_scrolls_sideways_on_a_phone(playwright_browser, live_server, page_problems,
                                             live_world):
    offenders, walked = [], {}
    for role in ROLES:
        with _watched_page(playwright_browser, live_server, page_problems, PHONE) as page:
            if role:
                log_in(page, role)
            addresses = html_pages(page, live_world)
            walked[role or "anonymous"] = len(addresses)
            for address in addresses:
                problem = sideways_scroll(page, address)
                if problem:
                    offenders.append(f"as {role or 'anonymous'}: {problem}")
    assert not offenders, "pages that scroll sideways at 390px:\n" + "\n".join(offenders)
    # The walk reached the pages of each role, not only a login page.
    assert walked["worker_a"] > 30 and walked["center_staff"] > walked["worker_a"], walked
    assert walked["anonymous"] >= 4, walked


def worker_pages(world) -> list[str]:
    c, registry = world.community, world.registry
    return [
        "/tickets/mine/",
        "/residents/households/lookup/?q=501",
        f"/residents/households/{registry.household_a.pk}/",
        f"/residents/households/{registry.household_a.pk}/visit/",
        f"/residents/buildings/{registry.building_a.pk}/",
        f"/committees/meetings/{world.meeting.pk}/attendance/",
        "/residents/buildings/",
        "/residents/buildings/?page=2",
        f"/grids/{c.g5a.pk}/",
        "/map/",
    ]


def small_targets(page, selector: str) -> list[str]:
    """The tap targets matched by `selector` that are under MIN_TAP_PX tall."""
    found = page.locator(selector).evaluate_all(
        """(targets, minimum) => {
           // A stretched link is tapped anywhere in the box it is stretched over.
           const area = (t) => {
             let box = t;
             if (t.classList.contains("stretched-link")) {
               do { box = box.parentElement; }
               while (box.parentElement && getComputedStyle(box).position === "static");
             }
             return box.getBoundingClientRect().height;
           };
           return targets
             .map((t) => [t, area(t)])
             .filter(([, height]) => height < minimum)
             .map(([t, height]) => `${t.tagName.toLowerCase()} `
               + `"${(t.innerText || t.value || t.name || "").trim().slice(0, 20)}" `
               + `${height.toFixed(0)}px`);
         }""", MIN_TAP_PX)
    return [f"{urlparse(page.url).path}: {target}" for target in found]


def test_a_grid_worker_taps_nothing_smaller_than_a_thumb(phone, live_world):
    log_in(phone, "worker_a")
    small = []
    for address in worker_pages(live_world):
        phone.goto(address)
        small += small_targets(phone, TAP_TARGETS)
    assert not small, "tap targets under 44px:\n" + "\n".join(small)
    # The building list is long enough to be paged: its page links are for thumbs too.
    phone.goto("/residents/buildings/")
    assert_tall_enough(phone.locator(".pagination .page-link"))
    # The navbar, opened behind its toggler.
    open_menu(phone)
    assert_tall_enough(phone.locator(
        "#main-nav a:visible, #main-nav button:visible, #main-nav select:visible"))
    assert urlparse(phone.url).path == "/residents/buildings/"


def test_attendance_is_marked_with_thumb_sized_toggles(phone, live_world):
    log_in(phone, "center_staff")
    phone.goto(f"/committees/meetings/{live_world.meeting.pk}/attendance/")
    small = small_targets(phone, TAP_TARGETS)
    assert not small, "tap targets under 44px:\n" + "\n".join(small)
    # One toggle per member serving on the day, each a thumb's size.
    assert phone.locator(".attendance-toggle").count() == len(live_world.members)
    assert_tall_enough(phone.locator(".attendance-toggle"))


# The dashboard's boxes as a phone lays them out: the page, the ranking table's scrolling box,
# and each chart's canvas beside the card it is drawn in.
DASHBOARD_BOXES = """
() => {
  const ranking = document.querySelector("#kpi-grids").closest(".table-responsive");
  return {
    page: document.documentElement.scrollWidth,
    window: document.documentElement.clientWidth,
    ranking: {scrollWidth: ranking.scrollWidth, clientWidth: ranking.clientWidth,
              overflowX: getComputedStyle(ranking).overflowX},
    charts: [...document.querySelectorAll("main canvas")].map((canvas) => ({
      id: canvas.id, width: canvas.getBoundingClientRect().width,
      height: canvas.getBoundingClientRect().height,
      right: canvas.getBoundingClientRect().right,
      card: canvas.parentElement.clientWidth,
    })),
  };
}
"""


MIN_CHART_PX = 200


def charts_drawn(page, condition: str) -> None:
    """Wait until the charts meet `condition` (Chart.js draws, and redraws on a resize, in an
    animation frame); say what they look like when they do not."""
    try:
        page.wait_for_function(condition, timeout=30_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"the charts did not meet {condition}: {page.evaluate(DASHBOARD_BOXES)}")


def test_the_kpi_dashboard_fits_a_phone(phone, live_world):
    log_in(phone, "center_staff")
    phone.goto("/tickets/dashboard/")
    charts_drawn(phone, "() => [...document.querySelectorAll('main canvas')]"
                        ".every((c) => window.Chart && window.Chart.getChart(c))")
    screenshot(phone, "dashboard")
    boxes = phone.evaluate(DASHBOARD_BOXES)
    assert boxes["page"] <= boxes["window"] == 390, boxes
    # The ranking table is wider than the phone and scrolls inside its own box.
    ranking = boxes["ranking"]
    assert ranking["scrollWidth"] > ranking["clientWidth"], ranking
    assert ranking["overflowX"] in ("auto", "scroll"), ranking
    assert phone.locator("#kpi-grids tbody tr").count() >= 1
    # Each chart is drawn to the width of its card, inside the window.
    assert [chart["id"] for chart in boxes["charts"]] == [
        "chart-monthly", "chart-status", "chart-channel"]
    for chart in boxes["charts"]:
        assert chart["right"] <= boxes["window"], chart
        assert chart["card"] - 32 <= chart["width"] <= chart["card"], chart
        # Tall enough to read on a phone, not a desk's flat strip.
        assert chart["height"] >= MIN_CHART_PX, chart

    # A narrower phone: the charts follow the width, the page still does not scroll sideways.
    phone.set_viewport_size({"width": 320, "height": 700})
    charts_drawn(phone, "() => [...document.querySelectorAll('main canvas')]"
                        ".every((c) => c.getBoundingClientRect().right <= 320)")
    boxes = phone.evaluate(DASHBOARD_BOXES)
    assert boxes["page"] <= boxes["window"] == 320, boxes
    for chart in boxes["charts"]:
        assert chart["card"] - 32 <= chart["width"] <= chart["card"], chart


def test_a_page_wider_than_the_phone_is_caught(phone, live_server):
    """A phone browser widens window.innerWidth to a page that is too wide; the checks above
    measure against the phone's own width, so they still see it."""
    phone.goto("/accounts/login/")
    assert_no_horizontal_overflow(phone)
    phone.evaluate("""() => {
      const wide = document.createElement("div");
      wide.textContent = "KM12345";
      wide.style.width = "600px";  // through the CSSOM, which the CSP allows
      document.body.append(wide);
    }""")
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_no_horizontal_overflow(phone)
    assert "sticking out: div" in sideways_scroll_here(phone)


def sideways_scroll_here(page) -> str:
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] > page.viewport_size["width"], found
    return f"sticking out: {', '.join(found['culprits'])}"
