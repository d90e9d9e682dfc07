"""Activities and campaigns (legal awareness, fire safety, anti-fraud, clean-ups) and volunteer
teams with their members' service hours."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridportal.uploads import unguessable_path
from grids.models import GridNode
from residents.models import Resident

from .committees import Committee
from .lists import PartnerUnit


class VolunteerTeam(models.Model):
    community = models.ForeignKey(GridNode, verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="volunteer_teams")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("what the team does"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["community", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"],
                                               name="committees_team_name_unique")]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A team member: a resident from the registry or a portal user (a party member registered
    at the community, 双报到)."""

    team = models.ForeignKey(VolunteerTeam, verbose_name=_("team"), on_delete=models.CASCADE,
                             related_name="volunteers")
    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="volunteering")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("portal user"),
                             on_delete=models.PROTECT, null=True, blank=True,
                             related_name="volunteering")
    party_member = models.BooleanField(_("party member"), default=False)
    leader = models.BooleanField(_("team leader"), default=False)
    joined_on = models.DateField(_("joined on"))

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["team", "-leader", "joined_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(resident__isnull=False, user__isnull=True)
                                   | Q(resident__isnull=True, user__isnull=False),
                                   name="committees_volunteer_one_person"),
            models.UniqueConstraint(fields=["team", "resident"],
                                    condition=Q(resident__isnull=False),
                                    name="committees_volunteer_resident_once"),
            models.UniqueConstraint(fields=["team", "user"], condition=Q(user__isnull=False),
                                    name="committees_volunteer_user_once"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from grids.people import person_name

        if self.resident is not None:
            return self.resident.name
        return person_name(self.user) if self.user is not None else ""


class Theme(models.TextChoices):
    LEGAL = "legal", _("Legal awareness")
    FIRE_SAFETY = "fire_safety", _("Fire safety")
    ANTI_FRAUD = "anti_fraud", _("Anti-fraud")
    CLEAN_UP = "clean_up", _("Clean-up")
    HEALTH = "health", _("Health")
    ELDERLY = "elderly", _("Care for the elderly")
    CULTURE = "culture", _("Culture and sport")
    OTHER = "other", _("Other")


class Activity(models.Model):
    community = models.ForeignKey(GridNode, verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("title"), max_length=120)
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)
    held_on = models.DateField(_("date"), db_index=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    # The organiser: a committee, a partner unit or a volunteer team (at least one).
    committee = models.ForeignKey(Committee, verbose_name=_("committee"),
                                  on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="activities")
    partner = models.ForeignKey(PartnerUnit, verbose_name=_("partner unit"),
                                on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="activities")
    team = models.ForeignKey(VolunteerTeam, verbose_name=_("volunteer team"),
                             on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="activities")
    participants = models.PositiveIntegerField(_("participants"), default=0)
    description = models.TextField(_("description"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


def activity_photo_path(instance: "ActivityPhoto", filename: str) -> str:
    return unguessable_path("activities", filename)


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE,
                                 related_name="photos")
    image = models.ImageField(_("photo"), upload_to=activity_photo_path)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return str(_("Photo %(n)s") % {"n": self.pk})


class ServiceHours(models.Model):
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"),
                                  on_delete=models.CASCADE, related_name="hours")
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="service_hours")
    served_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1,
                                validators=[MinValueValidator(0.5)])
    note = models.CharField(_("what was done"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["-served_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24),
                                   name="committees_hours_range"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.hours}h"
