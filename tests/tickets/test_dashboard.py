"""The KPI dashboard, its xlsx export and the stats API: scope, figures, and a bounded number of
queries whatever the number of tickets, grids and workers."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.http import FileResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from grids.models import NodeKind, Role
from tests.grids.factories import AssignmentFactory, GridNodeFactory, UserFactory
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.views.dashboard import preset_period

pytestmark = pytest.mark.django_db
STATS_URL = "/api/v1/stats/tickets/"
def work(ticket, worker, *, satisfaction="satisfied"):
    for action in ("accept", "start", "resolve", "reply"):
        ticket = services.ticket_transition(ticket=ticket, actor=worker, action=action,
                                            note="已处理")
    return services.ticket_transition(ticket=ticket, actor=worker, action="evaluate",
                                      satisfaction=satisfaction)


def test_the_dashboard_needs_a_login(client):
    response = client.get(reverse("tickets:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_center_member_sees_cards_charts_ranking_and_legend(community, login):
    work(make_ticket(node=community.g5a), community.worker_a)
    make_ticket(node=community.g5b)
    response = login(community.center_staff).get(reverse("tickets:dashboard"))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.summary.total, report.summary.closed) == (2, 1)
    html = response.content.decode()
    assert 'data-kpi="closure_rate">50.0%' in html
    for element in ('id="chart-monthly"', 'id="chart-status"', 'id="chart-channel"',
                    'id="kpi-chart-data"', 'id="kpi-grids"', 'id="kpi-workers"',
                    'id="kpi-legend"', "vendor/chartjs/chart.umd.min.js", "js/dashboard.js"):
        assert element in html, element
    assert "<script>" not in html and " style=" not in html  # the CSP allows neither
    assert community.g5a.name in html and community.g5b.name in html


def test_a_worker_dashboard_shows_only_their_grid(community, login):
    make_ticket(node=community.g5a)
    make_ticket(node=community.g5b, title="邻居网格的事")
    make_ticket(node=community.g4x)
    response = login(community.worker_a).get(reverse("tickets:dashboard"))
    report = response.context["report"]
    assert report.summary.total == 1
    assert [row.pk for row in report.grids] == [community.g5a.pk]
    picker = [node.pk for node, _indent in response.context["nodes"]]
    assert picker == [community.g5a.pk]
    assert community.g5b.name not in response.content.decode()


def test_a_node_outside_scope_answers_404(community, login):
    client = login(community.worker_a)
    assert client.get(reverse("tickets:dashboard"), {"node": community.g5b.pk}).status_code == 404
    assert client.get(reverse("tickets:dashboard"), {"node": "x"}).status_code == 404
    assert client.get(reverse("tickets:dashboard_export"),
                      {"node": community.g5b.pk}).status_code == 404
    assert client.get(reverse("tickets:dashboard"), {"node": community.g5a.pk}).status_code == 200


def test_the_node_picker_narrows_to_a_subtree(community, login):
    make_ticket(node=community.g5a)
    make_ticket(node=community.g5c)
    client = login(community.center_staff)
    response = client.get(reverse("tickets:dashboard"), {"node": community.hub2.pk})
    assert response.context["report"].summary.total == 1
    assert response.context["report"].node == community.hub2


def test_period_presets_and_custom_dates(community, login):
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), tick=False):
        make_ticket(node=community.g5a)
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        make_ticket(node=community.g5a)
        client = login(community.center_staff)

        def total(**params):
            response = client.get(reverse("tickets:dashboard"), params)
            return response.context["report"].summary.total, response.context["selection"]

        count, selection = total(period="month")
        assert (count, selection.since, selection.until) == (1, dt.date(2026, 11, 1),
                                                             dt.date(2026, 12, 1))
        assert total(period="30d")[0] == 1
        assert total(period="year")[0] == 2
        count, selection = total()  # the last 12 months up to today by default
        assert (count, selection.since, selection.until) == (2, dt.date(2025, 11, 21),
                                                             dt.date(2026, 11, 21))
        count, selection = total(period="custom", since="2026-03-01", until="2026-04-01")
        assert (count, selection.preset) == (1, "custom")
        response = client.get(reverse("tickets:dashboard"),
                              {"period": "custom", "since": "2026-04-01", "until": "2026-03-01"})
        assert response.status_code == 200 and "until" in response.context["form"].errors
        assert response.context["selection"].preset == "12m"


def test_the_last_12_months_end_today_and_hold_a_ticket_of_a_year_ago_today(community, login):
    with time_machine.travel(dt.datetime(2025, 11, 20, 2, tzinfo=dt.UTC), tick=False):
        make_ticket(node=community.g5a)  # a year ago: no longer in the last twelve months
    with time_machine.travel(dt.datetime(2025, 11, 21, 2, tzinfo=dt.UTC), tick=False):
        make_ticket(node=community.g5a)
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False):
        make_ticket(node=community.g5a)
        response = login(community.center_staff).get(reverse("tickets:dashboard"),
                                                     {"period": "12m"})
    selection = response.context["selection"]
    assert (selection.since, selection.until) == (dt.date(2025, 11, 21), dt.date(2026, 11, 21))
    assert response.context["report"].summary.total == 2
    assert preset_period("12m", dt.date(2028, 2, 29)) == (dt.date(2027, 3, 1),
                                                           dt.date(2028, 3, 1))


def _dashboard_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("tickets:dashboard"), params).status_code == 200
    return len(queries)


def _grow(community, n: int) -> None:
    """n more grids under hub 2, each with a worker and tickets in every state."""
    for i in range(n):
        grid = GridNodeFactory(kind=NodeKind.GRID5, name=f"新网格{i}", parent=community.g4b)
        worker = UserFactory(username=f"grow_worker_{n}_{i}")
        AssignmentFactory(user=worker, node=grid, role=Role.WORKER)
        work(make_ticket(node=grid), worker)
        work(make_ticket(node=grid), worker, satisfaction="basically")
        make_ticket(node=grid)


def test_the_dashboard_costs_at_most_15_queries_whatever_its_size(community, login,
                                                                 django_assert_max_num_queries):
    client = login(community.center_staff)
    _grow(community, 1)
    small = _dashboard_queries(client)
    small_node = _dashboard_queries(client, node=community.hub2.pk)
    _grow(community, 6)
    community.refresh()
    with django_assert_max_num_queries(15):
        client.get(reverse("tickets:dashboard"), {"node": community.hub2.pk})
    assert _dashboard_queries(client) == small <= 15
    assert _dashboard_queries(client, node=community.hub2.pk) == small_node <= 15
    assert len(client.get(reverse("tickets:dashboard")).context["report"].grids) == 7


def test_the_admin_dashboard_is_bounded_too(community, login):
    client = login(community.admin)
    _grow(community, 2)
    before = _dashboard_queries(client)
    _grow(community, 5)
    assert _dashboard_queries(client) == before <= 15


# --- Export ---------------------------------------------------------------------------------


def test_the_export_opens_and_holds_the_same_figures_without_formulas(community, login):
    community.g5a.name = "=HYPERLINK(\"http://evil\",\"点我\")"
    community.g5a.save()
    community.worker_a.first_name, community.worker_a.last_name = "+1", ""
    community.worker_a.save()
    work(make_ticket(node=community.g5a), community.worker_a)
    make_ticket(node=community.g5a)
    response = login(community.center_staff).get(reverse("tickets:dashboard_export"),
                                                 {"period": "year"})
    assert response.status_code == 200
    assert isinstance(response, FileResponse)  # streamed from a file, not built in memory
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(book.sheetnames) == 6
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if c.value is not None]
    assert "'=HYPERLINK(\"http://evil\",\"点我\")" in values
    assert "'+1" in values
    summary = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows(min_row=3)}
    assert 50.0 in summary.values() and 2 in summary.values()


# --- Stats API ------------------------------------------------------------------------------


def test_the_stats_api_returns_the_dashboards_figures(community, api_client):
    work(make_ticket(node=community.g5a), community.worker_a)
    make_ticket(node=community.g5c)
    api_client.force_authenticate(community.center_staff)
    response = api_client.get(STATS_URL, {"node": community.hub1.pk, "since": "2000-01-01",
                                          "until": "2100-01-01"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["node"], body["since"], body["until"]) == (community.hub1.pk, "2000-01-01",
                                                            "2100-01-01")
    assert body["summary"]["total"] == 1 and body["summary"]["closure_rate"] == 100.0
    assert body["summary"]["on_time_rate"] == 100.0 and body["summary"]["stars"] is None
    assert [row["id"] for row in body["grids"]] == [community.g5a.pk]
    assert [row["id"] for row in body["workers"]] == [community.worker_a.pk]
    assert {c["value"]: c["count"] for c in body["by_whistle"]}["routine"] == 1
    everything = api_client.get(STATS_URL).json()
    assert everything["summary"]["total"] == 2 and everything["since"] is None


def test_the_stats_api_says_which_field_is_wrong(community, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get(STATS_URL, {"node": community.g5b.pk})  # not theirs
    assert response.status_code == 400 and "node" in response.json()
    response = api_client.get(STATS_URL, {"since": "2026-13-01", "until": "soon"})
    assert response.status_code == 400 and {"since", "until"} <= set(response.json())
    response = api_client.get(STATS_URL, {"since": "2026-05-01", "until": "2026-04-01"})
    assert response.status_code == 400 and "until" in response.json()
    assert api_client.get(STATS_URL, {"node": community.g5a.pk}).status_code == 200


def test_the_stats_api_needs_authentication(api_client, db):
    assert api_client.get(STATS_URL).status_code in (401, 403)


def test_the_stats_api_is_bounded_in_queries(community, api_client):
    api_client.force_authenticate(community.center_staff)
    _grow(community, 1)
    with CaptureQueriesContext(connection) as small:
        api_client.get(STATS_URL)
    _grow(community, 4)
    with CaptureQueriesContext(connection) as large:
        assert api_client.get(STATS_URL).status_code == 200
    assert len(large) == len(small) <= 10
