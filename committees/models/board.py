"""The public board's gate: what residents wrote (their needs and micro-wishes) is published
only with a text a staff member approved. A need without a `BoardEntry` is pending."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import GridNode
from tickets.models import Ticket

BOARD_TEXT_LENGTH = 200


class BoardStatus(models.TextChoices):
    PUBLISHED = "published", _("On the board")
    KEPT_OFF = "kept_off", _("Kept off the board")
    WITHDRAWN = "withdrawn", _("Withdrawn from the board")


class BoardEntry(models.Model):
    """A staff member's decision on one need for the public board: published with the text
    they approved (never the need's own title or description), kept off, or withdrawn after
    it was published. The need's status and grid are read live from its ticket."""

    need = models.OneToOneField(Ticket, verbose_name=_("need"), on_delete=models.CASCADE,
                                related_name="board_entry")
    community = models.ForeignKey(GridNode, verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="board_entries")
    status = models.CharField(_("board status"), max_length=12, choices=BoardStatus.choices)
    text = models.CharField(_("published text"), max_length=BOARD_TEXT_LENGTH, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("public board entry")
        verbose_name_plural = _("public board entries")
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["community", "status"],
                                name="committees_board_community")]
        constraints = [
            # Nothing is on the board without an approval and a text.
            models.CheckConstraint(condition=~Q(status="published")
                                   | (Q(approved_at__isnull=False) & ~Q(text="")),
                                   name="committees_board_published_approved"),
        ]

    def __str__(self) -> str:
        return f"{self.need} · {self.get_status_display()}"
