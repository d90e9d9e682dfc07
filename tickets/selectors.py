"""Reads with rules for tickets, by the permission matrix (gridportal.permissions): the tree's
roles see the tickets owned or located in their subtrees (a grid keeps sight of what it
escalated); volunteers and property staff the tickets routed to their role there, assigned to
them or reported by them; a department's liaison the tickets whistled to that department, now
or before."""

import datetime as dt
import re
from collections.abc import Sequence

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridportal import permissions
from gridportal.permissions import Target, within_q
from grids.models import GridNode
from grids.phones import normalise_phone, phone_spellings
from grids.selectors import User, sees_everything

from .models import Category, Department, Status, Ticket, TicketEvent, TicketPhoto
from .services import (  # noqa: F401 - the capability names, re-exported for the views
    ACT,
    CREATE,
    IMPORT_WORK_ORDERS,
    READ,
    READ_DASHBOARD,
    SEE_REPORTER_CONTACT,
    SELF_REPORT_KEY_PREFIX,
    SUPERVISE,
)
from .workflow import LIVE, OPEN, WORKING

ORDERINGS = {"newest": ("-id",), "deadline": ("resolve_due_at", "id")}


def _routed(role: str, ranges: list, user: User) -> Q:
    """Routed to the role at its nodes (the category names the role), or the user's own."""
    return ((within_q("owner", ranges) & Q(category__route_to_role=role))
            | Q(assignee_id=user.pk) | Q(created_by_id=user.pk))


def _whistled(department_ids: list[int], ever: bool) -> Q:
    """With one of the departments now; or, when `ever`, summoned to one at any time."""
    now = Q(department_id__in=department_ids)
    if not ever:
        return now
    summoned = Ticket.summoned_departments.through.objects.filter(
        ticket_id=OuterRef("pk"), department_id__in=department_ids)
    return now | Q(Exists(summoned))


def _worked(scope, ranges: list) -> Q:
    """Working a ticket is for its owning node and above, until a department has it."""
    return Q(department__isnull=True) & within_q("owner", ranges)


def _routed_work(role: str, ranges: list, user: User) -> Q:
    return Q(department__isnull=True) & ((within_q("owner", ranges)
                                          & Q(category__route_to_role=role))
                                         | Q(assignee_id=user.pk))


def _supervised(scope, ranges: list) -> Q:
    """Dispatching is for those strictly above the owning node; once a department has the
    ticket (it left the tree), for those at the owning node or above."""
    return ((Q(department__isnull=True) & within_q("owner", ranges, strictly=True))
            | (Q(department__isnull=False) & within_q("owner", ranges)))


# How the matrix places a ticket: to read it, by its owner and by its location; to work it or
# dispatch it, by its owner (and department) only.
TICKET = Target("ticket", nodes=("owner", "node"), routed=_routed, department=_whistled)
TICKET_WORK = Target("ticket to work", tree=_worked, routed=_routed_work,
                     department=lambda ids, ever: Q(department_id__in=ids))
TICKET_SUPERVISION = Target("ticket to dispatch", tree=_supervised)
permissions.register_target(Ticket, TICKET)
permissions.register_target(Ticket, TICKET_WORK, ACT)
permissions.register_target(Ticket, TICKET_SUPERVISION, SUPERVISE)


def _scope(user: User, capability: str = READ) -> Q | None:
    return permissions.scope_q(user, capability, TICKET)


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
    phone: str = "",
    assignee_is_me: bool = False,
    capability: str = READ,
) -> QuerySet[Ticket]:
    """The tickets the user may read (or, for the dashboard, count: `capability`), filtered.
    `text` finds a reference, a 12345 work-order number, a short code or words of the title;
    `phone` (from a request body, never a URL) the tickets of a caller, only among those whose
    reporter's contact the user may see."""
    tickets = Ticket.objects.all()
    scope = _scope(user, capability)
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
        tickets = tickets.filter(text_q(text))
    if phone:
        tickets = _caller(tickets, user, phone)
    return tickets.select_related("owner", "category", "department", "assignee")


REFERENCE = re.compile(r"^(T[0-9]{6})-?([0-9A-F]{6})$")
_CODE_NOISE = re.compile(r"[\s\-]")


def text_q(text: str) -> Q:
    """What a desk types to find a ticket: its reference (T261202-ABC123, in any case, with or
    without the hyphen), its 12345 work-order number, its short code, or words of its title."""
    text = text.strip()
    compact = _CODE_NOISE.sub("", text).upper()
    reference = REFERENCE.match(compact)
    match = Q(title__contains=text) | Q(external_number__iexact=text)
    if reference:
        match |= Q(reference=f"{reference[1]}-{reference[2]}")
    if 4 <= len(compact) <= 8:
        match |= Q(short_code=compact)
    return match


def _caller(tickets: QuerySet[Ticket], user: User, phone: str) -> QuerySet[Ticket]:
    """The tickets reported from this phone (by the caller or a registered resident), among
    those whose reporter's contact the user may see: a search by number must not tell who
    called where the number itself is hidden."""
    normal = normalise_phone(phone)
    if normal is None:
        return tickets.none()
    spellings = phone_spellings(normal)
    tickets = tickets.filter(Q(reporter_phone__in=spellings) | Q(resident__phone__in=spellings))
    contact = _scope(user, SEE_REPORTER_CONTACT)
    return tickets if contact is None else tickets.filter(contact)


def ticket_get_for(*, user: User, pk) -> Ticket:
    try:
        return with_contact_rights(ticket_list_for(user=user), user=user).select_related(
            "node", "building", "dwelling__building", "resident", "merged_into").get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def events_for(*, ticket: Ticket, public_only: bool = False) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("actor").prefetch_related("photos")
    return events.filter(public=True) if public_only else events


def timeline_for(*, ticket: Ticket
                 ) -> tuple[list[tuple[TicketEvent, list[TicketPhoto]]], list[TicketPhoto]]:
    """The ticket's events, each with its photos, and the photos taken when the ticket was
    entered (they belong to no step): two queries."""
    photos_by_event: dict[int | None, list[TicketPhoto]] = {}
    for photo in ticket.photos.order_by("pk"):
        photos_by_event.setdefault(photo.event_id, []).append(photo)
    events = [(event, photos_by_event.get(event.pk, []))
              for event in ticket.events.select_related("actor")]
    return events, photos_by_event.get(None, [])


def ticket_photo_get_for(*, user: User, ticket_pk, photo_pk) -> TicketPhoto:
    """A photo, only when it belongs to that ticket and the ticket is in the user's scope."""
    ticket = ticket_get_for(user=user, pk=ticket_pk)
    try:
        return ticket.photos.get(pk=photo_pk)
    except (TicketPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# A task is due soon when its current deadline (accepting a new one, resolving one being
# worked) falls within this time from now.
DUE_SOON = dt.timedelta(hours=24)


def due_soon_q(now: dt.datetime | None = None) -> Q:
    now = now or timezone.now()
    soon = now + DUE_SOON
    waiting = Q(status=Status.NEW, accept_due_at__gte=now, accept_due_at__lt=soon)
    working = Q(status__in=WORKING, resolve_due_at__gte=now, resolve_due_at__lt=soon)
    return waiting | working


# The groups of "my tasks" the worker's home page counts, each a link to the list narrowed to it.
TASK_GROUPS = {
    "new": lambda now: Q(status=Status.NEW),
    "due_soon": due_soon_q,
    "overdue": overdue_q,
}
TASK_GROUP_LABELS = {"new": _("New tasks"), "due_soon": _("Due soon"), "overdue": _("Overdue")}


def my_tasks(*, user: User, group: str = "", now: dt.datetime | None = None
             ) -> QuerySet[Ticket]:
    """A phone list of live work, soonest deadline first: the tickets the user may work now
    (the matrix's `tickets.act`: owned at their nodes, routed to them, or with their
    department) that are assigned to them or to nobody; `group` narrows it to one of
    TASK_GROUPS."""
    tickets = ticket_list_for(user=user).filter(status__in=LIVE)
    if not sees_everything(user):
        workable = permissions.scope_q(user, ACT, TICKET_WORK)
        tickets = tickets.filter(workable if workable is not None else Q()).filter(
            Q(assignee_id=user.pk) | Q(assignee__isnull=True))
    if group:
        tickets = tickets.filter(TASK_GROUPS[group](now or timezone.now()))
    return tickets.order_by("resolve_due_at", "id")


def my_task_counts(*, user: User, now: dt.datetime | None = None) -> dict[str, int]:
    """How many of the user's tasks are in each of TASK_GROUPS, and in all: one query."""
    now = now or timezone.now()
    counts = {name: Count("pk", filter=condition(now)) for name, condition in TASK_GROUPS.items()}
    return my_tasks(user=user).order_by().aggregate(total=Count("pk"), **counts)


def with_contact_rights(tickets: QuerySet[Ticket], *, user: User) -> QuerySet[Ticket]:
    """Mark each ticket with `can_see_contact`: whether the reporter's phone may be shown."""
    return permissions.annotate_rights(tickets, user, TICKET,
                                       can_see_contact=SEE_REPORTER_CONTACT)


def public_categories() -> QuerySet[Category]:
    """The kinds of problem a resident may report: active and not internal (a committee's
    decision is the staff's own)."""
    return Category.objects.filter(active=True, internal=False)


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


# --- Whistled tickets and the departments' reports (吹哨报到) ---------------------------------

WHISTLED_LIMIT = 200


def _report_events() -> QuerySet[TicketEvent]:
    """A ticket's events since it reached its department (the stage began with the whistle)
    written by one of that department's liaisons: the department's reports back (报到)."""
    liaison = Department.liaisons.through.objects.filter(
        department_id=OuterRef(OuterRef("department_id")), user_id=OuterRef("actor_id"))
    return (TicketEvent.objects.filter(ticket_id=OuterRef("pk"),
                                       created_at__gte=OuterRef("stage_started_at"))
            .filter(Exists(liaison)).order_by("-created_at", "-pk"))


def whistled_list_for(*, user: User, open_only: bool = True,
                      limit: int = WHISTLED_LIMIT) -> Sequence[Ticket]:
    """The tickets the user may read that are with a department now, by department, newest
    whistle first, each with `whistle_event` (who whistled, from where) and `report` (the
    department's latest report back, or None). Three queries whatever the number of rows."""
    tickets = ticket_list_for(user=user, status="open" if open_only else "")
    last_whistle = TicketEvent.objects.filter(
        ticket_id=OuterRef("pk"), action="whistle").order_by("-created_at", "-pk")
    rows = list(tickets.filter(department__isnull=False).annotate(
        whistle_event_id=Subquery(last_whistle.values("pk")[:1]),
        report_id=Subquery(_report_events().values("pk")[:1]),
    ).order_by("department__name", F("stage_started_at").desc(), "-id")[:limit])
    wanted = {pk for row in rows for pk in (row.whistle_event_id, row.report_id) if pk}
    events = TicketEvent.objects.select_related("actor").in_bulk(wanted)
    for row in rows:
        row.whistle_event = events.get(row.whistle_event_id)  # type: ignore[attr-defined]
        row.report = events.get(row.report_id)  # type: ignore[attr-defined]
    return rows
