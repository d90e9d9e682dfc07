from django import template

from tickets.models import Ticket
from tickets.workflow import OPEN, TRANSITIONS

register = template.Library()


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
