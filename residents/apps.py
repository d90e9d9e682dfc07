from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residents"
    verbose_name = _("Residents and households")

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401 - registers the deploy check
            selectors,  # noqa: F401 - registers how the matrix places the registry
        )
