"""Which roles make a grid staffed for routing is a setting per role (RoutingRole): by default
a grid head or a grid worker, so a grid with a head and no worker keeps its tickets."""

import pytest
from django.urls import reverse

from grids.models import Role, RoutingRole
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_only_grid(community):
    """G5C: a grid head and no grid worker."""
    AssignmentFactory(user=UserFactory(username="g5c_head"), node=community.g5c, role=Role.HEAD)
    return community.g5c


def test_by_default_a_head_and_a_worker_staff_a_grid(db):
    settings = dict(RoutingRole.objects.values_list("role", "staffs_node"))
    assert {role for role, staffs in settings.items() if staffs} == {Role.HEAD, Role.WORKER}
    assert set(settings) == set(Role.values)


def test_a_grid_with_a_head_but_no_worker_keeps_its_ticket(community, head_only_grid):
    assert make_ticket(node=head_only_grid).owner == head_only_grid


def test_with_heads_not_counted_the_head_only_grid_passes_its_ticket_up(community,
                                                                         head_only_grid):
    RoutingRole.objects.filter(role=Role.HEAD).update(staffs_node=False)
    # Nobody below the community holds a counted role on the way up (hub2 has only a head).
    assert make_ticket(node=head_only_grid).owner == community.community


def test_a_role_switched_on_makes_its_grid_keep_tickets(community):
    AssignmentFactory(user=UserFactory(username="g5c_police"), node=community.g5c,
                      role=Role.POLICE_OFFICER)
    assert make_ticket(node=community.g5c).owner == community.hub2  # hub2's head
    RoutingRole.objects.filter(role=Role.POLICE_OFFICER).update(staffs_node=True)
    assert make_ticket(node=community.g5c).owner == community.g5c


def test_the_staffing_page_says_where_a_gap_grids_tickets_go(community, head_only_grid, login):
    client = login(community.center_staff)
    page = client.get(reverse("grids:staffing")).content.decode()
    row = page[page.index("金色第1网格"):].split("</tr>")[0]
    assert 'data-routing="kept"' in row and "留在本网格" in row
    RoutingRole.objects.filter(role=Role.HEAD).update(staffs_node=False)
    page = client.get(reverse("grids:staffing")).content.decode()
    row = page[page.index("金色第1网格"):].split("</tr>")[0]
    assert 'data-routing="passed"' in row and "转上级" in row
