"""Signals other apps may listen to; `tickets` itself never imports its listeners.

`ticket_event_recorded` is sent inside the transaction that writes a ticket's timeline event,
right after the event row is created (so a listener may write rows of its own that commit, or
roll back, with the step: an outbox). Listeners get `event` (a saved TicketEvent, its `ticket`
loaded) and must be cheap for the steps they do not care about: the sweep sends thousands.
"""

from django.dispatch import Signal

ticket_event_recorded = Signal()
