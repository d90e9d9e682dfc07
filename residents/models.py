"""Buildings, dwellings, households, residents, business premises and home visits."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gridportal.uploads import unguessable_path
from grids.models import GridNode, phone_validator


class Building(models.Model):
    node = models.ForeignKey(GridNode, verbose_name=_("grid"), on_delete=models.PROTECT,
                             related_name="buildings")
    estate = models.CharField(_("estate"), max_length=100)
    name = models.CharField(_("building"), max_length=50, help_text=_("Name or number, e.g. 3栋"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(
        _("floors"), validators=[MinValueValidator(1), MaxValueValidator(200)])
    entrances = models.PositiveSmallIntegerField(
        _("entrances"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["estate", "name"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "name"], name="residents_building_unique"),
            models.CheckConstraint(condition=Q(floors__gte=1), name="residents_building_floors"),
            models.CheckConstraint(condition=Q(entrances__gte=1),
                                   name="residents_building_entrances"),
        ]

    def __str__(self) -> str:
        return f"{self.estate}{self.name}"


class DwellingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    RENTAL = "rental", _("Rental")
    OFFICE = "office", _("Office unit")
    BUSINESS = "business", _("Business premises")
    VACANT = "vacant", _("Vacant")


class Dwelling(models.Model):
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT,
                                 related_name="dwellings")
    entrance = models.PositiveSmallIntegerField(_("entrance"), default=1)
    floor = models.SmallIntegerField(_("floor"))
    number = models.CharField(_("number"), max_length=20, help_text=_("Door number, e.g. 502"))
    use = models.CharField(_("use"), max_length=16, choices=DwellingUse.choices,
                           default=DwellingUse.RESIDENTIAL)
    area = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=2, null=True,
                               blank=True, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building", "entrance", "-floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "number"],
                                    name="residents_dwelling_unique"),
            models.CheckConstraint(condition=Q(use__in=DwellingUse.values),
                                   name="residents_dwelling_use_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.entrance}-{self.number}"


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("Registered permanent resident")
    PERMANENT = "permanent", _("Permanent, registered elsewhere")
    FLOATING = "floating", _("Floating resident")


class ConcernLevel(models.TextChoices):
    WATCH = "watch", _("Watch")
    ATTENTION = "attention", _("Attention")
    CLOSE = "close", _("Close attention")


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years between a birth date and a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Resident(models.Model):
    node = models.ForeignKey(
        GridNode, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="residents",
        help_text=_("The grid responsible for the resident: that of their household's building."),
    )
    name = models.CharField(_("name"), max_length=50, db_index=True)
    id_number_token = models.TextField(_("ID number (encrypted)"), editable=False)
    id_number_hash = models.CharField(_("ID number lookup hash"), max_length=64, unique=True,
                                      editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True,
                             validators=[phone_validator])
    residence_type = models.CharField(_("residence type"), max_length=16,
                                      choices=ResidenceType.choices,
                                      default=ResidenceType.REGISTERED)
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    expected_stay_until = models.DateField(_("expected to stay until"), null=True, blank=True)
    registration_place = models.CharField(_("household registration place"), max_length=100,
                                          blank=True)
    party_member = models.BooleanField(_("party member"), default=False)
    dual_report = models.BooleanField(
        _("dual report (双报到)"), default=False,
        help_text=_("A party member who has reported to the community as well as to their unit."))
    disabled = models.BooleanField(_("disabled"), default=False)
    veteran = models.BooleanField(_("veteran"), default=False)
    low_income = models.BooleanField(_("low income"), default=False)
    living_alone = models.BooleanField(_("living alone"), default=False)
    concern = models.BooleanField(_("person of concern"), default=False)
    concern_level = models.CharField(_("concern level"), max_length=16,
                                     choices=ConcernLevel.choices, blank=True)
    concern_reason = models.TextField(
        _("concern reason"), blank=True,
        help_text=_("Readable only by grid heads, community police officers and center staff."))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["id_number_token"])

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["name", "pk"]
        permissions = [("reveal_id_number", _("Can reveal full ID numbers")),
                       ("export_residents", _("Can export residents' personal data"))]
        constraints = [
            models.CheckConstraint(condition=Q(dual_report=False) | Q(party_member=True),
                                   name="residents_dual_report_needs_party_member"),
            models.CheckConstraint(
                condition=Q(expected_stay_until__isnull=True) | Q(residence_type="floating"),
                name="residents_expected_stay_only_floating"),
            models.CheckConstraint(
                condition=Q(concern=True) | (Q(concern_level="") & Q(concern_reason="")),
                name="residents_concern_details_need_concern"),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def elderly(self) -> bool:
        return self.age >= settings.ELDERLY_AGE

    @property
    def child(self) -> bool:
        return self.age < settings.CHILD_AGE


class Household(models.Model):
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT,
                                 related_name="households")
    head = models.ForeignKey(Resident, verbose_name=_("head of household"),
                             on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="headed_households")
    number = models.CharField(_("household number"), max_length=30, blank=True)
    active = models.BooleanField(_("living here"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["dwelling", "pk"]

    def __str__(self) -> str:
        return str(_("Household at %(dwelling)s") % {"dwelling": self.dwelling})


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    household = models.ForeignKey(Household, verbose_name=_("household"),
                                  on_delete=models.CASCADE, related_name="memberships")
    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.CASCADE,
                                 related_name="memberships")
    relation = models.CharField(_("relation to the head"), max_length=16,
                                choices=Relation.choices)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household membership")
        verbose_name_plural = _("household memberships")
        ordering = ["household", "joined_on"]
        constraints = [
            # A resident belongs to at most one household at a time.
            models.UniqueConstraint(fields=["resident"], condition=Q(left_on__isnull=True),
                                    name="residents_one_current_household"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="residents_membership_left_after_joined"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_relation_display()}"


class PremisesCategory(models.TextChoices):
    RESTAURANT = "restaurant", _("Restaurant")
    SHOP = "shop", _("Shop")
    HOSTEL = "hostel", _("Hostel")
    WORKSHOP = "workshop", _("Workshop")
    OFFICE = "office", _("Office")
    SERVICE = "service", _("Personal services")
    OTHER = "other", _("Other")


class Premises(models.Model):
    """Business premises (行业场所) or an office unit (单位办公场所) in a dwelling."""

    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT,
                                 related_name="premises")
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=PremisesCategory.choices)
    licence_number = models.CharField(_("licence number"), max_length=40, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True,
                                     validators=[phone_validator])
    last_inspected_on = models.DateField(_("last inspected on"), null=True, blank=True)

    class Meta:
        verbose_name = _("business premises")
        verbose_name_plural = _("business premises")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VisitPurpose(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    CARE = "care", _("Care visit")
    MEDIATION = "mediation", _("Dispute mediation")
    CENSUS = "census", _("Census")
    SAFETY = "safety", _("Safety check")


class Visit(models.Model):
    household = models.ForeignKey(Household, verbose_name=_("household"),
                                  on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visitor"),
                                on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("visited on"), default=timezone.localdate, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=VisitPurpose.choices,
                               default=VisitPurpose.ROUTINE)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.visited_on:%Y-%m-%d}"


def visit_photo_path(instance: "VisitPhoto", filename: str) -> str:
    return unguessable_path("visits", filename)


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE,
                              related_name="photos")
    image = models.ImageField(_("photo"), upload_to=visit_photo_path)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return str(_("Photo %(n)s") % {"n": self.pk})


class IdRevealLog(models.Model):
    """Every display of a full ID number: who saw whose, when and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.CASCADE,
                                 related_name="reveal_logs")
    reason = models.CharField(_("reason"), max_length=200)
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ID number reveal")
        verbose_name_plural = _("ID number reveals")
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.revealed_at:%Y-%m-%d %H:%M}"


class ExportLog(models.Model):
    """Every export of personal data: who, when, with which filter, how many rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    format = models.CharField(_("format"), max_length=8)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    full_id_numbers = models.BooleanField(_("full ID numbers"), default=False)

    class Meta:
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")
        ordering = ["-exported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.exported_at:%Y-%m-%d %H:%M} · {self.row_count}"


class IdCheckOutcome(models.TextChoices):
    NEW = "new", _("Not registered")
    IN_SCOPE = "in_scope", _("Registered in the user's area")
    ELSEWHERE = "elsewhere", _("Registered elsewhere (transfer request)")
    REFUSED = "refused", _("Refused: too many checks")


class IdCheckLog(models.Model):
    """Every time an ID number was checked against the whole registry (registering a resident,
    correcting a number, searching by number): who, when, and what the check found. The rows of
    the last hour are also the rate limit of these checks."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    purpose = models.CharField(_("purpose"), max_length=16)
    outcome = models.CharField(_("outcome"), max_length=16, choices=IdCheckOutcome.choices)
    id_number_hash = models.CharField(_("ID number lookup hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ID number check")
        verbose_name_plural = _("ID number checks")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["user", "checked_at"], name="residents_idcheck_user")]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} · {self.get_outcome_display()}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the center")
    DONE = "done", _("Moved")
    REFUSED = "refused", _("Refused")


class TransferRequest(models.Model):
    """A grid asked to register someone already registered outside its area (迁入/迁出): the
    community center moves the existing record instead of a duplicate being made, and the
    requesting grid learns neither where the person lived nor anything about them."""

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.CASCADE,
                                 related_name="transfer_requests")
    to_node = models.ForeignKey(GridNode, verbose_name=_("to grid"), on_delete=models.PROTECT,
                                related_name="+")
    to_household = models.ForeignKey(Household, verbose_name=_("to household"),
                                     on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="+")
    relation = models.CharField(_("relation to the head"), max_length=16,
                                choices=Relation.choices, default=Relation.OTHER)
    name_given = models.CharField(_("name as given"), max_length=50)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=TransferStatus.choices,
                              default=TransferStatus.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per person and destination: asking again adds nothing.
            models.UniqueConstraint(fields=["resident", "to_node"],
                                    condition=Q(status="pending"),
                                    name="residents_transfer_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.name_given} → {self.to_node}"
