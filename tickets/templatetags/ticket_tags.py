import datetime as dt

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tickets.models import Status, Ticket, Whistle
from tickets.workflow import OPEN, TRANSITIONS

register = template.Library()

# The words of a ticket's status and deadline badges, translated once per language (a list
# shows them on every row).
_BADGE_TEXTS = {"accept_overdue": _("Accept overdue"), "accept_by": _("Accept by"),
                "overdue": _("Overdue"), "resolve_by": _("Resolve by"),
                "clock_stopped": _("Clock stopped")}
_translated: dict[str | None, dict[str, str]] = {}


def _words() -> dict[str, str]:
    language = translation.get_language()
    words = _translated.get(language)
    if words is None:
        words = {key: str(text) for key, text in _BADGE_TEXTS.items()}
        words.update({f"status:{value}": str(label) for value, label in Status.choices})
        words.update({f"whistle:{value}": str(label) for value, label in Whistle.choices})
        _translated[language] = words
    return words


@register.simple_tag
def ticket_status(ticket: Ticket) -> SafeString:
    """The ticket's status badge, and its whistle class unless routine."""
    words = _words()
    badge = format_html('<span class="badge status-{}">{}</span>', ticket.status,
                        words.get(f"status:{ticket.status}", ticket.status))
    if ticket.whistle == Whistle.ROUTINE:
        return badge
    return badge + format_html(' <span class="badge whistle-{}">{}</span>', ticket.whistle,
                               words.get(f"whistle:{ticket.whistle}", ticket.whistle))


def _before(due: dt.datetime | None, now) -> bool:
    return isinstance(now, dt.datetime) and due is not None and due < now


@register.simple_tag(takes_context=True)
def ticket_deadline(context, ticket: Ticket) -> SafeString:
    """The current deadline: a red badge when it has passed, else (unless the context says
    `badges_only`) the time it falls due; "clock stopped" while on hold."""
    words, now = _words(), context.get("now")
    due, overdue, by = None, "", ""
    if ticket.status == Status.NEW and ticket.accept_due_at:
        due, overdue, by = ticket.accept_due_at, "accept_overdue", "accept_by"
    elif ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS) and ticket.resolve_due_at:
        due, overdue, by = ticket.resolve_due_at, "overdue", "resolve_by"
    elif ticket.status == Status.ON_HOLD:
        return format_html('<span class="badge text-bg-secondary">{}</span>',
                           words["clock_stopped"])
    if due is None:
        return SafeString()
    if _before(due, now):
        return format_html('<span class="badge text-bg-danger">{}</span>', words[overdue])
    if context.get("badges_only"):
        return SafeString()
    return format_html('<span class="small text-body-secondary">{} {}</span>', words[by],
                       timezone.localtime(due).strftime("%m-%d %H:%M"))


@register.filter
def action_label(action: str) -> str:
    transition = TRANSITIONS.get(action)
    return str(transition.label) if transition else action


@register.filter
def contact_phone(ticket: Ticket) -> str:
    """The number to call about a ticket: the reporter's, or the registered resident's. Shown
    only where the page says the viewer may see it (`can_see_contact`)."""
    if ticket.reporter_phone:
        return ticket.reporter_phone
    return ticket.resident.phone if ticket.resident_id and ticket.resident else ""


@register.simple_tag(takes_context=True)
def open_tickets_at(context, dwelling) -> list[Ticket]:
    """Open tickets located at a dwelling that the viewer may see (for the household card)."""
    from tickets.selectors import ticket_list_for

    return list(ticket_list_for(user=context["request"].user).filter(
        dwelling=dwelling, status__in=OPEN).order_by("-id")[:10])
