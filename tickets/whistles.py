"""Who may whistle a ticket to a department (吹哨), by the whistle rules (`WhistleRule`, rows
editable in admin): a rule names a level of the tree (the street, a community), optionally one
node of it and one department.

A person whistles from the nodes where they work the ticket (the permission matrix's
`tickets.act` in a subtree: a head, a worker, center staff, the street's dispatcher) that lie
on the way from the ticket's owner to the root; the lowest of them that a rule allows is where
the whistle comes from. Administrators and the system whistle from any node on that way, and so
does a department's liaison passing a whistled ticket on to another department.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from gridportal import permissions
from grids.models import GridNode
from grids.selectors import sees_everything

from .models import Department, Ticket, WhistleRule

ACT = "tickets.act"


def _chain(ticket: Ticket) -> list[GridNode]:
    return list(ticket.owner.get_ancestors(ascending=True, include_self=True))


def whistling_nodes(*, actor: User | AnonymousUser | None, ticket: Ticket) -> list[GridNode]:
    """The nodes the actor may whistle this ticket from, lowest first (before the rules)."""
    chain = _chain(ticket)
    if actor is None or sees_everything(actor) or ticket.department_id is not None:
        return chain
    roles = permissions.roles_with(ACT, permissions.Scope.SUBTREE)
    held = {holding.node_id for holding in permissions.holdings(actor) if holding.role in roles}
    return [node for node in chain if node.pk in held]


def _rules(nodes: list[GridNode]) -> list[WhistleRule]:
    if not nodes:
        return []
    return list(WhistleRule.objects.filter(active=True).filter(
        Q(node__in=nodes) | Q(node__isnull=True, node_kind__in={node.kind for node in nodes})))


def whistle_origin(*, actor: User | AnonymousUser | None, ticket: Ticket,
                   department: Department) -> GridNode | None:
    """The node the whistle to `department` comes from, or None when the actor's level may not
    whistle to it."""
    nodes = whistling_nodes(actor=actor, ticket=ticket)
    rules = _rules(nodes)
    return next((node for node in nodes
                 if any(rule.allows(node, department.pk) for rule in rules)), None)


def whistle_departments(*, actor: User | AnonymousUser | None,
                        ticket: Ticket) -> list[Department]:
    """The active departments the actor may whistle this ticket to (for the page's choices),
    without the one that has it now."""
    nodes = whistling_nodes(actor=actor, ticket=ticket)
    rules = [rule for rule in _rules(nodes) if any(
        rule.node_kind == node.kind and rule.node_id in (None, node.pk) for node in nodes)]
    if not rules:
        return []
    departments = Department.objects.filter(active=True).exclude(pk=ticket.department_id or 0)
    if all(rule.department_id is not None for rule in rules):
        departments = departments.filter(pk__in={rule.department_id for rule in rules})
    return list(departments)
