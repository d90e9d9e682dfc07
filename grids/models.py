"""The grid tree, service points and who is responsible where."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from . import geometry
from .phones import validate_phone


class NodeKind(models.TextChoices):
    """Kinds of node, in tree order: a child is always of a deeper kind than its parent."""

    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community center")
    HUB = "hub", _("Hub")
    GRID4 = "grid4", _("Level-4 grid")
    GRID5 = "grid5", _("Level-5 grid")

    @property
    def depth(self) -> int:
        return list(NodeKind).index(self)


GRID_KINDS = (NodeKind.GRID4, NodeKind.GRID5)

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
    _("Use letters, digits, hyphens and underscores only."),
)


class GridNodeQuerySet(TreeQuerySet):
    def active(self):
        return self.filter(active=True)

    def grids(self):
        return self.filter(kind__in=GRID_KINDS)


class GridNode(MPTTModel):
    kind = models.CharField(_("kind"), max_length=16, choices=NodeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    parent = TreeForeignKey(
        "self",
        verbose_name=_("parent node"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    coverage = models.TextField(
        _("area covered"),
        blank=True,
        help_text=_("Streets, estates and buildings that the node covers."),
    )
    # A GeoJSON Polygon or MultiPolygon in WGS-84 (longitude, latitude); its rules are in
    # grids.geometry.
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("A GeoJSON Polygon or MultiPolygon, WGS-84 longitude and latitude."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TreeManager.from_queryset(GridNodeQuerySet)()

    class Meta:
        verbose_name = _("grid node")
        verbose_name_plural = _("grid nodes")
        # Every scoping lookup is a range on (tree_id, lft). Declared here (django-mptt would add
        # the same index, but outside what migrations see when Meta lists no indexes).
        indexes = [models.Index(fields=["tree_id", "lft"], name="grids_gridnode_tree_id_lft_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NodeKind.values), name="grids_node_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="grids_node_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="grids_node_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_depth(self) -> int:
        return NodeKind(self.kind).depth

    @property
    def is_grid(self) -> bool:
        return self.kind in GRID_KINDS

    def clean(self) -> None:
        super().clean()
        validate_kind_under_parent(kind=self.kind, parent=self.parent)
        if self.boundary is not None:
            geometry.check_node_boundary(self)
            self.boundary = geometry.normalise(self.boundary)


def validate_kind_under_parent(*, kind: str, parent: GridNode | None) -> None:
    """A child must be of a deeper kind than its parent; only a street or community is a root."""
    if not kind:
        return
    if parent is None:
        if NodeKind(kind) not in (NodeKind.STREET, NodeKind.COMMUNITY):
            raise ValidationError(
                {"parent": _("A %(kind)s must sit under a parent node.")
                 % {"kind": NodeKind(kind).label}}
            )
        return
    if NodeKind(kind).depth <= NodeKind(parent.kind).depth:
        raise ValidationError(
            {
                "kind": _(
                    "A %(kind)s cannot sit under a %(parent_kind)s: a child must be of a deeper "
                    "kind than its parent."
                )
                % {"kind": NodeKind(kind).label, "parent_kind": NodeKind(parent.kind).label}
            }
        )


class ServicePointKind(models.TextChoices):
    SERVICE_POINT = "service_point", _("Estate service point")
    STATION = "station", _("Service station")
    HALL = "hall", _("Service hall")


# The one phone rule (grids.phones): a model field accepts what every form, import and API does.
phone_validator = validate_phone


class ServicePoint(models.Model):
    node = models.ForeignKey(
        GridNode, verbose_name=_("grid node"), on_delete=models.PROTECT,
        related_name="service_points",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ServicePointKind.choices,
        default=ServicePointKind.SERVICE_POINT,
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    services = models.TextField(
        _("services offered"), blank=True, help_text=_("One service per line.")
    )
    # Where it is on the map, WGS-84.
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["node__tree_id", "node__lft", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def service_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]

    def is_open_at(self, moment: dt.datetime) -> bool:
        local = timezone.localtime(moment)
        return any(
            hours.opens <= local.time() < hours.closes
            for hours in self.opening_hours.all()
            if hours.weekday == local.isoweekday()
        )


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class OpeningHours(models.Model):
    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")),
                                   name="grids_hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7),
                                   name="grids_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class Role(models.TextChoices):
    HEAD = "head", _("Grid head")
    WORKER = "worker", _("Grid worker")
    PARTY_INSTRUCTOR = "party_instructor", _("Party instructor")
    POLICE_OFFICER = "police_officer", _("Community police officer")
    PROPERTY_STAFF = "property_staff", _("Property staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    CENTER_STAFF = "center_staff", _("Center staff")
    DEPARTMENT_LIAISON = "department_liaison", _("Department liaison")
    DISPATCHER = "dispatcher", _("Street dispatcher")


# Roles that make a node "staffed" for routing when no row says otherwise (RoutingRole).
DEFAULT_ROUTING_ROLES = frozenset({Role.HEAD, Role.WORKER})


class RoutingRole(models.Model):
    """A routing setting per role: whether someone holding the role at a node makes the node
    staffed, so that the tickets located there stay with it instead of going to the node above.
    A role with no row follows DEFAULT_ROUTING_ROLES (grid head and grid worker)."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices, unique=True)
    staffs_node = models.BooleanField(
        _("counts as staffing for routing"), default=False,
        help_text=_("A grid where someone holds this role keeps the tickets located in it."))

    class Meta:
        verbose_name = _("routing role")
        verbose_name_plural = _("routing: roles that staff a grid")
        ordering = ["role"]

    def __str__(self) -> str:
        return str(self.get_role_display())


# The "1+N+X" staffing of a grid: every grid needs a head, and a grid with no child grids (where
# the households are) needs at least one worker; the named supporting roles and volunteers are
# counted, but their absence is not a gap.


class AssignmentQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None):
        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Assignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="assignments",
    )
    node = models.ForeignKey(
        GridNode, verbose_name=_("grid node"), on_delete=models.PROTECT,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["node__tree_id", "node__lft", "role"]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"],
                                name="grids_assignment_user_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="grids_assignment_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["user", "node", "role", "starts_on"],
                name="grids_assignment_unique_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)
