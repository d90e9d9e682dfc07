"""Which database each read would go to, with a streaming replica configured.

These tests run on the test database alone (no router is installed: DATABASE_ROUTERS is not
set here); at each query a view makes, they ask the replica router where that query would have
gone. tests/gridportal/test_replica_postgres.py runs the same rules against a real primary and a
real paused replica.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from gridportal import replica
from tests.tickets.factories import make_ticket
from tickets import services

STATS_URL = "/api/v1/stats/tickets/"
ROUTER = replica.ReplicaRouter()
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Destinations:
    """At each query on the default connection, the database the router would pick for it."""

    def __init__(self):
        self.reads: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            self.reads.append((ROUTER.db_for_read(None) or DEFAULT_DB_ALIAS, sql))
        return execute(sql, params, many, context)

    def databases(self, table: str) -> set[str]:
        return {alias for alias, sql in self.reads if f'"{table}"' in sql}


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_REPLICA_URL = "postgres://replica.invalid:5432/gridportal"
    settings.REPLICA_PIN_SECONDS = 15


def get_through_the_portal(client, url, **kwargs):
    destinations = Destinations()
    with connection.execute_wrapper(destinations):
        response = client.get(url, **kwargs)
    return response, destinations


# --- Without a replica, nothing changes ------------------------------------------------------


def test_without_a_replica_the_middleware_steps_aside_and_views_read_the_primary():
    with pytest.raises(MiddlewareNotUsed):
        replica.ReadYourWritesMiddleware(lambda request: HttpResponse())

    seen = []

    @replica.lag_tolerant
    def view(request):
        seen.append(ROUTER.db_for_read(None))
        return HttpResponse()

    view(RequestFactory().get("/"))
    assert seen == [None]  # Django's default: the primary


@pytest.mark.django_db(transaction=True)
def test_without_a_replica_the_dashboard_sets_no_pin_cookie(community, client):
    make_ticket(node=community.g5a)
    client.force_login(community.center_staff)
    response, destinations = get_through_the_portal(client, reverse("tickets:dashboard"))
    assert response.status_code == 200
    assert replica.PIN_COOKIE not in response.cookies
    assert {alias for alias, _sql in destinations.reads} == {DEFAULT_DB_ALIAS}


# --- Lag-tolerant views read the replica, everything else the primary ------------------------


@pytest.mark.django_db(transaction=True)
def test_dashboard_figures_come_from_the_replica_and_the_login_from_the_primary(
        with_replica, community, client):
    make_ticket(node=community.g5a)
    client.force_login(community.center_staff)
    response, destinations = get_through_the_portal(client, reverse("tickets:dashboard"))
    assert response.status_code == 200
    assert response.context["report"].summary.total == 1
    assert destinations.databases("tickets_ticket") == {"replica"}
    # The session and the user are read first, on the primary: a fresh login always counts.
    assert destinations.databases("django_session") == {DEFAULT_DB_ALIAS}
    assert destinations.databases("auth_user") == {DEFAULT_DB_ALIAS}
    assert replica.PIN_COOKIE not in response.cookies  # reading pins nobody


@pytest.mark.django_db(transaction=True)
def test_the_stats_api_reads_the_replica_after_authenticating_on_the_primary(
        with_replica, community, client):
    make_ticket(node=community.g5a)
    client.force_login(community.center_staff)
    response, destinations = get_through_the_portal(client, STATS_URL)
    assert response.status_code == 200
    assert response.json()["summary"]["total"] == 1
    assert destinations.databases("tickets_ticket") == {"replica"}
    assert destinations.databases("django_session") == {DEFAULT_DB_ALIAS}


@pytest.mark.django_db(transaction=True)
def test_the_map_layers_read_the_replica_but_the_same_list_as_json_reads_the_primary(
        with_replica, community, client):
    make_ticket(node=community.g5a)
    client.force_login(community.center_staff)
    url = reverse("ticket-list")
    response, destinations = get_through_the_portal(client, url, data={"format": "geojson"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    assert destinations.databases("tickets_ticket") == {"replica"}

    response, destinations = get_through_the_portal(client, url)
    assert response.status_code == 200
    assert destinations.databases("tickets_ticket") == {DEFAULT_DB_ALIAS}

    response, destinations = get_through_the_portal(client, reverse("grid-node-list"),
                                                    data={"format": "geojson"})
    assert response.status_code == 200
    assert destinations.databases("grids_gridnode") >= {"replica"}


@pytest.mark.django_db(transaction=True)
def test_the_ticket_queue_and_a_ticket_page_read_the_primary(with_replica, community, client):
    ticket = make_ticket(node=community.g5a)
    client.force_login(community.center_staff)
    for url in (reverse("tickets:queue"), reverse("tickets:detail", args=[ticket.pk])):
        response, destinations = get_through_the_portal(client, url)
        assert response.status_code == 200, url
        assert {alias for alias, _sql in destinations.reads} == {DEFAULT_DB_ALIAS}, url


def test_a_streamed_export_makes_each_chunk_inside_the_lag_tolerant_block(with_replica):
    seen = []

    def rows():
        for n in range(3):
            seen.append(ROUTER.db_for_read(None))
            yield f"{n}\n"

    @replica.lag_tolerant
    def view(request):
        return StreamingHttpResponse(rows())

    request = RequestFactory().get("/")
    request.pinned_to_primary = False
    response = view(request)
    seen.append(ROUTER.db_for_read(None))  # between the view and the streaming: the primary
    assert b"".join(response.streaming_content) == b"0\n1\n2\n"
    assert seen == [None, "replica", "replica", "replica"]
    assert ROUTER.db_for_read(None) is None


@pytest.mark.django_db(transaction=True)
def test_the_registry_export_streams_rows_from_the_replica_and_logs_on_the_primary(
        with_replica, community, client):
    from residents.models import ExportLog
    from tests.residents.test_export import grant
    from tests.residents.test_export_streaming import add_households

    expected = add_households(community, 3)
    client.force_login(grant(community.center_staff, "export_residents"))
    destinations = Destinations()
    with connection.execute_wrapper(destinations):
        response = client.get(reverse("residents:export"), {"format": "csv"})
        assert response.streaming
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert all(name in text for name in expected)
    assert destinations.databases("residents_resident") == {"replica"}
    assert ExportLog.objects.get().row_count == len(expected)  # the log row: on the primary
    assert replica.PIN_COOKIE in response.cookies  # it wrote (the log): pinned


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_stays_on_the_primary(with_replica):
    with replica.reading_from(replica.REPLICA):
        assert ROUTER.db_for_read(None) == replica.REPLICA
        with transaction.atomic():
            assert ROUTER.db_for_read(None) is None


def test_writes_and_migrations_go_to_the_primary_only():
    user = get_user_model()
    with replica.reading_from(replica.REPLICA):
        assert ROUTER.db_for_write(user) == DEFAULT_DB_ALIAS
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "tickets") is True
    assert ROUTER.allow_migrate(replica.REPLICA, "tickets") is False
    on_primary, on_replica = user(), user()
    on_primary._state.db, on_replica._state.db = DEFAULT_DB_ALIAS, replica.REPLICA
    assert ROUTER.allow_relation(on_primary, on_replica) is True


# --- Read-your-writes: a client that wrote is pinned to the primary ---------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_who_closes_a_step_reads_the_dashboard_from_the_primary_for_a_while(
        with_replica, community, client):
    ticket = make_ticket(node=community.g5a)
    client.force_login(community.worker_a)
    with time_machine.travel(START, tick=False) as traveller:
        response = client.post(reverse("tickets:act", args=[ticket.pk]), {"action": "accept"})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == "accepted"
        assert response.cookies[replica.PIN_COOKIE]["max-age"] == 15

        traveller.shift(dt.timedelta(seconds=14))
        response, destinations = get_through_the_portal(client, reverse("tickets:dashboard"))
        assert response.status_code == 200
        assert destinations.databases("tickets_ticket") == {DEFAULT_DB_ALIAS}

        traveller.shift(dt.timedelta(seconds=2))  # past the pin: the replica has caught up
        response, destinations = get_through_the_portal(client, reverse("tickets:dashboard"))
        assert destinations.databases("tickets_ticket") == {"replica"}


@pytest.mark.django_db(transaction=True)
def test_a_refused_step_writes_nothing_and_pins_nobody(with_replica, community, client):
    ticket = make_ticket(node=community.g5a)
    client.force_login(community.worker_a)
    response = client.post(reverse("tickets:act", args=[ticket.pk]), {"action": "no-such"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert replica.PIN_COOKIE not in response.cookies


@pytest.mark.django_db(transaction=True)
def test_a_pin_cookie_the_client_made_up_pins_nothing(with_replica, community, client):
    make_ticket(node=community.g5a)
    client.force_login(community.center_staff)
    client.cookies[replica.PIN_COOKIE] = "1"
    response, destinations = get_through_the_portal(client, reverse("tickets:dashboard"))
    assert response.status_code == 200
    assert destinations.databases("tickets_ticket") == {"replica"}


@pytest.mark.django_db(transaction=True)
def test_the_pin_belongs_to_the_writer_not_to_a_colleague(with_replica, community, client):
    from django.test import Client

    ticket = make_ticket(node=community.g5a)
    client.force_login(community.worker_a)
    services.ticket_transition(ticket=ticket, actor=community.worker_a, action="accept")
    response = client.post(reverse("tickets:act", args=[ticket.pk]), {"action": "start"})
    assert replica.PIN_COOKIE in response.cookies

    colleague = Client()
    colleague.force_login(community.center_staff)
    response, destinations = get_through_the_portal(colleague, reverse("tickets:dashboard"))
    assert response.status_code == 200
    assert destinations.databases("tickets_ticket") == {"replica"}


# --- Settings --------------------------------------------------------------------------------

SHOW_DATABASES = ("import json; from django.conf import settings as s; print(json.dumps("
                  "{'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
                  "'replica': s.DATABASES.get('replica', {}), 'pin': s.REPLICA_PIN_SECONDS}))")


def portal_settings(tmp_path, **env):
    import json
    import os
    import subprocess

    from tests.processes import BIN, ROOT

    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_REPLICA_URL", "REPLICA_PIN_SECONDS")}
    environment.update(DJANGO_SETTINGS_MODULE="gridportal.settings", VAR_DIR=str(tmp_path),
                       DATABASE_URL="postgres://gridportal@db:5432/gridportal", **env)
    result = subprocess.run([BIN / "python", "manage.py", "shell", "-c", SHOW_DATABASES],
                            cwd=ROOT, env=environment, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_replica_url_there_is_one_database_and_no_router(tmp_path):
    found = portal_settings(tmp_path)
    assert found["aliases"] == ["default"]
    assert found["routers"] == []
    assert found["pin"] == 15


def test_a_replica_url_adds_the_replica_and_its_router(tmp_path):
    found = portal_settings(
        tmp_path, DATABASE_REPLICA_URL="postgres://gridportal:pw@db-replica:5432/gridportal",
        REPLICA_PIN_SECONDS="30")
    assert found["aliases"] == ["default", "replica"]
    assert found["routers"] == ["gridportal.replica.ReplicaRouter"]
    assert (found["replica"]["HOST"], found["replica"]["NAME"]) == ("db-replica", "gridportal")
    assert found["replica"]["TEST"]["MIRROR"] == "default"
    assert found["pin"] == 30
