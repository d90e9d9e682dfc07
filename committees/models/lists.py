"""Partner units (大党委 member units, 共建单位) and the three lists (三张清单): needs are
tickets of a micro-wish category; services are what the community offers; resources are what
partner units offer. A match pairs a need with a service or a resource and follows it to closure."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import GridNode, ServicePoint, phone_validator
from tickets.models import Ticket


class PartnerKind(models.TextChoices):
    GOVERNMENT = "government", _("Government agency")
    POLICE = "police", _("Police station")
    COURT = "court", _("Court or procuratorate")
    HOSPITAL = "hospital", _("Hospital or health center")
    SCHOOL = "school", _("School")
    BANK = "bank", _("Bank")
    COMPANY = "company", _("Company")
    PROPERTY = "property", _("Property company")
    SOCIAL = "social", _("Social organisation")
    OTHER = "other", _("Other")


class PartnerUnit(models.Model):
    community = models.ForeignKey(GridNode, verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="partner_units")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PartnerKind.choices,
                            default=PartnerKind.COMPANY)
    # Member unit of the community's big party committee (大党委), not only a co-building unit.
    party_committee_member = models.BooleanField(_("member unit of the big party committee"),
                                                 default=False)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True,
                                     validators=[phone_validator])
    address = models.CharField(_("address"), max_length=200, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        ordering = ["community", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"],
                                               name="committees_partner_name_unique")]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """What a partner unit offers the community (a venue, free clinics, volunteers, funds...)."""

    partner = models.ForeignKey(PartnerUnit, verbose_name=_("partner unit"),
                                on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    capacity = models.CharField(_("how much / how often"), max_length=100, blank=True)
    available = models.BooleanField(_("available"), default=True)
    public = models.BooleanField(_("shown on the public board"), default=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["partner", "name"]

    def __str__(self) -> str:
        return f"{self.partner} · {self.name}"


class ServiceMode(models.TextChoices):
    WALK_IN = "walk_in", _("At the service point")
    APPOINTMENT = "appointment", _("By appointment")
    DOOR_TO_DOOR = "door_to_door", _("Door to door")
    ONLINE = "online", _("Online")


class ServiceItem(models.Model):
    """What the community offers: pension certification, medical-insurance registration,
    certificates... with where and when."""

    community = models.ForeignKey(GridNode, verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="service_items")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    mode = models.CharField(_("how"), max_length=16, choices=ServiceMode.choices,
                            default=ServiceMode.WALK_IN)
    service_point = models.ForeignKey(ServicePoint, verbose_name=_("service point"),
                                      on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="service_items")
    place = models.CharField(_("where"), max_length=120, blank=True)
    hours = models.CharField(_("when"), max_length=120, blank=True)
    phone = models.CharField(_("appointment phone"), max_length=20, blank=True,
                             validators=[phone_validator])
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["community", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"],
                                               name="committees_service_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def where(self) -> str:
        """Where to go, naming the service point once: its name, then the place unless the
        place already names it (a point's address often starts with its name)."""
        point = self.service_point.name if self.service_point_id and self.service_point else ""
        if point and self.place and point not in self.place:
            return f"{point} · {self.place}"
        return self.place or point


class MatchStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Match(models.Model):
    """A need (a micro-wish ticket) paired with a service or a partner unit's resource."""

    need = models.ForeignKey(Ticket, verbose_name=_("need"), on_delete=models.CASCADE,
                             related_name="matches")
    service = models.ForeignKey(ServiceItem, verbose_name=_("service"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="matches")
    resource = models.ForeignKey(Resource, verbose_name=_("resource"),
                                 on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="matches")
    status = models.CharField(_("status"), max_length=12, choices=MatchStatus.choices,
                              default=MatchStatus.MATCHED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("matched by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    matched_at = models.DateTimeField(_("matched at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-matched_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(service__isnull=False, resource__isnull=True)
                                   | Q(service__isnull=True, resource__isnull=False),
                                   name="committees_match_one_offer"),
            # One live match per need: a cancelled one may be replaced.
            models.UniqueConstraint(fields=["need"], condition=~Q(status="cancelled"),
                                    name="committees_match_one_live"),
        ]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.service or self.resource}"

    @property
    def offer(self):
        return self.service if self.service_id else self.resource
