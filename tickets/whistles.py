"""Who may whistle a ticket to a department (吹哨), by the whistle rules (`WhistleRule`, rows
editable in admin): a rule names a level of the tree (the street, a community), optionally one
node of it and one department.

A person whistles from the nodes where they work the ticket (the permission matrix's
`tickets.act` in a subtree: a head, a worker, center staff, the street's dispatcher) that lie
on the way from the ticket's owner to the root; the lowest of them that a rule allows is where
the whistle comes from. Administrators and the system whistle from any node on that way, and so
does a department's liaison passing a whistled ticket on to another department.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from gridportal import permissions
from grids.models import GridNode
from grids.selectors import sees_everything

from .models import WHISTLING_KINDS, Department, Ticket, WhistleRule

ACT = "tickets.act"


@dataclass(frozen=True)
class Level:
    """A node a whistle may come from: its id and kind."""

    node_id: int
    kind: str


def whistling_levels(*, actor: User | AnonymousUser | None, ticket: Ticket) -> list[Level]:
    """The nodes the actor may whistle this ticket from, lowest first (before the rules). For a
    person, the nodes where they work that cover the ticket's owner, from their assignments
    (no query beyond those the matrix reads once per request)."""
    owner = ticket.owner
    if actor is None or sees_everything(actor) or ticket.department_id is not None:
        chain = owner.get_ancestors(ascending=True, include_self=True)
        return [Level(node.pk, node.kind) for node in chain if node.kind in WHISTLING_KINDS]
    roles = permissions.roles_with(ACT, permissions.Scope.SUBTREE)
    held = sorted({(holding.lft, holding.node_id, holding.kind)
                   for holding in permissions.holdings(actor)
                   if holding.role in roles and holding.kind in WHISTLING_KINDS
                   and holding.tree_id == owner.tree_id
                   and holding.lft <= owner.lft and owner.rght <= holding.rght}, reverse=True)
    return [Level(node_id, kind) for _lft, node_id, kind in held]


def _rules(levels: list[Level]) -> list[WhistleRule]:
    if not levels:
        return []
    return list(WhistleRule.objects.filter(active=True).filter(
        Q(node_id__in=[level.node_id for level in levels])
        | Q(node__isnull=True, node_kind__in={level.kind for level in levels})))


def _allows(rule: WhistleRule, level: Level, department_id: int | None = None) -> bool:
    if rule.node_kind != level.kind or rule.node_id not in (None, level.node_id):
        return False
    return department_id is None or rule.department_id in (None, department_id)


def whistle_origin(*, actor: User | AnonymousUser | None, ticket: Ticket,
                   department: Department) -> GridNode | None:
    """The node the whistle to `department` comes from, or None when the actor's level may not
    whistle to it."""
    levels = whistling_levels(actor=actor, ticket=ticket)
    rules = _rules(levels)
    origin = next((level for level in levels
                   if any(_allows(rule, level, department.pk) for rule in rules)), None)
    return None if origin is None else GridNode.objects.get(pk=origin.node_id)


def whistle_departments(*, actor: User | AnonymousUser | None,
                        ticket: Ticket) -> list[Department]:
    """The active departments the actor may whistle this ticket to (for the page's choices),
    without the one that has it now."""
    levels = whistling_levels(actor=actor, ticket=ticket)
    rules = [rule for rule in _rules(levels) if any(_allows(rule, level) for level in levels)]
    if not rules:
        return []
    departments = Department.objects.filter(active=True).exclude(pk=ticket.department_id or 0)
    if all(rule.department_id is not None for rule in rules):
        departments = departments.filter(pk__in={rule.department_id for rule in rules})
    return list(departments)
