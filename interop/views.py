"""What this app adds to the portal's pages (through tickets.panels)."""

from django.utils.translation import gettext_lazy as _

from tickets.panels import Panel

from .models import WorkOrderLink


def callbacks_panel(*, ticket, user) -> Panel | None:
    """The delivery log of a linked ticket's status call-backs (two queries)."""
    link = WorkOrderLink.objects.filter(ticket=ticket).select_related("client").first()
    if link is None:
        return None
    return Panel(_("Status call-backs"), "interop/partials/callbacks.html",
                 {"link": link, "deliveries": list(link.deliveries.order_by("pk"))})
