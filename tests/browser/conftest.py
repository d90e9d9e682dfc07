"""Fixtures for tests that drive Debian's Chromium through Playwright against a live server.

Every page a test opens is watched: a console error, an uncaught script error, a failed request,
any request to a host other than the live server's (the portal must load nothing from outside)
and any Content-Security-Policy violation fail the test at teardown.
"""

import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM, Community

PASSWORD = "secret-pass-123"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
DESK = {
    "viewport": {"width": 1280, "height": 800},
    "locale": "zh-CN",
}
MIN_TAP_PX = 44
# Screenshots for a person to look at (the system temp folder, /tmp, unless told otherwise).
SCREENSHOT_DIR = Path(os.environ.get("BROWSER_SCREENSHOT_DIR", tempfile.gettempdir()))
CSP_MESSAGE = re.compile(r"Content[ -]Security[ -]Policy|Refused to (execute|load|apply|connect)",
                         re.IGNORECASE)

# Reports `securitypolicyviolation` events to the test (init scripts are not subject to the CSP).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__gridportalCspViolation(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.documentURI}`);
});
"""


@dataclass
class PageProblems:
    """What went wrong while a page was open; asserted empty when the test ends."""

    host: str
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    expected_statuses: dict[str, int] = field(default_factory=dict)

    def expect_status(self, path: str, status: int) -> None:
        """Declare that `path` answers `status` on purpose (Chromium logs it as an error)."""
        self.expected_statuses[path] = status

    def on_console(self, message) -> None:
        text = message.text
        if CSP_MESSAGE.search(text):
            self.csp_violations.append(text)
        elif message.type == "error" and not self._expected_load_error(message):
            self.console_errors.append(f"{text} ({message.location.get('url', '')})")

    def _expected_load_error(self, message) -> bool:
        path = urlparse(message.location.get("url", "")).path
        status = self.expected_statuses.get(path)
        return status is not None and f"status of {status}" in message.text

    def on_csp_violation(self, description: str) -> None:
        self.csp_violations.append(description)

    def on_request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname != self.host:
            self.foreign_requests.append(f"{request.method} {request.url}")

    def on_request_failed(self, request) -> None:
        # ERR_ABORTED is the browser cancelling a request itself, most often the favicon or an
        # image still loading when the test moves to the next page; it says nothing about the
        # portal. A status the server answers with shows up as a console error instead.
        if "ERR_ABORTED" in (request.failure or ""):
            return
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def summary(self) -> dict[str, list[str]]:
        return {
            name: values
            for name, values in (
                ("console errors", self.console_errors),
                ("CSP violations", self.csp_violations),
                ("failed requests", self.failed_requests),
                ("requests to other hosts", self.foreign_requests),
                ("uncaught script errors", self.page_errors),
            )
            if values
        }


@pytest.fixture(scope="package")
def _orm_beside_playwright():
    """Let the ORM run in the test thread while Playwright's event loop runs there too.

    Playwright's sync API keeps an event loop running in the test thread, and Django's
    async-safety check then refuses the ORM calls the tests (and the database flush) make. The
    variable is set only while the browser tests run: set for the whole session it would leak
    into subprocesses that other tests start (`manage.py check --deploy` rejects it, async.E001).
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def playwright_browser(_orm_beside_playwright):
    """One Chromium for all the browser tests.

    Package-scoped, which is once per run: Playwright's event loop must stop when the browser
    tests end, or every later test in the session would meet Django's async-safety check.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_community(_orm_beside_playwright, transactional_db, live_server):
    """The shared community, committed so that the live server's thread sees it."""
    community = Community()
    # A name of her own, so the people list shows that it is worker_a who is listed.
    community.worker_a.first_name, community.worker_a.last_name = "晓燕", "刘"
    community.worker_a.save(update_fields=["first_name", "last_name"])
    return community


@pytest.fixture
def page_problems(live_server):
    return PageProblems(host=urlparse(live_server.url).hostname)


@contextmanager
def _watched_page(browser, live_server, page_problems, options: dict):
    """A fresh page in its own context (so no cookies carry over), watched for problems."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    context.expose_function("__gridportalCspViolation", page_problems.on_csp_violation)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("request", page_problems.on_request)
    page.on("requestfailed", page_problems.on_request_failed)
    page.on("pageerror", page_problems.on_page_error)
    yield page
    context.close()
    problems = page_problems.summary()
    assert not problems, f"the browser reported problems: {problems}"


@pytest.fixture
def phone(playwright_browser, live_server, page_problems):
    """A fresh phone-sized page (own context, so no cookies carry over) on the live server."""
    with _watched_page(playwright_browser, live_server, page_problems, PHONE) as page:
        yield page


@pytest.fixture
def desk(playwright_browser, live_server, page_problems):
    """A fresh desk-sized page (1280x800, mouse, no touch) on the live server."""
    with _watched_page(playwright_browser, live_server, page_problems, DESK) as page:
        yield page


@pytest.fixture
def tile_server(desk, live_server, settings) -> list[str]:
    """A government network's raster tile server as the map's basemap (MAP_BASEMAP=tiles,
    credited 天地图), stood in for by an address on the portal's own host (a browser test fails
    on any request to another host); every tile answers one plain PNG. The addresses the desk
    page asked for, in order."""
    settings.MAP_BASEMAP = "tiles"
    settings.MAP_TILE_URL = f"{live_server.url}/tile-server/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILE_ATTRIBUTION = "天地图"
    tile, asked = png_tile(), []

    def serve_tile(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=tile)

    desk.route("**/tile-server/**", serve_tile)
    return asked


# --- Helpers --------------------------------------------------------------------------------


def png_tile() -> bytes:
    """A 256-px PNG tile of one quiet colour."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (256, 256), (214, 226, 240)).save(buffer, format="PNG")
    return buffer.getvalue()



def log_in(page, username: str, password: str = PASSWORD):
    """Log in through the real login form, as a person would; returns the landing response."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    button = page.locator("form button[type=submit]")
    assert_tall_enough(button)
    with page.expect_navigation() as navigation:
        press(button)
    return navigation.value


def press(locator, **kwargs) -> None:
    """Tap `locator` on a touch screen, click it with the mouse on a desk."""
    if locator.page.evaluate("() => navigator.maxTouchPoints") > 0:
        locator.tap(**kwargs)
    else:
        locator.click(**kwargs)


def assert_no_horizontal_overflow(page) -> None:
    """The page is no wider than the window it was opened in.

    Measured against the viewport the context was given: on a phone (`is_mobile`) the browser
    widens `window.innerWidth` to content that is too wide, so innerWidth alone never shows it.
    """
    width = page.viewport_size["width"]
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert max(widths) <= width, f"{page.url} scrolls sideways: {max(widths)}px > {width}px"


def assert_tall_enough(locator, minimum: int = MIN_TAP_PX) -> None:
    """Every element matched by `locator` is at least `minimum` CSS pixels tall."""
    count = locator.count()
    assert count, f"no element matches {locator}"
    for index in range(count):
        element = locator.nth(index)
        box = element.bounding_box()
        assert box is not None, f"{locator} #{index} is not rendered"
        label = " ".join(element.inner_text().split())[:40]
        assert box["height"] >= minimum, (
            f"tap target {label!r} ({locator} #{index}) is {box['height']:.1f}px tall, "
            f"under {minimum}px")


def screenshot(page, name: str, *, full_page: bool = True, device: str = "phone") -> Path:
    """Save what the page shows as SCREENSHOT_DIR/<device>-<name>.png (phone-<name>.png)."""
    path = SCREENSHOT_DIR / f"{device}-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def open_menu(page) -> None:
    """Open the navbar collapsed behind the toggler on a phone."""
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible(), "the navbar should be collapsed behind the toggler on a phone"
    toggler.tap()
    page.locator("#main-nav.show").wait_for(state="visible")
    # Wait for the collapse transition, so taps land where the links come to rest.
    page.wait_for_function(
        "() => !document.querySelector('#main-nav').classList.contains('collapsing')")


def expect_not_found(page, page_problems, path: str) -> None:
    """Opening `path` answers the portal's own 404 page, in Chinese."""
    page_problems.expect_status(path, 404)
    response = page.goto(path)
    assert response.status == 404, f"{path} answered {response.status}, not 404"
    main = page.locator("main").inner_text()
    assert "未找到" in main, f"the 404 page is not in Chinese: {main!r}"
    # Let the page finish (its favicon too) before the next one aborts what is in flight.
    page.wait_for_load_state("networkidle")


def wait_for_image(page, locator) -> int:
    """Scroll the (lazy) image into view, wait until it has loaded; its natural width."""
    locator.scroll_into_view_if_needed()
    handle = locator.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    return handle.evaluate("img => img.naturalWidth")
