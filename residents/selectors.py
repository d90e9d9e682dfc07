"""Reads with rules for the registry: everything is scoped by the grid tree."""

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Assignment, GridNode, Role
from grids.selectors import User, roles_covering, scope_queryset, sees_everything

from . import crypto, idnumbers
from .models import (
    Building,
    Dwelling,
    DwellingUse,
    Household,
    Membership,
    ResidenceType,
    Resident,
    Visit,
    VisitPhoto,
)

# Who may read why a person is of concern, and who may change the registry or log visits.
CONCERN_READERS = {Role.HEAD, Role.POLICE_OFFICER, Role.CENTER_STAFF}
REGISTRY_EDITORS = {Role.HEAD, Role.WORKER, Role.CENTER_STAFF}
VISITORS = {Role.HEAD, Role.WORKER, Role.CENTER_STAFF, Role.PARTY_INSTRUCTOR,
            Role.POLICE_OFFICER, Role.VOLUNTEER}

CATEGORIES = ("permanent", "floating", "office", "business", "concern", "vacant")
CATEGORY_LABELS = {
    "permanent": _("Permanent residents"),
    "floating": _("Floating / rental"),
    "office": _("Office unit"),
    "business": _("Business premises"),
    "concern": _("Household with a person of concern"),
    "vacant": _("Vacant"),
}
TAGS = ("party_member", "dual_report", "elderly", "child", "disabled", "veteran", "low_income",
        "living_alone", "concern")


def _get_or_404(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def has_role_at(user: User, node: GridNode, roles: set) -> bool:
    return sees_everything(user) or bool(roles_covering(user, node) & roles)


def can_read_concern_reason(user: User, node: GridNode) -> bool:
    return has_role_at(user, node, CONCERN_READERS)


# --- Buildings and dwellings ----------------------------------------------------------------


def building_list_for(*, user: User, node: GridNode | None = None) -> QuerySet[Building]:
    buildings = scope_queryset(Building.objects.all(), user=user).select_related("node")
    if node is not None:
        buildings = buildings.filter(node__tree_id=node.tree_id, node__lft__gte=node.lft,
                                     node__lft__lt=node.rght)
    return buildings


def building_get_for(*, user: User, pk) -> Building:
    return _get_or_404(building_list_for(user=user), pk)


def dwelling_list_for(*, user: User) -> QuerySet[Dwelling]:
    return scope_queryset(Dwelling.objects.all(), user=user,
                          node_field="building__node").select_related("building")


def dwelling_get_for(*, user: User, pk) -> Dwelling:
    return _get_or_404(dwelling_list_for(user=user), pk)


def _current_members(**lookups) -> QuerySet[Membership]:
    return Membership.objects.current().filter(household__active=True, **lookups)


def with_category(dwellings: QuerySet[Dwelling]) -> QuerySet[Dwelling]:
    """Annotate each dwelling with its colour-map category, computed in the database.

    Precedence: a household with a person of concern; business premises; office unit; vacant
    (or nobody living there); rental or floating residents; otherwise permanent residents.
    """
    members = _current_members(household__dwelling=OuterRef("pk"))
    return dwellings.annotate(
        category=Case(
            When(Exists(members.filter(resident__concern=True)), then=Value("concern")),
            When(use=DwellingUse.BUSINESS, then=Value("business")),
            When(use=DwellingUse.OFFICE, then=Value("office")),
            When(Q(use=DwellingUse.VACANT) | ~Exists(members), then=Value("vacant")),
            When(Q(use=DwellingUse.RENTAL)
                 | Exists(members.filter(resident__residence_type=ResidenceType.FLOATING)),
                 then=Value("floating")),
            default=Value("permanent"),
            output_field=CharField(),
        )
    )


def colour_map(*, building: Building) -> dict:
    """Floors (top first) by dwellings with their category and colour, plus a legend."""
    dwellings: list[Any] = list(
        with_category(building.dwellings.all()).prefetch_related(
            Prefetch("households", queryset=Household.objects.filter(active=True),
                     to_attr="active_households"))
        .order_by("-floor", "entrance", "number")
    )
    floors: dict[int, list[Dwelling]] = {}
    counts = dict.fromkeys(CATEGORIES, 0)
    for dwelling in dwellings:
        dwelling.colour = settings.HOUSE_COLOURS[dwelling.category]
        floors.setdefault(dwelling.floor, []).append(dwelling)
        counts[dwelling.category] += 1
    return {"floors": list(floors.items()), "counts": counts, "total": len(dwellings)}


def category_summary(*, user: User, node: GridNode) -> dict[str, int]:
    """Dwellings per colour-map category in the node's subtree (one aggregate query)."""
    dwellings = dwelling_list_for(user=user).filter(
        building__node__tree_id=node.tree_id, building__node__lft__gte=node.lft,
        building__node__lft__lt=node.rght)
    rows = (with_category(dwellings).order_by()
            .values("category").annotate(n=Count("pk")))  # type: ignore[misc]
    counts = dict.fromkeys(CATEGORIES, 0)
    counts.update({row["category"]: row["n"] for row in rows})
    return counts


# --- Households and residents ---------------------------------------------------------------


def household_list_for(*, user: User) -> QuerySet[Household]:
    return scope_queryset(Household.objects.all(), user=user,
                          node_field="dwelling__building__node").select_related(
        "dwelling__building", "head")


def household_get_for(*, user: User, pk) -> Household:
    return _get_or_404(household_list_for(user=user), pk)


def membership_get_for(*, user: User, pk) -> Membership:
    memberships = scope_queryset(Membership.objects.current(), user=user,
                                 node_field="household__dwelling__building__node")
    return _get_or_404(memberships.select_related("resident", "household"), pk)


def household_card(*, household: Household) -> Household:
    """Prefetch what the household card shows: current members and the last visits."""
    return (
        with_current_members(Household.objects.filter(pk=household.pk))
        .select_related("dwelling__building__node", "head")
        .prefetch_related(
            Prefetch("visits", queryset=Visit.objects.select_related("visitor")
                     .prefetch_related("photos").order_by("-visited_on", "-pk")[:5],
                     to_attr="last_visits"),
        )
        .get()
    )


def _age_cutoff(years: int) -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def tag_filter(tag: str) -> Q:
    if tag == "elderly":
        return Q(birth_date__lte=_age_cutoff(settings.ELDERLY_AGE))
    if tag == "child":
        return Q(birth_date__gt=_age_cutoff(settings.CHILD_AGE))
    if tag in TAGS:
        return Q(**{tag: True})
    raise ValueError(tag)


BUILDING_AND_DOOR = re.compile(r"^(?P<building>.*?\D)\s*-?\s*(?P<door>\d+)$")


def _text_match(text: str) -> Q:
    """A name, a phone number's beginning, a door number ('501') or building and door ('1栋501')."""
    homes = Membership.objects.current().filter(resident=OuterRef("pk"))
    match = Q(name__contains=text) | Q(phone__startswith=text)
    if text.isdigit():
        match |= Q(Exists(homes.filter(household__dwelling__number=text)))
    parts = BUILDING_AND_DOOR.match(text)
    if parts:
        match |= Q(Exists(homes.filter(household__dwelling__building__name=parts["building"],
                                       household__dwelling__number=parts["door"])))
    return match


def resident_list_for(
    *,
    user: User,
    text: str = "",
    id_number: str = "",
    building: Building | None = None,
    node: GridNode | None = None,
    tags: list[str] | tuple[str, ...] = (),
    residence_type: str = "",
) -> QuerySet[Resident]:
    """Scoped registry search. `text` matches a name, phone or door; a full ID number is looked up
    by its keyed hash (pass it as `id_number`, never in a URL)."""
    residents = scope_queryset(Resident.objects.all(), user=user)
    if id_number:
        try:
            value = idnumbers.parse(id_number).value
        except Exception:  # noqa: BLE001 - an invalid number simply finds nobody
            return residents.none()
        residents = residents.filter(id_number_hash=crypto.lookup_hash(value))
    if text:
        residents = residents.filter(_text_match(text.strip()))
    if building is not None:
        residents = residents.filter(
            memberships__left_on__isnull=True,
            memberships__household__dwelling__building=building)
    if node is not None:
        residents = residents.filter(node__tree_id=node.tree_id, node__lft__gte=node.lft,
                                     node__lft__lt=node.rght)
    for tag in tags:
        residents = residents.filter(tag_filter(tag))
    if residence_type:
        residents = residents.filter(residence_type=residence_type)
    return residents


def with_current_home(residents: QuerySet[Resident]) -> QuerySet[Resident]:
    """Prefetch each resident's current membership with its dwelling (for list pages)."""
    return residents.select_related("node").prefetch_related(
        Prefetch("memberships",
                 queryset=Membership.objects.current().select_related(
                     "household__dwelling__building"),
                 to_attr="current_memberships"))


def with_concern_access(residents: QuerySet[Resident], *, user: User) -> QuerySet[Resident]:
    """Mark each resident with `concern_reason_readable`, computed in the database with the
    same rule as `can_read_concern_reason` (a head, police officer or center staff assignment
    at the resident's grid or above)."""
    if sees_everything(user):
        return residents.annotate(concern_reason_readable=Value(True))
    readers = Assignment.objects.current().filter(
        user_id=user.pk, role__in=CONCERN_READERS, node__active=True,
        node__tree_id=OuterRef("node__tree_id"), node__lft__lte=OuterRef("node__lft"),
        node__rght__gte=OuterRef("node__rght"))
    return residents.annotate(concern_reason_readable=Exists(readers))


def with_current_members(households: QuerySet[Household]) -> QuerySet[Household]:
    """Prefetch each household's current members (with the resident) into `current_members`."""
    members = _current_members().select_related("resident").order_by("joined_on")
    return households.prefetch_related(
        Prefetch("memberships", queryset=members, to_attr="current_members"))


def resident_get_for(*, user: User, pk) -> Resident:
    return _get_or_404(resident_list_for(user=user).select_related("node"), pk)


# --- Visits ---------------------------------------------------------------------------------


def visit_list_for(*, user: User) -> QuerySet[Visit]:
    return scope_queryset(Visit.objects.all(), user=user,
                          node_field="household__dwelling__building__node").select_related(
        "household__dwelling__building", "visitor").prefetch_related("photos")


def visit_photo_get_for(*, user: User, visit_pk, photo_pk) -> VisitPhoto:
    """The photo, only when it belongs to that visit and the visit is in the user's scope."""
    visit = _get_or_404(visit_list_for(user=user), visit_pk)
    return _get_or_404(VisitPhoto.objects.filter(visit=visit), photo_pk)
