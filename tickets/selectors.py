"""Reads with rules for tickets. A user sees the tickets owned in their subtrees, those located
in their subtrees (a grid keeps sight of what it escalated), and, for a department's liaison,
the tickets whistled to that department."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from grids.models import GridNode
from grids.selectors import User, scope_q, scope_ranges, sees_everything

from .models import Department, Status, Ticket, TicketEvent, TicketPhoto
from .services import SELF_REPORT_KEY_PREFIX
from .workflow import LIVE, OPEN

ORDERINGS = {"newest": ("-id",), "deadline": ("resolve_due_at", "id")}


def _scope(user: User) -> Q | None:
    if sees_everything(user):
        return None
    if not (user.is_authenticated and user.pk):
        return Q(pk__in=[])
    ranges = scope_ranges(user)
    owned, located = scope_q(user, "owner", ranges), scope_q(user, "node", ranges)
    if owned is None or located is None:
        return None
    liaison = Exists(Department.liaisons.through.objects.filter(
        department_id=OuterRef("department_id"), user_id=int(user.pk)))
    return owned | located | Q(liaison)


def overdue_q(now: dt.datetime | None = None) -> Q:
    now = now or timezone.now()
    waiting = Q(status=Status.NEW, accept_due_at__lt=now)
    working = Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS], resolve_due_at__lt=now)
    return waiting | working


def ticket_list_for(
    *,
    user: User,
    status: str = "",
    whistle: str = "",
    channel: str = "",
    category: int | None = None,
    node: GridNode | None = None,
    overdue: bool | None = None,
    text: str = "",
    assignee_is_me: bool = False,
) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    scope = _scope(user)
    if scope is not None:
        tickets = tickets.filter(scope)
    if status == "open":
        tickets = tickets.filter(status__in=OPEN)
    equal = {"status": status if status != "open" else "", "whistle": whistle,
             "channel": channel, "category_id": category,
             "assignee_id": user.pk if assignee_is_me else None}
    tickets = tickets.filter(**{field: value for field, value in equal.items() if value})
    if node is not None:
        tickets = tickets.filter(Q(owner__tree_id=node.tree_id, owner__lft__gte=node.lft,
                                   owner__lft__lt=node.rght)
                                 | Q(node__tree_id=node.tree_id, node__lft__gte=node.lft,
                                     node__lft__lt=node.rght))
    if overdue is True:
        tickets = tickets.filter(overdue_q())
    elif overdue is False:
        tickets = tickets.exclude(overdue_q())
    if text:
        tickets = tickets.filter(Q(reference__iexact=text) | Q(title__contains=text))
    return tickets.select_related("owner", "category", "department", "assignee")


def ticket_get_for(*, user: User, pk) -> Ticket:
    try:
        return ticket_list_for(user=user).select_related(
            "node", "building", "dwelling__building", "resident", "merged_into").get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def events_for(*, ticket: Ticket, public_only: bool = False) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("actor").prefetch_related("photos")
    return events.filter(public=True) if public_only else events


def ticket_photo_get_for(*, user: User, ticket_pk, photo_pk) -> TicketPhoto:
    """A photo, only when it belongs to that ticket and the ticket is in the user's scope."""
    ticket = ticket_get_for(user=user, pk=ticket_pk)
    try:
        return ticket.photos.get(pk=photo_pk)
    except (TicketPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def my_tasks(*, user: User) -> QuerySet[Ticket]:
    """A grid worker's phone list: live tickets assigned to them or unassigned at their nodes,
    soonest deadline first."""
    tickets = ticket_list_for(user=user).filter(status__in=LIVE)
    if not sees_everything(user):
        mine = Q(assignee_id=user.pk) | Q(assignee__isnull=True)
        tickets = tickets.filter(mine)
    return tickets.order_by("resolve_due_at", "id")


def public_ticket(*, token: str) -> Ticket:
    try:
        return Ticket.objects.select_related("category", "owner").get(tracking_token=token)
    except Ticket.DoesNotExist:
        raise Http404 from None


def public_ticket_by_code(*, code: str, phone: str) -> Ticket:
    """A short code works only together with the reporter's phone number."""
    ticket = (Ticket.objects.select_related("category", "owner")
              .filter(short_code=code.strip().upper(), reporter_phone=phone.strip()).first())
    if ticket is None or not phone.strip():
        raise Http404
    return ticket


def self_report_exists(key: str) -> bool:
    """Whether this key already made a ticket: a retry is answered without counting against
    the rate limits (it writes nothing)."""
    return Ticket.objects.filter(idempotency_key=SELF_REPORT_KEY_PREFIX + key).exists()
