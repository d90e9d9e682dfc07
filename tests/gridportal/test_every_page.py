"""Every page of the portal opens, logged out and logged in as a grid worker, the center staff
and a superuser: no page answers 5xx, and a visitor who is not logged in gets the public pages
or the login page, nothing else.

The routes come from the URLconf itself (tests/routes.py), so a new page is walked as soon as it
is added, and one whose path parameters the walker cannot fill fails
test_the_walker_fills_every_route until tests/routes.py knows it.
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from tests.routes import FILL, PUBLIC, UnfilledRoute, iter_routes, route_kwargs, route_url

pytestmark = pytest.mark.django_db

# What a visitor who is not logged in gets from the pages that neither are public nor send them
# to the login page.
ANONYMOUS_OTHERWISE = {
    "logout": 405,  # logging out is a POST
    "public:rate": 405,  # rating the outcome is a POST from the tracking page
    "set_language": 302,  # back to where the language was chosen
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(fresh_rate_limits):
    yield


def test_the_walker_fills_every_route(world):
    routes = list(iter_routes())
    unfilled = []
    for route in routes:
        try:
            route_kwargs(route, world)
        except UnfilledRoute as error:
            unfilled.append(str(error))
    stale = sorted(set(FILL) - {route.name for route in routes})
    assert not unfilled, "\n".join(unfilled)
    assert not stale, f"FILL names routes that no longer exist: {stale}"
    assert {"public:track", "board:board", "tickets:detail"} <= {r.name for r in routes}
    assert not [r for r in routes if r.pattern.startswith(("admin/", "api/"))]


def _anonymous_problem(route, response) -> str | None:
    if route.name in PUBLIC:
        return None if response.status_code == 200 else f"answered {response.status_code}"
    if route.name in ANONYMOUS_OTHERWISE:
        expected = ANONYMOUS_OTHERWISE[route.name]
        return None if response.status_code == expected else f"answered {response.status_code}"
    location = urlsplit(response.get("Location", "")).path
    if response.status_code == 302 and location == resolve_url(settings.LOGIN_URL):
        return None
    return f"answered {response.status_code} {response.get('Location', '')}, not the login page"


def _logged_in_problem(route, response) -> str | None:
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    if route.name in PUBLIC - {"login"} and response.status_code != 200:
        return f"answered {response.status_code} to a logged-in user"
    return None


@pytest.mark.parametrize("role", ["anonymous", "worker_a", "center_staff", "admin"])
def test_every_page_opens_without_a_server_error(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world.community, role))
    client.raise_request_exception = False  # a 500 is reported with the others, below
    judge = _anonymous_problem if role == "anonymous" else _logged_in_problem
    problems, seen = [], 0
    for route in iter_routes():
        url = route_url(route, world)
        response = client.get(url)
        seen += 1
        problem = judge(route, response)
        if problem:
            problems.append(f"GET {url} [{route.name}] as {role}: {problem}")
    assert not problems, "\n".join(problems)
    assert seen > 60
