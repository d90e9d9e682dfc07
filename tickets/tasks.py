"""Celery tasks for tickets: they take ids, fetch afresh and call one function. Delivery is
idempotent: each notification row has a unique key, so a retried task sends nothing twice."""

import json
import logging
import urllib.request

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridportal import permissions
from grids.models import Assignment

from .inbox import inbox_and_mail
from .models import (
    NodeWebhook,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStage,
    Ticket,
    TicketEvent,
    Whistle,
)

User = get_user_model()
logger = logging.getLogger(__name__)
EVENT_MESSAGES = {
    "created": gettext_noop("New ticket %(ref)s: %(title)s"),
    "escalate": gettext_noop("Ticket %(ref)s was escalated to you: %(title)s"),
    # To the department's liaisons: who whistled, and that they are to report back (报到).
    "whistle": gettext_noop(
        "%(origin)s whistled (吹哨): ticket %(ref)s, %(title)s. Please report back (报到)."),
    "auto_escalate": gettext_noop(
        "Ticket %(ref)s was escalated to you after its deadline: %(title)s"),
    "uphold_return": gettext_noop("Ticket %(ref)s was re-routed to you: %(title)s"),
    "chase": gettext_noop("Chase notice for ticket %(ref)s: %(title)s"),
    "request_extension": gettext_noop("Extension requested for ticket %(ref)s"),
    "rate_unsatisfied": gettext_noop(
        "The resident is not satisfied with ticket %(ref)s; it is back with you: %(title)s"),
}
REMINDER_MESSAGES: dict[str, str] = {
    ReminderKind.DUE_SOON: gettext_noop("Ticket %(ref)s is due soon: %(title)s"),
    ReminderKind.OVERDUE: gettext_noop("Ticket %(ref)s is overdue: %(title)s"),
}
CONTACT_MESSAGES: dict[str, str] = {
    ReminderKind.DUE_SOON: gettext_noop(
        "Ticket %(ref)s: contact the resident soon (first contact due): %(title)s"),
    ReminderKind.OVERDUE: gettext_noop(
        "Ticket %(ref)s: the resident has not been contacted in time: %(title)s"),
}
ESCALATED_MESSAGE = gettext_noop(
    "Ticket %(ref)s is overdue and was escalated automatically: %(title)s")
CALL_BACK_MESSAGE = gettext_noop("Call the resident back about ticket %(ref)s: %(title)s")

def _working_roles(ticket: Ticket) -> set[str]:
    """The roles that work a ticket at its owning node (gridportal.permissions' `tickets.act`):
    the tree's working roles, and a routed role only when the category routes to it."""
    roles = permissions.roles_with("tickets.act", permissions.Scope.SUBTREE)
    routed = permissions.roles_with("tickets.act", permissions.Scope.ROUTED)
    if ticket.category.route_to_role in routed:
        roles.add(ticket.category.route_to_role)
    return roles


def _people_at(nodes, roles) -> set:
    """Active users holding one of `roles` at a node, or at any node of a queryset of nodes."""
    field = "node__in" if hasattr(nodes, "model") else "node"
    assignments = Assignment.objects.current().filter(**{field: nodes}, role__in=roles)
    return {a.user for a in assignments.select_related("user") if a.user.is_active}


def _owner_people(ticket: Ticket) -> set:
    if ticket.department is not None:
        return set(ticket.department.liaisons.filter(is_active=True))
    return _people_at(ticket.owner, _working_roles(ticket))


def _dispatchers() -> set[str]:
    """The roles that dispatch tickets below their node (the matrix's `tickets.supervise`)."""
    return permissions.roles_with("tickets.supervise")


def _heads_to_the_root(ticket: Ticket) -> set:
    return _people_at(ticket.node.get_ancestors(include_self=True), _dispatchers())


def event_recipients(ticket: Ticket, action: str) -> set:
    if action == "created" and ticket.whistle == Whistle.EMERGENCY:
        return _owner_people(ticket) | _heads_to_the_root(ticket)
    if action == "chase" and ticket.assignee_id:
        return {ticket.assignee}
    if action == "request_extension" and ticket.owner.parent_id:
        return _people_at(ticket.owner.parent, _dispatchers())
    if action in EVENT_MESSAGES:
        return _owner_people(ticket)
    return set()


def _event_action(event: TicketEvent) -> str:
    if event.action == "rate":  # only an unsatisfied rating gives the owner work again
        return "rate_unsatisfied" if event.data.get("satisfaction") == "unsatisfied" else "rate"
    return "created" if event.kind == "created" else event.action


def tells_someone(event: TicketEvent) -> bool:
    """Whether the event has anybody to tell: a message for its action and people to receive it
    (or the owning node's group robot)."""
    action = _event_action(event)
    if action not in EVENT_MESSAGES:
        return False
    ticket = event.ticket
    return bool(event_recipients(ticket, action)) or NodeWebhook.objects.filter(
        node_id=ticket.owner_id, active=True).exists()


def reminder_recipients(ticket: Ticket, kind: str) -> set:
    """Due soon: the assignee (or the owner's people). Overdue: the assignee and the heads."""
    if ticket.department is not None:
        return _owner_people(ticket)
    people = {ticket.assignee} if ticket.assignee_id else _owner_people(ticket)
    if kind == ReminderKind.OVERDUE:
        people |= _people_at(ticket.owner, _dispatchers() & _working_roles(ticket))
    return people


def post_to_group_robot(ticket: Ticket, text: str) -> bool:
    """Post to the owning node's WeCom group robot, in the robot's JSON shape. Raises on failure
    so the task retries; False when the node has no active robot."""
    hook = NodeWebhook.objects.filter(node_id=ticket.owner_id, active=True).first()
    if hook is None or not hook.url.startswith(("https://", "http://")):
        return False
    body = json.dumps({"msgtype": "text", "text": {"content": text}}).encode()
    # The scheme was checked above: only http(s) URLs an admin entered are opened.
    request = urllib.request.Request(hook.url, data=body, method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return 200 <= response.status < 300


def deliver(*, ticket: Ticket, users: set, message: str, key_prefix: str,
            origin: str = "") -> int:
    """Create the inbox rows not yet there, e-mail their users, and tell the node's group robot
    the first time; return how many inbox rows were new.

    The people notified may read the ticket, so their notice names it by its title. A WeCom
    group has members of every role (volunteers, property staff), and what a resident wrote in
    the title may name them or a number: the group hears the reference and the category only.
    """
    text = _(message) % {"ref": ticket.reference, "title": ticket.title[:60], "origin": origin}
    fresh = inbox_and_mail(users=users, text=text, key_prefix=key_prefix, ticket=ticket)
    robot_key = f"{key_prefix}:robot"
    group_text = _(message) % {"ref": ticket.reference, "title": ticket.category.name,
                               "origin": origin}
    if not Notification.objects.filter(key=robot_key).exists() and post_to_group_robot(
            ticket, group_text):
        Notification.objects.create(user=None, ticket=ticket, text=group_text[:200],
                                    key=robot_key)
    return fresh


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_task(event_id: int) -> int:
    event = TicketEvent.objects.select_related("ticket__owner", "ticket__department",
                                               "ticket__node").filter(pk=event_id).first()
    if event is None or _event_action(event) not in EVENT_MESSAGES:
        return 0
    action = _event_action(event)
    ticket = event.ticket
    return deliver(ticket=ticket, users=event_recipients(ticket, action),
                   message=EVENT_MESSAGES[action], key_prefix=f"event:{event.pk}",
                   origin=event.data.get("origin", ""))


def reminder_message(reminder: Reminder, *, escalated: bool = False) -> str:
    if escalated:
        return ESCALATED_MESSAGE
    if reminder.stage == ReminderStage.FOLLOW_UP:
        return CALL_BACK_MESSAGE
    if reminder.stage == ReminderStage.CONTACT:
        return CONTACT_MESSAGES[reminder.kind]
    return REMINDER_MESSAGES[reminder.kind]


def _reminders():
    return Reminder.objects.select_related("ticket__owner", "ticket__department",
                                           "ticket__category")


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def deliver_reminder_task(reminder_id: int, escalated: bool = False,
                          recipients: list[int] | None = None) -> int:
    reminder = _reminders().filter(pk=reminder_id).first()
    if reminder is None:
        return 0
    return _deliver_reminder(reminder, escalated=escalated, recipients=recipients)


@shared_task(acks_late=True)
def deliver_reminders_task(reminder_ids: list[int]) -> int:
    """Deliver the reminders one sweep batch recorded. A delivery that fails is handed to
    `deliver_reminder_task`, which retries it alone; a batch delivered again (a worker lost)
    sends nothing twice, each notice being keyed per reminder and recipient."""
    fresh = 0
    for reminder in _reminders().filter(pk__in=reminder_ids).order_by("pk"):
        try:
            fresh += _deliver_reminder(reminder)
        except Exception:
            logger.warning("Reminder %s not delivered; retried alone", reminder.pk,
                           exc_info=True)
            deliver_reminder_task.delay(reminder.pk)
    return fresh


def _deliver_reminder(reminder: Reminder, *, escalated: bool = False,
                      recipients: list[int] | None = None) -> int:
    if reminder.kind not in REMINDER_MESSAGES:
        return 0
    ticket = reminder.ticket
    users = (set(User.objects.filter(pk__in=recipients, is_active=True))
             if recipients is not None else reminder_recipients(ticket, reminder.kind))
    return deliver(ticket=ticket, users=users,
                   message=reminder_message(reminder, escalated=escalated),
                   key_prefix=f"reminder:{reminder.pk}")


@shared_task(acks_late=True)
def sweep_task() -> dict:
    """Celery beat runs this every minute."""
    from .sweep import sweep

    return sweep(timezone.now())


@shared_task
def fold_kpis_task() -> int:
    """Celery beat runs this every minute: the KPI changes into the rollup (tickets.rollup).
    Reports are exact without it; it keeps the pending changes few."""
    from .rollup import fold_all

    return fold_all()
