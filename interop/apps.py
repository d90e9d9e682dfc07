from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    """The civic standards on top of tickets: the Open311 GeoReport v2 server and the 12345
    hotline link (work orders in, signed status call-backs out). `tickets` never imports this
    app; it learns of a ticket's steps through `tickets.signals.ticket_event_recorded`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "interop"
    verbose_name = _("Outside systems (Open311, 12345)")

    def ready(self) -> None:
        from tickets import panels

        from . import receivers  # noqa: F401 - connects to tickets' signals
        from .views import callbacks_panel

        panels.register(callbacks_panel)
