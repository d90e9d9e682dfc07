import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids import services
from grids.models import NodeKind, Role
from grids.selectors import staffing_gaps_for, tree_rollup_for
from tests.grids.factories import AssignmentFactory, GridNodeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staffing_page_lists_grids_without_head_or_worker(community, login):
    AssignmentFactory(user=community.hub1_head, node=community.g5a, role=Role.HEAD)
    body = login(community.center_staff).get(reverse("grids:staffing")).content.decode()
    # g5a has a head and a worker; g5b has no head; g5c has neither; g4a has no head.
    assert "枫丹第1网格" not in body
    assert "枫丹第2网格" in body and "金色第1网格" in body and "枫丹四级网格" in body


def test_a_grid_with_child_grids_needs_no_worker_of_its_own(community):
    AssignmentFactory(user=community.hub1_head, node=community.g4a, role=Role.HEAD)
    gaps = set(staffing_gaps_for(user=community.admin).values_list("code", flat=True))
    assert "G4A" not in gaps
    assert "G5B" in gaps  # a worker but no head


def test_staffing_gaps_follow_assignments_and_their_dates(community):
    import datetime as dt

    head = UserFactory(username="g5b_head")
    assignment = AssignmentFactory(user=head, node=community.g5b, role=Role.HEAD)
    assert "G5B" not in set(staffing_gaps_for(user=community.admin).values_list("code",
                                                                                flat=True))
    services.assignment_end(actor=community.admin, assignment=assignment,
                            ends_on=dt.date(2024, 2, 1))
    assert "G5B" in set(staffing_gaps_for(user=community.admin).values_list("code", flat=True))


def test_inactive_grids_are_not_gaps(community):
    services.node_update(actor=community.admin, node=community.g5c, active=False)
    assert "G5C" not in set(staffing_gaps_for(user=community.admin).values_list("code",
                                                                                flat=True))


def test_rollup_counts_grids_and_gaps_below_each_node(community):
    rollups = {r.node.code: r for r in tree_rollup_for(user=community.admin)}
    assert rollups["H1"].grid_count == 3  # G4A, G5A, G5B
    assert rollups["SJC"].grid_count == 5
    assert rollups["SJC"].child_count == 2
    assert rollups["G5A"].gaps == ["网格长"]
    assert rollups["G5B"].gaps == ["网格长"]
    assert set(rollups["G5C"].gaps) == {"网格长", "网格员"}
    assert rollups["H1"].gap_count == 3  # G4A (no head), G5A, G5B
    assert rollups["G5A"].staff == 1
    assert rollups["SJC"].role_counts[Role.CENTER_STAFF] == 1


def test_tree_page_costs_a_fixed_number_of_queries(community, login):
    client = login(community.center_staff)
    client.get(reverse("grids:tree"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("grids:tree"))
    for n in range(30):
        GridNodeFactory(kind=NodeKind.GRID5, parent=community.g4b, code=f"MORE{n}")
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("grids:tree"))
    assert response.status_code == 200
    assert len(large) == len(small)


def test_node_page_costs_a_fixed_number_of_queries(community, login):
    client = login(community.center_staff)
    url = reverse("grids:node_detail", args=[community.hub2.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(10):
        child = GridNodeFactory(kind=NodeKind.GRID5, parent=community.g4b, code=f"C{n}")
        AssignmentFactory(user=UserFactory(username=f"w{n}"), node=child)
    AssignmentFactory(user=UserFactory(username="extra"), node=community.hub2, role=Role.HEAD)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_node_page_shows_people_service_points_and_children(community, login):
    from tests.grids.factories import ServicePointFactory

    point = ServicePointFactory(node=community.g4a, name="枫丹服务点")
    point.opening_hours.create(weekday=1, opens="08:30", closes="20:00")
    body = login(community.hub1_head).get(
        reverse("grids:node_detail", args=[community.g4a.pk])).content.decode()
    assert "枫丹服务点" in body and "20:00" in body
    assert "枫丹第1网格" in body and "枫丹第2网格" in body
    body = login(community.hub1_head).get(
        reverse("grids:node_detail", args=[community.g5a.pk])).content.decode()
    assert "网格员" in body and "王小明" in body  # family name first, no space


def test_breadcrumb_links_only_to_visible_ancestors(community, login):
    body = login(community.worker_a).get(
        reverse("grids:node_detail", args=[community.g5a.pk])).content.decode()
    assert "枫丹白鹭片区" in body  # the ancestor's name is shown...
    assert reverse("grids:node_detail", args=[community.hub1.pk]) not in body  # ...not linked


def test_home_shows_the_users_own_nodes_and_roles(community, login):
    body = login(community.hub1_head).get(reverse("home")).content.decode()
    assert "枫丹白鹭片区" in body and "网格长" in body
    assert "金色年华片区" not in body


def test_user_without_assignment_is_told_so(login, db):
    body = login(UserFactory(username="new")).get(reverse("home")).content.decode()
    assert "还没有" in body or "not assigned" in body


def test_english_is_available_through_the_language_switcher(community, login):
    client = login(community.worker_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get(reverse("grids:tree")).content.decode()
    assert "Grid tree" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "网格树" in client.get(reverse("grids:tree")).content.decode()
