"""What every seeded ticket's timeline must be (the demo's and the district's)."""

from tickets.models import Status, Ticket
from tickets.workflow import TRANSITIONS


def assert_timeline_follows_the_table(ticket: Ticket) -> None:
    """The ticket's events begin with its creation, each step runs from a status the transition
    table allows and from the status the previous one left, never before the creation, and the
    last leaves the ticket's status."""
    events = list(ticket.events.order_by("created_at", "pk"))
    assert events[0].kind == "created" and events[0].created_at == ticket.created_at
    status = Status.NEW
    for event in events[1:]:
        transition = TRANSITIONS[event.action]
        assert status in transition.sources, (ticket.reference, event.action, status)
        assert event.from_status == status
        status = event.to_status
        assert event.created_at >= events[0].created_at
    assert status == ticket.status, ticket.reference
