"""Writes of the interop app that have rules."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.work_orders import CREATED, apply_work_order

from .clients import client_nodes
from .models import ApiClient, LinkSource, WorkOrderLink

ATTEMPTS = 3  # a concurrent POST of the same number loses a race at most once or twice


def work_order_receive(*, client: ApiClient, order: dict[str, Any]) -> tuple[WorkOrderLink, bool]:
    """A checked work order (tickets.work_orders.validate_work_order) from `client`: its ticket,
    made on the first POST of its number and updated like a re-import on the next ones, never
    a second one. Returns the link and whether the ticket was created now.

    Two POSTs of one number at once both try to create; the unique constraints (work order
    per client, external number per channel, checked by the ticket's validation or by the
    database) let one win, and the other, rolled back, finds the winner's ticket on its next
    try."""
    for attempt in range(ATTEMPTS):
        try:
            return _receive_once(client, order)
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
        except ValidationError:
            # The ticket's own check of its unique number met the winner's ticket, committed
            # since the look for a link: answer as for a retry; any other error is the order's.
            if not WorkOrderLink.objects.filter(client=client, number=order["external_number"],
                                                source=LinkSource.WORK_ORDER).exists():
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def _receive_once(client: ApiClient, order: dict[str, Any]) -> tuple[WorkOrderLink, bool]:
    number = order["external_number"]
    link = (WorkOrderLink.objects.select_for_update(of=("self",))
            .filter(client=client, number=number).first())
    if link is not None and link.source != LinkSource.WORK_ORDER:
        # The client's own Open311 request: not a work order to update (nor to hand its
        # tracking link, which Open311 never gives).
        raise ValidationError({"external_number": _(
            "This number is one of your Open311 requests, not a work order.")})
    if link is not None:
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=link.ticket_id)
        apply_work_order(actor=None, order=order, ticket=ticket)
        return link, False
    # A ticket of the same number and channel entered from the spreadsheet before the
    # hotline pushed it: the same work order, now linked.
    earlier = (Ticket.objects.select_for_update(of=("self",))
               .filter(channel=order["channel"], external_number=number)
               .select_related("work_order").first())
    if earlier is not None and hasattr(earlier, "work_order"):
        if earlier.work_order.client_id != client.pk:
            raise ValidationError({"external_number": _(
                "This work-order number is already used by another system in this channel.")})
        # This client's own, committed by a concurrent POST since the look above.
        apply_work_order(actor=None, order=order, ticket=earlier)
        return earlier.work_order, False
    if earlier is not None and not client_nodes(client).filter(pk=earlier.node_id).exists():
        # Entered from the spreadsheet outside this client's jurisdictions: not its to link.
        raise ValidationError({"external_number": _(
            "This work-order number is already used outside this system's jurisdictions.")})
    ticket, outcome = apply_work_order(actor=None, order=order, ticket=earlier)
    with transaction.atomic():
        link = WorkOrderLink.objects.create(ticket=ticket, client=client, number=number)
    return link, outcome == CREATED
