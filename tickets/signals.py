"""Signals other apps may listen to; `tickets` itself never imports its listeners.

`ticket_event_recorded` is sent inside the transaction that writes a ticket's step (its creation
and every transition, `tickets.services`), right after the event row is created (so a listener
may write rows of its own that commit, or roll back, with the step: an outbox). Listeners get
`event` (a saved TicketEvent, its `ticket` loaded) and must be cheap for the steps they do not
care about: the sweep sends thousands. A spreadsheet re-import's timeline line is a record of
changed fields, not a step: it is not sent.
"""

from django.dispatch import Signal

ticket_event_recorded = Signal()
