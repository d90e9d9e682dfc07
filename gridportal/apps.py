from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridportalConfig(AppConfig):
    name = "gridportal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the matrix's rules
