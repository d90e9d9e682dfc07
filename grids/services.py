"""Writes with rules for the grid tree and assignments.

django-mptt keeps the tree as nested sets: a move renumbers many rows from values read a moment
before, so two moves running at once can corrupt the tree. Every tree write therefore runs inside
`tree_write_lock()`, re-reads the nodes it touches after taking the lock, and only then writes.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gridportal import permissions

from . import geometry
from .models import Assignment, GridNode, NodeKind, validate_kind_under_parent
from .selectors import sees_everything

# Any constant works; it names the one advisory lock that serialises tree writes on PostgreSQL.
TREE_LOCK_KEY = 0x6772_6964  # "grid"

MANAGE_TREE = "grids.manage_tree"
MOVE_POSITIONS = ("first-child", "last-child", "left", "right")
NODE_FIELDS = ("name", "code", "kind", "coverage", "boundary", "latitude", "longitude",
               "active")


@contextmanager
def tree_write_lock() -> Iterator[None]:
    """Serialise tree writes. PostgreSQL: a transaction-level advisory lock. SQLite: the portal's
    transactions begin IMMEDIATE (see settings), which takes the database write lock at once."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TREE_LOCK_KEY])
        yield


def _require_tree_right(actor: User, perm: str, node: GridNode | None) -> None:
    """Admins may change any node; others need the admin permission and the matrix's
    `grids.manage_tree` at the node."""
    if sees_everything(actor):
        return
    if not actor.has_perm(f"grids.{perm}_gridnode"):
        raise PermissionDenied(_("You may not change the grid tree."))
    if node is None or not permissions.has(actor, MANAGE_TREE, node):
        raise PermissionDenied(_("That part of the grid tree is outside your area."))


def may_change_node(*, actor: User, node: GridNode) -> bool:
    """Whether `actor` may change `node`'s own fields (its boundary, say): the same rule as
    `node_update` applies."""
    try:
        _require_tree_right(actor, "change", node)
    except PermissionDenied:
        return False
    return True


def _fresh(node: GridNode) -> GridNode:
    return GridNode.objects.get(pk=node.pk)


@transaction.atomic
def node_create(
    *,
    actor: User,
    parent: GridNode | None,
    kind: str,
    name: str,
    code: str,
    coverage: str = "",
    boundary: dict | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    active: bool = True,
) -> GridNode:
    _require_tree_right(actor, "add", parent)
    with tree_write_lock():
        parent = _fresh(parent) if parent is not None else None
        node = GridNode(
            parent=parent, kind=kind, name=name, code=code, coverage=coverage,
            boundary=boundary, latitude=latitude, longitude=longitude, active=active,
        )
        node.full_clean()
        node.save()
    if boundary is not None:
        geometry.boundaries_changed()
    return node


def _check_children_allow(node: GridNode, kind: str) -> None:
    depth = NodeKind(kind).depth
    shallowest_child = min(
        (NodeKind(child_kind).depth for child_kind in node.get_children().values_list("kind",
                                                                                     flat=True)),
        default=None,
    )
    if shallowest_child is not None and shallowest_child <= depth:
        raise ValidationError(
            {"kind": _("This node has children that must stay deeper than it; "
                       "move them before changing its kind.")}
        )


@transaction.atomic
def node_update(*, actor: User, node: GridNode, **changes: Any) -> GridNode:
    """Change a node's own fields (not its place in the tree: see `node_move`)."""
    unknown = set(changes) - set(NODE_FIELDS)
    if unknown:
        raise ValueError(f"node_update cannot change {sorted(unknown)}")
    _require_tree_right(actor, "change", node)
    with tree_write_lock():
        node = _fresh(node)
        for name, value in changes.items():
            setattr(node, name, value)
        node.full_clean()
        if "kind" in changes:
            _check_children_allow(node, node.kind)
        node.save()
    if {"boundary", "active"} & set(changes):
        geometry.boundaries_changed()
    return node


@transaction.atomic
def node_move(
    *, actor: User, node: GridNode, target: GridNode, position: str = "last-child"
) -> GridNode:
    """Move `node` and its subtree relative to `target` (as its child, or beside it)."""
    if position not in MOVE_POSITIONS:
        raise ValidationError({"position": _("Unknown position.")})
    _require_tree_right(actor, "change", node)
    with tree_write_lock():
        node, target = _fresh(node), _fresh(target)
        new_parent = target if position.endswith("child") else target.parent
        _require_tree_right(actor, "change", new_parent)
        if node.tree_id == target.tree_id and node.lft <= target.lft and target.rght <= node.rght:
            raise ValidationError({"target": _("A node cannot be moved into its own subtree.")})
        validate_kind_under_parent(kind=node.kind, parent=new_parent)
        node.move_to(target, position)
        moved = _fresh(node)
        if moved.boundary is not None:
            geometry.check_node_boundary(moved)
    return moved


@transaction.atomic
def node_delete(*, actor: User, node: GridNode) -> None:
    _require_tree_right(actor, "delete", node)
    with tree_write_lock():
        node = _fresh(node)
        blockers = []
        if node.get_children().exists():
            blockers.append(_("it has child nodes"))
        if node.assignments.exists():
            blockers.append(_("people are assigned to it"))
        if node.service_points.exists():
            blockers.append(_("service points belong to it"))
        if blockers:
            raise ValidationError(
                _("This node cannot be deleted because %(reasons)s; deactivate it instead.")
                % {"reasons": _(", ").join(str(b) for b in blockers)}
            )
        had_boundary = node.boundary is not None
        node.delete()
    if had_boundary:
        geometry.boundaries_changed()


def tree_rebuild() -> None:
    """Recompute the nested-set columns from the parent links (repairs a damaged tree)."""
    with tree_write_lock():
        GridNode.objects.rebuild()


# --- Assignments ----------------------------------------------------------------------------


def _require_assignment_right(actor: User, perm: str, node: GridNode) -> None:
    if sees_everything(actor):
        return
    if not actor.has_perm(f"grids.{perm}_assignment"):
        raise PermissionDenied(_("You may not change assignments."))
    if not permissions.has(actor, MANAGE_TREE, node):
        raise PermissionDenied(_("That grid is outside your area."))


@transaction.atomic
def assignment_create(
    *,
    actor: User,
    user: User,
    node: GridNode,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> Assignment:
    _require_assignment_right(actor, "add", node)
    assignment = Assignment(user=user, node=node, role=role, starts_on=starts_on, ends_on=ends_on)
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(
    *, actor: User, assignment: Assignment, ends_on: dt.date
) -> Assignment:
    """Close an assignment; history is kept rather than deleted."""
    _require_assignment_right(actor, "change", assignment.node)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.ends_on = ends_on
    assignment.full_clean()
    assignment.save(update_fields=["ends_on"])
    return assignment
