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
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridportal import permissions
from gridportal.permissions import Target
from grids.models import GridNode
from grids.phones import normalise_phone, phone_spellings
from grids.selectors import User

from . import crypto, idnumbers
from .models import (
    Building,
    Dwelling,
    DwellingUse,
    ExportLog,
    Household,
    IdRevealLog,
    Membership,
    ResidenceType,
    Resident,
    TransferRequest,
    TransferStatus,
    Visit,
    VisitPhoto,
)

# The registry's capabilities (gridportal.permissions holds who has them where).
READ_ADDRESSES = "residents.read_addresses"
READ_NAMES = "residents.read_names"
SEE_PHONE = "residents.see_phone"
SEE_ID = "residents.see_id_masked"
SEE_TAGS = "residents.see_tags"
SEE_CONCERN = "residents.see_concern"
SEE_CONCERN_REASON = "residents.see_concern_reason"
WRITE = "residents.write"
LOG_VISITS = "residents.log_visits"
READ_VISITS = "residents.read_visits"
EXPORT = "residents.export"
REVEAL = "residents.reveal_id"
HANDLE_TRANSFERS = "residents.handle_transfers"
READ_EXPORT_LOG = "residents.read_export_log"

# How the matrix places the registry's rows.
BUILDING = Target("building", nodes=("node",))
DWELLING = Target("dwelling", nodes=("building__node",))
HOUSEHOLD = Target("household", nodes=("dwelling__building__node",))
MEMBERSHIP = Target("membership", nodes=("household__dwelling__building__node",))
RESIDENT = Target("resident", nodes=("node",))
VISIT = Target("visit", nodes=("household__dwelling__building__node",),
               own=lambda user: Q(visitor_id=user.pk))
REVEAL_LOG = Target("ID number reveal", nodes=("resident__node",))
# A transfer request concerns both places: where the person is registered and where they go.
TRANSFER = Target("transfer request", nodes=("to_node", "resident__node"))
# An export is placed where its author works (any of their assignments).
EXPORT_LOG = Target("export", nodes=("user__assignments__node",))
for _model, _target in ((Building, BUILDING), (Dwelling, DWELLING), (Household, HOUSEHOLD),
                        (Membership, MEMBERSHIP), (Resident, RESIDENT), (Visit, VISIT),
                        (IdRevealLog, REVEAL_LOG), (TransferRequest, TRANSFER),
                        (ExportLog, EXPORT_LOG)):
    permissions.register_target(_model, _target)

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


def get_or_404(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_read_concern_reason(user: User, node: GridNode) -> bool:
    return permissions.has(user, SEE_CONCERN_REASON, node)


# --- Buildings and dwellings ----------------------------------------------------------------


def building_list_for(*, user: User, node: GridNode | None = None,
                      capability: str = READ_ADDRESSES) -> QuerySet[Building]:
    buildings = permissions.scope_queryset(Building.objects.all(), user, capability,
                                           BUILDING).select_related("node")
    if node is not None:
        buildings = buildings.filter(node__tree_id=node.tree_id, node__lft__gte=node.lft,
                                     node__lft__lt=node.rght)
    return buildings


def with_building_counts(buildings: QuerySet[Building]) -> QuerySet[Building]:
    """Annotate each building with `n_dwellings` and `n_households` (living there), as
    subqueries: a page of buildings counts its own rows only, and counting the pages needs no
    join."""
    dwellings = (Dwelling.objects.filter(building=OuterRef("pk")).order_by()
                 .values("building").annotate(n=Count("pk")).values("n"))
    households = (Household.objects.filter(dwelling__building=OuterRef("pk"), active=True)
                  .order_by().values("dwelling__building").annotate(n=Count("pk")).values("n"))
    return buildings.annotate(
        n_dwellings=Coalesce(Subquery(dwellings, output_field=IntegerField()), 0),
        n_households=Coalesce(Subquery(households, output_field=IntegerField()), 0))


def building_get_for(*, user: User, pk) -> Building:
    return get_or_404(building_list_for(user=user), pk)


def dwelling_list_for(*, user: User, capability: str = READ_ADDRESSES) -> QuerySet[Dwelling]:
    return permissions.scope_queryset(Dwelling.objects.all(), user, capability,
                                      DWELLING).select_related("building")


def dwelling_get_for(*, user: User, pk) -> Dwelling:
    return get_or_404(dwelling_list_for(user=user), pk)


def _current_members(**lookups) -> QuerySet[Membership]:
    return Membership.objects.current().filter(household__active=True, **lookups)


def with_category(dwellings: QuerySet[Dwelling], *, user: User) -> QuerySet[Dwelling]:
    """Annotate each dwelling with its colour-map category, computed in the database.

    Precedence: a household with a person of concern (only where the user may see who is of
    concern; elsewhere such a dwelling shows its other category); business premises; office
    unit; vacant (or nobody living there); rental or floating residents; otherwise permanent.
    """
    members = _current_members(household__dwelling=OuterRef("pk"))
    concern = Q(Exists(members.filter(resident__concern=True)))
    concern_scope = permissions.scope_q(user, SEE_CONCERN, DWELLING)
    if concern_scope is not None:
        concern &= concern_scope
    return dwellings.annotate(
        category=Case(
            When(concern, then=Value("concern")),
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


def colour_map(*, building: Building, user: User) -> dict:
    """Floors (top first) by dwellings with their category and colour, plus a legend."""
    dwellings: list[Any] = list(
        with_category(building.dwellings.all(), user=user).prefetch_related(
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


def building_colours(*, user: User, building_ids: list[int]) -> dict[int, str]:
    """Each building's colour-map category for the map, from its dwellings (one aggregate
    query): a household of concern, where the user may see it, marks the whole building;
    otherwise its most frequent category; a building with no dwellings is vacant."""
    dwellings = dwelling_list_for(user=user).filter(building_id__in=building_ids)
    rows = (with_category(dwellings, user=user).order_by()
            .values("building_id", "category").annotate(n=Count("pk")))  # type: ignore[misc]
    counts: dict[int, dict[str, int]] = {pk: {} for pk in building_ids}
    for row in rows:
        counts[row["building_id"]][row["category"]] = row["n"]
    colours = {}
    for pk, found in counts.items():
        if found.get("concern"):
            colours[pk] = "concern"
        elif found:
            colours[pk] = max(CATEGORIES, key=lambda category: found.get(category, 0))
        else:
            colours[pk] = "vacant"
    return colours


def category_summary(*, user: User, node: GridNode) -> dict[str, int]:
    """Dwellings per colour-map category in the node's subtree (one aggregate query)."""
    dwellings = dwelling_list_for(user=user).filter(
        building__node__tree_id=node.tree_id, building__node__lft__gte=node.lft,
        building__node__lft__lt=node.rght)
    rows = (with_category(dwellings, user=user).order_by()
            .values("category").annotate(n=Count("pk")))  # type: ignore[misc]
    counts = dict.fromkeys(CATEGORIES, 0)
    counts.update({row["category"]: row["n"] for row in rows})
    return counts


# --- Households and residents ---------------------------------------------------------------


def household_list_for(*, user: User, capability: str = READ_ADDRESSES) -> QuerySet[Household]:
    return permissions.scope_queryset(Household.objects.all(), user, capability,
                                      HOUSEHOLD).select_related("dwelling__building", "head")


def household_get_for(*, user: User, pk) -> Household:
    return get_or_404(household_list_for(user=user), pk)


def membership_get_for(*, user: User, pk) -> Membership:
    memberships = permissions.scope_queryset(Membership.objects.current(), user, READ_NAMES,
                                             MEMBERSHIP)
    return get_or_404(memberships.select_related("resident", "household"), pk)


def household_card(*, household: Household, user: User) -> Household:
    """Prefetch what the household card shows: current members (for readers of names) and the
    last visits the user may read; `rights` says which of the members' fields they may see."""
    card = (
        with_current_members(Household.objects.filter(pk=household.pk))
        .select_related("dwelling__building__node", "head")
        .prefetch_related(
            Prefetch("visits", queryset=visit_list_for(user=user).order_by("-visited_on", "-pk")
                     [:5], to_attr="last_visits"),
        )
        .get()
    )
    card.rights = household_rights(user=user, household=household)  # type: ignore[attr-defined]
    if not card.rights["names"]:  # type: ignore[attr-defined]
        card.current_members = []  # type: ignore[attr-defined]
    return card


def household_rights(*, user: User, household: Household) -> dict[str, bool]:
    """What the user may see and do at this household (one query)."""
    flags = field_flags(permissions.annotate_rights(
        Household.objects.filter(pk=household.pk), user, HOUSEHOLD, **HOUSEHOLD_FLAGS,
    ).values(*HOUSEHOLD_FLAGS).get())
    # The card's visits are already those the user may read (some only their own).
    flags["visits"] = permissions.has(user, READ_VISITS)
    return flags


HOUSEHOLD_FLAGS = {"names": READ_NAMES, "phone": SEE_PHONE, "id_masked": SEE_ID, "tags": SEE_TAGS,
                   "concern": SEE_CONCERN, "concern_reason": SEE_CONCERN_REASON,
                   "edit": WRITE, "visit": LOG_VISITS}


def field_flags(row: dict) -> dict[str, bool]:
    return {name: bool(value) for name, value in row.items()}


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


# A dwelling as its label reads ("枫丹白鹭1栋 2-202"), or any tail of it: "2-202" (entrance and
# door), "1栋501" (building and door), "1苑1栋501" (estate, building and door); "2单元" also
# names an entrance, and a trailing 室 or 号 is ignored.
DWELLING_LABEL = re.compile(
    r"^(?P<place>.*?)\s*(?:(?P<entrance>[0-9]{1,4})\s*(?:-|－|—|单元)\s*)?"
    r"(?P<number>[0-9]{1,10})\s*[室号]?$")


def dwelling_label_q(text: str, path: str = "") -> Q | None:
    """The dwellings (at `path`, e.g. "household__dwelling__") whose label `text` reads, or None
    when `text` reads as no dwelling."""
    parts = DWELLING_LABEL.match(text.strip())
    if parts is None:
        return None
    match = Q(**{f"{path}number": parts["number"]})
    if parts["entrance"]:
        match &= Q(**{f"{path}entrance": int(parts["entrance"])})
    place = "".join(parts["place"].split())
    if place:
        # The building by its name, or by its estate and name as the label runs them together.
        labelled = Building.objects.annotate(
            label=Concat("estate", "name", output_field=CharField())).filter(label=place)
        match &= (Q(**{f"{path}building__name": place})
                  | Q(**{f"{path}building__in": labelled.values("pk")}))
    return match


def _text_match(text: str) -> Q:
    """A name, or the label of the dwelling where the resident lives ('501', '2-202', '1栋501',
    '1苑1栋501'). Phone numbers are searched by POST only (`phone`), never from a URL."""
    match = Q(name__contains=text)
    home = dwelling_label_q(text, "household__dwelling__")
    if home is not None:
        match |= Q(Exists(Membership.objects.current().filter(home, resident=OuterRef("pk"))))
    return match


def phone_q(phone: str, path: str = "phone") -> Q:
    """A whole number in any of its spellings, or part of one (at least four digits: the last
    four, say)."""
    whole = normalise_phone(phone)
    if whole is not None:
        return Q(**{f"{path}__in": phone_spellings(whole)})
    return Q(**{f"{path}__contains": phone})


def _visible(residents: QuerySet[Resident], user: User, capability: str) -> QuerySet[Resident]:
    """`residents` narrowed further to those on whom the user also holds `capability` (a search
    by a field must not tell who has it where the field itself is hidden)."""
    return permissions.scope_queryset(residents, user, capability, RESIDENT)


def resident_list_for(
    *,
    user: User,
    text: str = "",
    id_number: str = "",
    id_number_hash: str = "",
    phone: str = "",
    building: Building | None = None,
    node: GridNode | None = None,
    tags: list[str] | tuple[str, ...] = (),
    residence_type: str = "",
) -> QuerySet[Resident]:
    """Scoped registry search. `text` matches a name or door; a full ID number is looked up by
    its keyed hash (or give the hash) and a phone number whole or by a part of it, such as its
    last four digits (both from a request body, never a URL),
    each only among the residents whose number the user may see; a tag likewise."""
    residents = permissions.scope_queryset(Resident.objects.all(), user, READ_NAMES, RESIDENT)
    if id_number:
        try:
            id_number_hash = crypto.lookup_hash(idnumbers.parse(id_number).value)
        except Exception:  # noqa: BLE001 - an invalid number simply finds nobody
            return residents.none()
    if id_number_hash:
        residents = _visible(residents.filter(id_number_hash=id_number_hash), user, SEE_ID)
    if phone:
        residents = _visible(residents.filter(phone_q(phone.strip())), user, SEE_PHONE)
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
        residents = _visible(residents.filter(tag_filter(tag)), user,
                             SEE_CONCERN if tag == "concern" else SEE_TAGS)
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


# What the registry's rows show of a resident and of their home (resident_tags.registry_rows):
# the encrypted ID number, the notes and the grid's boundary stay in the database.
_ROW_COLUMNS = ("name", "id_number_masked", "birth_date", "phone", "residence_type",
                "party_member", "dual_report", "disabled", "veteran", "low_income",
                "living_alone", "concern", "node__name")
_HOME_LABEL = ("resident", "household__dwelling__entrance", "household__dwelling__number",
               "household__dwelling__building__estate", "household__dwelling__building__name")


def registry_rows(residents: QuerySet[Resident], *, user: User) -> QuerySet[Resident]:
    """`residents` (from `resident_list_for`) as the registry's list shows them: the columns of
    its rows, the grid's name, the current home's label (`current_memberships`) and the field
    rights."""
    homes = (Membership.objects.current().select_related("household__dwelling__building")
             .only(*_HOME_LABEL))
    rows = (residents.select_related("node").only(*_ROW_COLUMNS)
            .prefetch_related(Prefetch("memberships", queryset=homes,
                                       to_attr="current_memberships")))
    return with_field_rights(rows, user=user)


_HOME = "current_home__household__dwelling__"


def with_current_home_columns(residents: QuerySet[Resident]) -> QuerySet[Resident]:
    """Each resident's current home as plain columns (`home_estate`, `home_building`, ...,
    `home_relation`) from one join on the current membership (at most one a resident), for
    exports that read rows without building a model for each of them."""
    current = FilteredRelation("memberships", condition=Q(memberships__left_on__isnull=True))
    return residents.annotate(current_home=current).annotate(
        home_estate=F(_HOME + "building__estate"), home_building=F(_HOME + "building__name"),
        home_floors=F(_HOME + "building__floors"), home_entrance=F(_HOME + "entrance"),
        home_floor=F(_HOME + "floor"), home_number=F(_HOME + "number"),
        home_use=F(_HOME + "use"), home_household=F("current_home__household__number"),
        home_relation=F("current_home__relation"))


RESIDENT_FLAGS = {"can_see_phone": SEE_PHONE, "can_see_id": SEE_ID, "can_see_tags": SEE_TAGS,
                  "can_see_concern": SEE_CONCERN,
                  "concern_reason_readable": SEE_CONCERN_REASON, "can_edit": WRITE}


def with_field_rights(residents: QuerySet[Resident], *, user: User) -> QuerySet[Resident]:
    """Mark each resident with what the user may see of them (`can_see_phone`, `can_see_id`,
    `can_see_tags`, `can_see_concern`, `concern_reason_readable`) and `can_edit`, computed in the
    database with the matrix's conditions. `residents` come from `resident_list_for` (narrowed to
    READ_NAMES): a right held wherever the user reads names is true on every row."""
    return permissions.annotate_rights(residents, user, RESIDENT, scoped_by=READ_NAMES,
                                       **RESIDENT_FLAGS)


def with_current_members(households: QuerySet[Household]) -> QuerySet[Household]:
    """Prefetch each household's current members (with the resident) into `current_members`."""
    members = _current_members().select_related("resident").order_by("joined_on")
    return households.prefetch_related(
        Prefetch("memberships", queryset=members, to_attr="current_members"))


def exportable(residents: QuerySet[Resident], *, user: User) -> QuerySet[Resident]:
    """`residents` narrowed to those the user may export, each marked with `can_reveal` (a full
    ID number in the file) and the field rights."""
    residents = _visible(residents, user, EXPORT)
    return permissions.annotate_rights(with_field_rights(residents, user=user), user, RESIDENT,
                                       can_reveal=REVEAL)


def resident_get_for(*, user: User, pk) -> Resident:
    return get_or_404(with_field_rights(resident_list_for(user=user), user=user)
                       .select_related("node"), pk)


# --- Visits ---------------------------------------------------------------------------------


def visit_list_for(*, user: User) -> QuerySet[Visit]:
    return permissions.scope_queryset(Visit.objects.all(), user, READ_VISITS, VISIT).select_related(
        "household__dwelling__building", "visitor").prefetch_related("photos")


def visit_photo_get_for(*, user: User, visit_pk, photo_pk) -> VisitPhoto:
    """The photo, only when it belongs to that visit and the visit is in the user's scope."""
    visit = get_or_404(visit_list_for(user=user), visit_pk)
    return get_or_404(VisitPhoto.objects.filter(visit=visit), photo_pk)


# --- Transfer requests and the export log ---------------------------------------------------


def transfer_list_for(*, user: User, status: str = TransferStatus.PENDING
                      ) -> QuerySet[TransferRequest]:
    """Requests to or from the places where the user's center handles transfers; each marked
    `resident_readable` when the user may see the registered person."""
    requests = permissions.scope_queryset(TransferRequest.objects.all(), user, HANDLE_TRANSFERS,
                                          TRANSFER)
    if status:
        requests = requests.filter(status=status)
    readable = permissions.scope_q(user, READ_NAMES, Target("", nodes=("resident__node",)))
    requests = requests.annotate(resident_readable=(
        Value(True) if readable is None else Case(When(readable, then=Value(True)),
                                                   default=Value(False))))
    return requests.select_related("to_node", "to_household__dwelling__building",
                                   "requested_by", "resident__node")


def transfer_get_for(*, user: User, pk) -> TransferRequest:
    return get_or_404(transfer_list_for(user=user, status=""), pk)


def export_log_for(*, user: User) -> QuerySet[ExportLog]:
    """Exports made by people working where the user may read the export log."""
    exports = permissions.scope_queryset(ExportLog.objects.all(), user, READ_EXPORT_LOG,
                                         EXPORT_LOG)
    return ExportLog.objects.filter(pk__in=exports.values("pk")).select_related("user")
