import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids import services
from grids.models import Assignment, GridNode, Role
from grids.selectors import assignment_list_for, scope_queryset, visible_nodes
from tests.grids.factories import AssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_grid_worker_sees_only_own_grid(community):
    assert codes(visible_nodes(community.worker_a)) == {"G5A"}


def test_hub_head_sees_the_whole_hub(community):
    assert codes(visible_nodes(community.hub1_head)) == {"H1", "G4A", "G5A", "G5B"}


def test_center_staff_sees_the_community_but_not_the_neighbouring_one(community):
    seen = codes(visible_nodes(community.center_staff))
    assert {"SJC", "H1", "H2", "G5C"} <= seen
    assert "LH" not in seen and "G4X" not in seen and "ST" not in seen


def test_admin_sees_everything(community):
    assert visible_nodes(community.admin).count() == GridNode.objects.count()


def test_user_without_assignment_sees_nothing(community):
    assert not visible_nodes(UserFactory(username="nobody")).exists()


def test_ended_and_future_assignments_give_no_sight(community):
    user = UserFactory(username="temp")
    AssignmentFactory(user=user, node=community.g5c, starts_on=dt.date(2020, 1, 1),
                      ends_on=dt.date(2020, 12, 31))
    AssignmentFactory(user=user, node=community.g4b, starts_on=dt.date(2099, 1, 1))
    assert not visible_nodes(user).exists()


def test_inactive_user_sees_nothing(community):
    community.hub1_head.is_active = False
    community.hub1_head.save()
    assert not visible_nodes(community.hub1_head).exists()


def test_scoping_is_one_range_query_after_reading_the_users_ranges(community):
    AssignmentFactory(user=community.hub1_head, node=community.g5a, role=Role.VOLUNTEER)
    with CaptureQueriesContext(connection) as queries:
        list(visible_nodes(community.hub1_head))
    assert len(queries) == 2
    ranges_sql, nodes_sql = (q["sql"] for q in queries)
    assert "grids_assignment" in ranges_sql
    assert "grids_assignment" not in nodes_sql
    assert "tree_id" in nodes_sql and "lft" in nodes_sql
    # The volunteer post inside the hub adds no second range.
    assert nodes_sql.count("\"tree_id\" = ") == 1


def test_moving_a_subtree_moves_its_scope(community):
    services.node_move(actor=community.admin, node=community.g5b, target=community.g4b)
    assert "G5B" not in codes(visible_nodes(community.hub1_head))
    assert "G5B" in codes(visible_nodes(community.hub2_head))
    # The worker assigned to the moved grid still sees it: scope follows the node.
    assert codes(visible_nodes(community.worker_b)) == {"G5B"}


def test_scope_queryset_narrows_related_rows(community):
    seen = scope_queryset(Assignment.objects.all(), user=community.hub1_head,
                          capability="grids.read_tree")
    assert {a.node.code for a in seen} == {"H1", "G5A", "G5B"}
    assert {a.node.code for a in assignment_list_for(user=community.worker_a)} == {"G5A"}


def test_worker_gets_404_for_the_neighbouring_grid_page(community, login):
    client = login(community.worker_a)
    assert client.get(reverse("grids:node_detail", args=[community.g5a.pk])).status_code == 200
    response = client.get(reverse("grids:node_detail", args=[community.g5b.pk]))
    assert response.status_code == 404
    missing = client.get(reverse("grids:node_detail", args=[999999]))
    assert missing.status_code == 404


def test_hub_head_opens_both_grids(community, login):
    client = login(community.hub1_head)
    for node in (community.g5a, community.g5b):
        assert client.get(reverse("grids:node_detail", args=[node.pk])).status_code == 200
    assert client.get(reverse("grids:node_detail", args=[community.g5c.pk])).status_code == 404


def test_worker_gets_404_for_the_neighbouring_grid_by_api(community, api_client):
    api_client.force_authenticate(community.worker_a)
    assert api_client.get(f"/api/v1/grid-nodes/{community.g5a.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/grid-nodes/{community.g5b.pk}/").status_code == 404
    listed = api_client.get("/api/v1/grid-nodes/").json()
    assert [row["code"] for row in listed["results"]] == ["G5A"]


def test_hub_head_reads_both_grids_by_api(community, api_client):
    api_client.force_authenticate(community.hub1_head)
    for node in (community.g5a, community.g5b):
        assert api_client.get(f"/api/v1/grid-nodes/{node.pk}/").status_code == 200


def test_tree_page_lists_only_the_visible_subtree(community, login):
    response = login(community.hub1_head).get(reverse("grids:tree"))
    body = response.content.decode()
    assert "枫丹第1网格" in body and "枫丹第2网格" in body
    assert "金色第1网格" not in body and "六合社区" not in body


def test_tree_page_within_an_invisible_node_is_404(community, login):
    response = login(community.hub1_head).get(reverse("grids:tree"), {"within": community.g4b.pk})
    assert response.status_code == 404


def test_worker_assignment_gives_role_on_home(community, login):
    body = login(community.worker_a).get(reverse("home")).content.decode()
    assert "枫丹第1网格" in body
    assert "枫丹第2网格" not in body


def test_pages_require_login(client, community):
    for url in (reverse("home"), reverse("grids:tree"), reverse("grids:staffing"),
                reverse("grids:node_detail", args=[community.g5a.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_role_names_a_second_worker_in_scope(community):
    AssignmentFactory(user=community.worker_a, node=community.g5c, role=Role.VOLUNTEER)
    assert codes(visible_nodes(community.worker_a)) == {"G5A", "G5C"}
