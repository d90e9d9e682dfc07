import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from grids.integrity import find_tree_damage
from grids.models import GridNode

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:grids_gridnode_changelist"


def _drag(client, node, target, position):
    return client.post(reverse(CHANGELIST), {"cmd": "move_node", "cut_item": node.pk,
                                             "pasted_on": target.pk, "position": position})


def test_dragging_a_grid_to_another_level4_grid_moves_it(community, login):
    client = login(community.admin)
    response = _drag(client, community.g5b, community.g4b, "last-child")
    assert response.content == b"OK, moved."
    community.refresh()
    assert community.g5b.parent == community.g4b
    assert find_tree_damage() == []


def test_dragging_a_hub_under_a_grid_is_refused_with_a_reason(community, login):
    client = login(community.admin)
    response = _drag(client, community.hub2, community.g5a, "last-child")
    assert response.content.startswith(b"FAIL")
    community.refresh()
    assert community.hub2.parent == community.community


def _staff_client(community, login, *codenames):
    staff = community.center_staff
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="grids", codename__in=codenames))
    return login(staff)


def test_staff_changelist_shows_only_their_community(community, login):
    client = _staff_client(community, login, "view_gridnode", "change_gridnode")
    body = client.get(reverse(CHANGELIST)).content.decode()
    assert "枫丹第1网格" in body
    assert "六合第1网格" not in body


def test_staff_cannot_open_a_node_of_another_community_in_admin(community, login):
    client = _staff_client(community, login, "view_gridnode", "change_gridnode")
    response = client.get(reverse("admin:grids_gridnode_change", args=[community.g4x.pk]))
    assert response.status_code in (302, 404)
    assert "六合第1网格" not in response.content.decode()


def test_staff_cannot_drag_a_grid_into_another_community(community, login):
    client = _staff_client(community, login, "view_gridnode", "change_gridnode")
    response = _drag(client, community.g5a, community.g4x, "last-child")
    assert response.content.startswith(b"FAIL")
    community.refresh()
    assert community.g5a.parent == community.g4a


def _add_node(client, **fields):
    empty_inlines = {f"{name}-{count}": "0" for name in ("assignments", "service_points")
                     for count in ("TOTAL_FORMS", "INITIAL_FORMS")}
    return client.post(reverse("admin:grids_gridnode_add"),
                       {"boundary": "", "coverage": "", "active": "on", **empty_inlines, **fields})


def test_admin_form_refuses_a_hub_under_a_grid_with_a_field_error(community, login):
    client = login(community.admin)
    response = _add_node(client, parent=community.g4a.pk, kind="hub", name="错误片区",
                         code="BADHUB")
    assert response.status_code == 200
    assert "下级节点的层级必须低于上级节点" in response.content.decode()
    assert not GridNode.objects.filter(code="BADHUB").exists()


def test_admin_form_adds_a_grid_through_the_service(community, login):
    client = login(community.admin)
    response = _add_node(client, parent=community.g4b.pk, kind="grid5", name="金色第2网格",
                         code="G5D", coverage="3-4栋")
    assert response.status_code == 302, response.content.decode()[:2000]
    node = GridNode.objects.get(code="G5D")
    assert node.parent == community.g4b
    assert find_tree_damage() == []


def test_deleting_a_node_with_children_in_admin_explains_why(community, login):
    client = login(community.admin)
    response = client.post(reverse("admin:grids_gridnode_delete", args=[community.g4a.pk]),
                           {"post": "yes"}, follow=True)
    assert GridNode.objects.filter(pk=community.g4a.pk).exists()
    assert "无法删除" in response.content.decode()  # Django lists the protected children


def test_the_admin_tree_filters_offer_only_nodes_in_scope(community, login):
    client = _staff_client(community, login, "view_assignment", "view_servicepoint")
    for changelist in ("admin:grids_assignment_changelist", "admin:grids_servicepoint_changelist"):
        body = client.get(reverse(changelist)).content.decode()
        assert "枫丹第1网格" in body, changelist
        assert "六合第1网格" not in body and "示范街道" not in body, changelist
    # A node outside scope in the filter's parameter is a bad lookup, not a peek.
    response = client.get(reverse("admin:grids_assignment_changelist"),
                          {"node__id__inhierarchy": community.g4x.pk})
    assert response.status_code == 302 and "e=1" in response["Location"]
    response = client.get(reverse("admin:grids_assignment_changelist"),
                          {"node__id__inhierarchy": "zz"})
    assert response.status_code == 302
