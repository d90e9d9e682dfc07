"""Shared fixtures, and the rules for tests that need a real service.

A test marked `postgres`, `redis` or `browser` skips, with the reason, when its service is absent.
`.ci/run` lists the services that answer in GRIDPORTAL_REQUIRE (e.g. "postgres,redis,browser");
a test that needs a required service then fails instead of skipping, and any other skip fails
the run, so a green CI never hides a test that did not run.
"""

import datetime as dt
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection

REQUIRED = {name for name in os.environ.get("GRIDPORTAL_REQUIRE", "").split(",") if name}
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_answers() -> bool:
    url = urlparse(REDIS_TEST_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _service_missing(name: str) -> str | None:
    """The reason a service is unavailable, or None when it answers."""
    if name == "postgres":
        if connection.vendor != "postgresql":
            return "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1/gridportal"
    elif name == "redis":
        if not _redis_answers():
            return f"needs Redis at {REDIS_TEST_URL}"
    elif name == "browser" and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    cache: dict[str, str | None] = {}
    for item in items:
        for name in ("postgres", "redis", "browser"):
            if item.get_closest_marker(name) is None:
                continue
            if name not in cache:
                cache[name] = _service_missing(name)
            reason = cache[name]
            if reason is None:
                continue
            if name in REQUIRED:
                item.add_marker(pytest.mark.required_service_missing(reason))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_configure(config):
    config.addinivalue_line("markers", "required_service_missing(reason): internal")


@pytest.fixture(autouse=True)
def _fail_when_required_service_missing(request):
    marker = request.node.get_closest_marker("required_service_missing")
    if marker is not None:
        pytest.fail(f"required service unavailable: {marker.args[0]}")


@pytest.fixture(autouse=True)
def _fresh_working_day_calendar():
    """The working-day calendar keeps the years it read per process; a test's rows are rolled
    back without a signal, so every test starts with none kept."""
    from tickets import calendar

    calendar.clear_cache()
    yield
    calendar.clear_cache()


_BAD_SKIPS: list[str] = []


def pytest_runtest_logreport(report):
    if not (REQUIRED and report.skipped) or getattr(report, "wasxfail", None) is not None:
        return
    if "postgres" not in REQUIRED and "needs PostgreSQL" in str(report.longrepr):
        return
    _BAD_SKIPS.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _BAD_SKIPS and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _BAD_SKIPS:
        terminalreporter.write_line(
            f"GRIDPORTAL_REQUIRE={','.join(sorted(REQUIRED))}: {len(_BAD_SKIPS)} test(s) skipped "
            "although their services answer; the run fails.", red=True)
        for nodeid in _BAD_SKIPS:
            terminalreporter.write_line(f"  skipped: {nodeid}", red=True)


# --- A small community used across the suite ------------------------------------------------


class Community:
    """street > community > hub1 > g4a > (g5a, g5b); hub2 > g4b > g5c; other community > g4x."""

    def __init__(self):
        from grids.models import NodeKind, Role
        from tests.grids.factories import AssignmentFactory, GridNodeFactory, UserFactory

        node = GridNodeFactory
        self.street = node(kind=NodeKind.STREET, name="示范街道", code="ST")
        self.community = node(kind=NodeKind.COMMUNITY, name="世纪城社区", code="SJC",
                              parent=self.street)
        self.hub1 = node(kind=NodeKind.HUB, name="枫丹白鹭片区", code="H1", parent=self.community)
        self.g4a = node(kind=NodeKind.GRID4, name="枫丹四级网格", code="G4A", parent=self.hub1)
        self.g5a = node(kind=NodeKind.GRID5, name="枫丹第1网格", code="G5A", parent=self.g4a)
        self.g5b = node(kind=NodeKind.GRID5, name="枫丹第2网格", code="G5B", parent=self.g4a)
        self.hub2 = node(kind=NodeKind.HUB, name="金色年华片区", code="H2", parent=self.community)
        self.g4b = node(kind=NodeKind.GRID4, name="金色四级网格", code="G4B", parent=self.hub2)
        self.g5c = node(kind=NodeKind.GRID5, name="金色第1网格", code="G5C", parent=self.g4b)
        self.other = node(kind=NodeKind.COMMUNITY, name="六合社区", code="LH", parent=self.street)
        self.g4x = node(kind=NodeKind.GRID4, name="六合第1网格", code="G4X", parent=self.other)

        self.admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
        self.worker_a = UserFactory(username="worker_a")
        self.worker_b = UserFactory(username="worker_b")
        self.hub1_head = UserFactory(username="hub1_head")
        self.hub2_head = UserFactory(username="hub2_head")
        self.center_staff = UserFactory(username="center_staff", is_staff=True)
        AssignmentFactory(user=self.worker_a, node=self.g5a, role=Role.WORKER)
        AssignmentFactory(user=self.worker_b, node=self.g5b, role=Role.WORKER)
        AssignmentFactory(user=self.hub1_head, node=self.hub1, role=Role.HEAD)
        AssignmentFactory(user=self.hub2_head, node=self.hub2, role=Role.HEAD)
        AssignmentFactory(user=self.center_staff, node=self.community, role=Role.CENTER_STAFF)

    def refresh(self):
        for _name, value in vars(self).items():
            if hasattr(value, "refresh_from_db") and hasattr(value, "tree_id"):
                value.refresh_from_db()


@pytest.fixture(autouse=True)
def fresh_boundary_index():
    """Each test looks points up in an index of its own boundaries, never a previous test's."""
    from grids import geometry

    geometry.forget_index()


@pytest.fixture
def fresh_rate_limits():
    """The rate limits (and report claims) live in the cache: start and end each test with none
    counted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def community(db):
    return Community()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


class Registry:
    """Buildings and households in the community: one building in G5A, one in G5B."""

    def __init__(self, community):
        from residents.models import DwellingUse, ResidenceType
        from tests.residents.factories import (
            BuildingFactory,
            DwellingFactory,
            HouseholdFactory,
            make_resident,
            valid_id,
        )

        admin = community.admin
        self.building_a = BuildingFactory(node=community.g5a, estate="枫丹白鹭", name="1栋")
        self.building_b = BuildingFactory(node=community.g5b, estate="枫丹白鹭", name="2栋")
        self.dwelling_a = DwellingFactory(building=self.building_a, floor=5, number="501")
        self.household_a = HouseholdFactory(dwelling=self.dwelling_a)
        self.head_a = make_resident(admin, household=self.household_a, relation="head",
                                    name="李建华", phone="13800001111")
        self.child_a = make_resident(admin, household=self.household_a, relation="child",
                                     name="李小明", id_number=valid_id(born=dt.date(2015, 6, 1)))
        self.dwelling_b = DwellingFactory(building=self.building_b, floor=2, number="201",
                                          use=DwellingUse.RENTAL)
        self.household_b = HouseholdFactory(dwelling=self.dwelling_b)
        self.tenant_b = make_resident(admin, household=self.household_b, relation="head",
                                      name="王芳", phone="13900002222",
                                      residence_type=ResidenceType.FLOATING)


@pytest.fixture
def registry(community):
    return Registry(community)


@pytest.fixture
def redis_app():
    """A Celery app on the real Redis, with a queue of its own; the portal's app again after."""
    import uuid

    from celery import Celery

    from gridportal.celery import app as portal_app

    app = Celery("gridportal-redis-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # A queue of its own, so that another test run on the same Redis cannot take its tasks; the
    # deadline tasks go there too (one test worker serves both).
    queue = f"gridportal-test-{uuid.uuid4().hex}"
    app.conf.update(broker_url=REDIS_TEST_URL, result_backend=REDIS_TEST_URL,
                    task_ignore_result=False, broker_transport_options={},
                    task_default_queue=queue,
                    task_routes={name: {"queue": queue}
                                 for name in app.conf.task_routes or {}})
    app.set_current()
    app.set_default()
    yield app
    app.close()
    portal_app.set_current()
    portal_app.set_default()


@pytest.fixture
def world(community, registry):
    """One object of every kind a page or an API operation names (tests/world.py)."""
    from tests.world import World

    return World(community, registry)
