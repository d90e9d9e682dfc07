"""What this app does when a ticket takes a step (tickets.signals)."""

from django.dispatch import receiver

from tickets.models import TicketEvent
from tickets.signals import ticket_event_recorded

from .callbacks import record_callback


@receiver(ticket_event_recorded, sender=TicketEvent, dispatch_uid="interop.callbacks")
def callback_on_step(sender, event: TicketEvent, **kwargs) -> None:
    record_callback(event)
