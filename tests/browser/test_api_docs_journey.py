"""An API client's developer reads the API's documentation on a closed network.

The Swagger UI page at /api/docs/ shows the API's title and its operations, loading everything
from the portal itself (the conftest fails the test on any request to another host, on any
Content-Security-Policy violation and on any console error). ReDoc's old address leads there.
"""

import pytest
from django.conf import settings

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

TITLE = settings.SPECTACULAR_SETTINGS["TITLE"]


def _assert_shows_the_api(page) -> None:
    title = page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert TITLE in title.inner_text()
    operations = page.locator(".swagger-ui .opblock")
    operations.first.wait_for()
    assert operations.count() > 20
    assert page.locator(".swagger-ui .opblock-summary-path",
                        has_text="/api/v1/grid-nodes/").count() >= 1
    # Its stylesheet applies: the page scrolls as Swagger UI lays it out, on its grey.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(250, 250, 250)"
    page.wait_for_load_state("networkidle")


def test_swagger_ui_shows_the_api_and_its_operations_from_this_server_alone(desk,
                                                                          live_community):
    log_in(desk, "worker_a")
    desk.goto("/api/docs/")
    _assert_shows_the_api(desk)
    screenshot(desk, "api-docs", full_page=False, device="desk")


def test_redoc_address_leads_to_the_working_documentation(desk, live_community):
    log_in(desk, "worker_a")
    desk.goto("/api/redoc/")
    assert desk.url.endswith("/api/docs/")
    _assert_shows_the_api(desk)
