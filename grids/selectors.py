"""Reads with rules, above all scoping: a user sees the subtrees of the nodes they are assigned to.

The check is the lookup. Each helper narrows a queryset in the database with literal ranges on
the tree columns (tree_id, lft, rght) where the user's roles grant the capability read
(`gridportal.permissions`, the one matrix), so an object outside scope is simply not found, and a
detail view answers 404 exactly as for a missing object.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gridportal import permissions

from .models import (
    DEFAULT_ROUTING_ROLES,
    GRID_KINDS,
    Assignment,
    GridNode,
    Role,
    RoutingRole,
    ServicePoint,
)

User = AuthUser | AnonymousUser


def sees_everything(user: User) -> bool:
    return permissions.is_admin(user)


def _current_assignments_of(user: User) -> QuerySet[Assignment]:
    return Assignment.objects.current().filter(user_id=user.pk, node__active=True)


# How the matrix places the tree's own rows (gridportal.permissions).
GRID_NODE = permissions.Target("grid node", nodes=("",), community="")
ASSIGNMENT = permissions.Target("assignment", nodes=("node",))
SERVICE_POINT = permissions.Target("service point", nodes=("node",))
permissions.register_target(GridNode, GRID_NODE)
permissions.register_target(Assignment, ASSIGNMENT)
permissions.register_target(ServicePoint, SERVICE_POINT)

READ_TREE = "grids.read_tree"


def subtree_q(node: GridNode, path: str = "") -> Q:
    """`path` (a path from a model to a GridNode, "" for GridNode itself) lies in `node`'s
    subtree, `node` included: one range on the tree columns."""
    return permissions.within_q(path, [(node.tree_id, node.lft, node.rght)])


def scope_queryset(queryset: QuerySet, *, user: User, capability: str,
                   node_field: str = "node") -> QuerySet:
    """Narrow `queryset` to rows whose `node_field` (the path from the queryset's model to a
    GridNode, "" for GridNode itself) lies where the user holds `capability`."""
    target = permissions.Target(queryset.model.__name__, nodes=(node_field,))
    return permissions.scope_queryset(queryset, user, capability, target)


def visible_nodes(user: User, capability: str = READ_TREE) -> QuerySet[GridNode]:
    """Every node where the user holds `capability` (by default: may see the tree there)."""
    return permissions.scope_queryset(GridNode.objects.all(), user, capability, GRID_NODE)


def node_get_for(*, user: User, pk, capability: str = READ_TREE) -> GridNode:
    try:
        return visible_nodes(user, capability).get(pk=pk)
    except (GridNode.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def node_list_for(
    *, user: User, kind: str | None = None, within: GridNode | None = None,
    capability: str = READ_TREE,
) -> QuerySet[GridNode]:
    nodes = visible_nodes(user, capability)
    if kind:
        nodes = nodes.filter(kind=kind)
    if within is not None:
        nodes = nodes.filter(tree_id=within.tree_id, lft__gte=within.lft, rght__lte=within.rght)
    return nodes.order_by("tree_id", "lft")


def boundary_context_for(*, user: User, node: GridNode) -> QuerySet[GridNode]:
    """The shapes a node's boundary is drawn against: its parent's and its siblings' boundaries,
    those the user may see."""
    if node.parent_id is None:
        around = Q(parent__isnull=True)
    else:
        around = Q(pk=node.parent_id) | Q(parent_id=node.parent_id)
    return (visible_nodes(user).filter(around, boundary__isnull=False).exclude(pk=node.pk)
            .only("pk", "name", "parent_id", "boundary").order_by("tree_id", "lft"))


def own_nodes(user: User) -> QuerySet[GridNode]:
    """The nodes the user is assigned to (the tops of their subtrees), with their roles."""
    if not user.is_authenticated:
        return GridNode.objects.none()
    return (
        GridNode.objects.filter(
            Exists(_current_assignments_of(user).filter(node_id=OuterRef("pk")))
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.current().filter(user_id=user.pk),
                to_attr="my_assignments",
            )
        )
        .order_by("tree_id", "lft")
    )


def assignment_list_for(*, user: User, node: GridNode | None = None) -> QuerySet[Assignment]:
    assignments = permissions.scope_queryset(
        Assignment.objects.all(), user, READ_TREE, ASSIGNMENT).select_related("node", "user")
    if node is not None:
        assignments = assignments.filter(node=node)
    return assignments


def assignment_get_for(*, user: User, pk: int) -> Assignment:
    try:
        return assignment_list_for(user=user).get(pk=pk)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def service_point_list_for(*, user: User) -> QuerySet[ServicePoint]:
    return permissions.scope_queryset(ServicePoint.objects.all(), user, READ_TREE,
                                      SERVICE_POINT).select_related("node")


def ancestors_of(node: GridNode) -> QuerySet[GridNode]:
    return node.get_ancestors(include_self=False)


# --- Staffing and rollups ---------------------------------------------------------------------


def _role_counts() -> dict:
    today = timezone.localdate()
    current = Q(assignments__starts_on__lte=today) & (
        Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=today)
    )
    counts = {
        f"n_{role.value}": Count(
            "assignments", filter=current & Q(assignments__role=role), distinct=True
        )
        for role in Role
    }
    counts["n_staff"] = Count("assignments__user", filter=current, distinct=True)
    return counts


def _current_staff(node_ids: list[int]) -> tuple[dict[int, Counter], dict[int, set[int]]]:
    """Each node's current assignments counted by role, and the people who hold them: plain
    rows counted here, where `_role_counts`' eleven filtered aggregates cost more to build than
    to run."""
    by_role: dict[int, Counter] = defaultdict(Counter)
    people: dict[int, set[int]] = defaultdict(set)
    rows = (Assignment.objects.current().filter(node_id__in=node_ids)
            .values_list("node_id", "role", "user_id"))
    for node_id, role, user_id in rows:
        by_role[node_id][role] += 1
        people[node_id].add(user_id)
    return by_role, people


def routing_roles() -> frozenset[str]:
    """The roles that make a node staffed for routing: the routing settings' rows, and the
    defaults for roles without one (one query)."""
    settings = dict(RoutingRole.objects.values_list("role", "staffs_node"))
    return frozenset(role for role in Role.values
                     if settings.get(role, role in DEFAULT_ROUTING_ROLES))


def staffed_for_routing_q(roles: frozenset[str]) -> Q:
    """A node where an active user currently holds one of `roles` (for Count/Exists over a
    node's assignments)."""
    today = timezone.localdate()
    return (Q(assignments__starts_on__lte=today)
            & (Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=today))
            & Q(assignments__role__in=roles, assignments__user__is_active=True))


def staffing_gaps_for(*, user: User, within: GridNode | None = None) -> QuerySet[GridNode]:
    """Active grids that lack a current head, or (for the lowest grids, those with no active
    child grid) a current worker; in tree order. Each says whether it keeps the tickets located
    in it (`n_routing`: people in the roles the routing settings count, as `tickets.route`
    asks) or passes them to the node above."""
    child_grids = GridNode.objects.filter(parent=OuterRef("pk"), kind__in=GRID_KINDS, active=True)
    grids = (
        node_list_for(user=user, within=within)
        .filter(kind__in=GRID_KINDS, active=True)
        .annotate(**_role_counts(), has_child_grids=Exists(child_grids),
                  n_routing=Count("assignments", distinct=True,
                                  filter=staffed_for_routing_q(routing_roles())))
    )
    return grids.filter(
        Q(n_head=0) | Q(n_worker=0, has_child_grids=False)
    ).select_related("parent")


def _missing_roles(node: GridNode, counts: dict[str, int], has_child_grids: bool) -> list[str]:
    if not (node.is_grid and node.active):
        return []
    missing = [Role.HEAD] if counts[Role.HEAD] == 0 else []
    if counts[Role.WORKER] == 0 and not has_child_grids:
        missing.append(Role.WORKER)
    return [str(role.label) for role in missing]


@dataclass
class NodeRollup:
    node: GridNode
    role_counts: dict[str, int]
    staff: int
    gaps: list[str] = field(default_factory=list)
    child_count: int = 0
    grid_count: int = 0
    gap_count: int = 0
    service_point_count: int = 0
    indent: int = 0


def tree_rollup_for(*, user: User, within: GridNode | None = None) -> list[NodeRollup]:
    """Every visible node in tree order with its staff, its own staffing gaps, and subtree totals
    (grids and grids with gaps below it). Two queries whatever the size of the tree: the nodes
    (not their boundaries) and their current assignments."""
    nodes = list(
        node_list_for(user=user, within=within).defer("boundary", "coverage")
        .annotate(n_points=Count("service_points", distinct=True))
    )
    by_role, people = _current_staff([node.pk for node in nodes])
    parents_of_grids = {n.parent_id for n in nodes if n.is_grid and n.active}
    rollups = []
    for node in nodes:
        counts = {role.value: by_role[node.pk][role.value] for role in Role}
        gaps = _missing_roles(node, counts, node.pk in parents_of_grids)
        rollups.append(NodeRollup(node=node, role_counts=counts, staff=len(people[node.pk]),
                                  gaps=gaps, service_point_count=node.n_points))
    _add_subtree_totals(rollups)
    top_level = min((item.node.level for item in rollups), default=0)
    for item in rollups:
        item.indent = min(item.node.level - top_level, 5)
    return rollups


def _add_subtree_totals(rollups: list[NodeRollup]) -> None:
    """Walk the list (in tree order) once, adding each node's figures to its visible ancestors."""
    children: dict[int, int] = defaultdict(int)
    stack: list[NodeRollup] = []
    for item in rollups:
        node = item.node
        while stack and not (
            stack[-1].node.tree_id == node.tree_id and stack[-1].node.rght > node.rght
        ):
            stack.pop()
        if node.parent_id is not None:
            children[node.parent_id] += 1
        is_grid = node.is_grid and node.active
        for ancestor in stack:
            ancestor.grid_count += int(is_grid)
            ancestor.gap_count += int(bool(item.gaps))
        stack.append(item)
    for item in rollups:
        item.child_count = children[item.node.pk]


def node_people(node: GridNode) -> QuerySet[Assignment]:
    return (
        Assignment.objects.current()
        .filter(node=node)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name")
    )
