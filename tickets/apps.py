from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from . import calendar, checks, selectors  # noqa: F401 - selectors register how the
        # matrix places tickets; checks register the calendar's system check

        # The working-day calendar forgets what it read when an administrator changes it.
        for model in ("HolidayArrangement", "CalendarDay"):
            sender = self.get_model(model)
            post_save.connect(calendar.calendar_changed, sender=sender,
                              dispatch_uid=f"calendar_changed_save_{model}")
            post_delete.connect(calendar.calendar_changed, sender=sender,
                                dispatch_uid=f"calendar_changed_delete_{model}")
        self._colour_the_map()
        post_migrate.connect(_install_kpi_triggers, sender=self,
                             dispatch_uid="tickets_install_kpi_triggers")

    def _colour_the_map(self) -> None:
        """The map colours each grid by its tickets (grids cannot import tickets)."""
        from grids.api import register_node_figures

        from .geo import node_figures

        register_node_figures(node_figures)


def _install_kpi_triggers(sender, using="default", **kwargs) -> None:
    """After every migrate, the KPI triggers follow the code (a new channel, status or whistle
    class gets its column with a migration and its count from here)."""
    from django.db import connections

    from .rollup import TICKETS, install_triggers

    connection = connections[using]
    if TICKETS in connection.introspection.table_names():
        install_triggers(connection)
