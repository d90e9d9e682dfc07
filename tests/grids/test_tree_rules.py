import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from grids import services
from grids.integrity import find_tree_damage
from grids.models import GridNode, NodeKind, Role
from tests.grids.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def test_a_hub_cannot_be_created_under_a_level4_grid(community):
    with pytest.raises(ValidationError) as error:
        services.node_create(actor=community.admin, parent=community.g4a, kind=NodeKind.HUB,
                             name="错误片区", code="BAD")
    assert "kind" in error.value.message_dict
    assert not GridNode.objects.filter(code="BAD").exists()


def test_a_node_cannot_sit_under_a_node_of_its_own_kind(community):
    with pytest.raises(ValidationError):
        services.node_create(actor=community.admin, parent=community.hub1, kind=NodeKind.HUB,
                             name="子片区", code="SUBHUB")


def test_a_level5_grid_may_sit_directly_under_a_community(community):
    node = services.node_create(actor=community.admin, parent=community.other,
                                kind=NodeKind.GRID5, name="六合第9网格", code="LH9")
    assert node.parent == community.other
    assert node.level == community.other.level + 1


def test_only_a_street_or_community_may_be_a_root(community):
    with pytest.raises(ValidationError) as error:
        services.node_create(actor=community.admin, parent=None, kind=NodeKind.GRID4,
                             name="孤立网格", code="ORPHAN")
    assert "parent" in error.value.message_dict


def test_duplicate_code_is_refused(community):
    with pytest.raises(ValidationError) as error:
        services.node_create(actor=community.admin, parent=community.g4a, kind=NodeKind.GRID5,
                             name="重复", code="G5A")
    assert "code" in error.value.message_dict


def test_moving_a_grid_under_another_hub_keeps_the_tree_sound(community):
    services.node_move(actor=community.admin, node=community.g5b, target=community.g4b)
    community.refresh()
    assert community.g5b.parent == community.g4b
    assert find_tree_damage() == []
    call_command("check_tree")


def test_moving_a_node_beside_a_sibling(community):
    services.node_move(actor=community.admin, node=community.g5b, target=community.g5a,
                       position="left")
    children = list(community.g4a.get_children().values_list("code", flat=True))
    assert children == ["G5B", "G5A"]
    assert find_tree_damage() == []


def test_a_node_cannot_move_into_its_own_subtree(community):
    with pytest.raises(ValidationError):
        services.node_move(actor=community.admin, node=community.hub1, target=community.g4a)
    assert find_tree_damage() == []


def test_a_hub_cannot_move_under_a_grid(community):
    with pytest.raises(ValidationError):
        services.node_move(actor=community.admin, node=community.hub2, target=community.g4a)
    community.refresh()
    assert community.hub2.parent == community.community


def test_a_kind_change_that_would_put_children_above_their_parent_is_refused(community):
    with pytest.raises(ValidationError) as error:
        services.node_update(actor=community.admin, node=community.g4a, kind=NodeKind.GRID5)
    assert "kind" in error.value.message_dict
    community.refresh()
    assert community.g4a.kind == NodeKind.GRID4


def test_deleting_a_node_with_children_or_people_is_refused(community):
    with pytest.raises(ValidationError):
        services.node_delete(actor=community.admin, node=community.g4a)
    with pytest.raises(ValidationError):
        services.node_delete(actor=community.admin, node=community.g5a)  # worker_a assigned
    empty = services.node_create(actor=community.admin, parent=community.g4a,
                                 kind=NodeKind.GRID5, name="空网格", code="EMPTY")
    services.node_delete(actor=community.admin, node=empty)
    assert not GridNode.objects.filter(code="EMPTY").exists()
    assert find_tree_damage() == []


def test_a_grid_worker_may_not_change_the_tree(community):
    with pytest.raises(PermissionDenied):
        services.node_create(actor=community.worker_a, parent=community.g5a.parent,
                             kind=NodeKind.GRID5, name="新网格", code="NEW")


def test_staff_with_the_permission_change_only_their_own_subtree(community):
    staff = community.center_staff
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["add_gridnode",
                                                                        "change_gridnode"]))
    node = services.node_create(actor=staff, parent=community.g4a, kind=NodeKind.GRID5,
                                name="新网格", code="NEW")
    assert node.parent == community.g4a
    with pytest.raises(PermissionDenied):
        services.node_create(actor=staff, parent=community.other, kind=NodeKind.GRID4,
                             name="别人的网格", code="THEIRS")
    with pytest.raises(PermissionDenied):
        services.node_move(actor=staff, node=community.g5a, target=community.g4x)


def test_check_tree_reports_damage_and_repairs_it(community):
    GridNode.objects.filter(pk=community.g5a.pk).update(lft=999)
    problems = find_tree_damage()
    assert any("G5A" in line for line in problems)
    with pytest.raises(CommandError):
        call_command("check_tree")
    call_command("check_tree", "--repair")
    assert find_tree_damage() == []


def test_check_tree_notices_an_orphaned_range(community):
    GridNode.objects.filter(pk=community.g5c.pk).update(rght=2)
    assert find_tree_damage() != []


def test_assignment_cannot_end_before_it_starts(community):
    import datetime as dt

    with pytest.raises(ValidationError) as error:
        services.assignment_create(actor=community.admin, user=community.worker_a,
                                   node=community.g5b, role=Role.WORKER,
                                   starts_on=dt.date(2025, 5, 1), ends_on=dt.date(2025, 4, 1))
    assert "ends_on" in error.value.message_dict


def test_an_ended_assignment_no_longer_counts(community):
    import datetime as dt

    assignment = AssignmentFactory(user=community.worker_b, node=community.g5c, role=Role.WORKER)
    services.assignment_end(actor=community.admin, assignment=assignment,
                            ends_on=dt.date(2024, 6, 30))
    assignment.refresh_from_db()
    assert not assignment.is_current
