from django import template

from tickets.models import Ticket
from tickets.workflow import OPEN, TRANSITIONS

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    transition = TRANSITIONS.get(action)
    return str(transition.label) if transition else action


@register.simple_tag
def open_tickets_at(dwelling) -> list[Ticket]:
    """Open tickets located at a dwelling (for the household card)."""
    return list(Ticket.objects.filter(dwelling=dwelling, status__in=OPEN)
                .select_related("category").order_by("-id")[:10])
