"""Writes with rules for the registry. Every function checks the actor's role where it writes."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal import permissions
from gridportal.uploads import check_photo
from grids.models import GRID_KINDS, GridNode, NodeKind

from .. import crypto, idnumbers
from ..models import (
    Building,
    Dwelling,
    Household,
    IdRevealLog,
    Membership,
    Premises,
    Relation,
    Resident,
    Visit,
    VisitPhoto,
)
from ..selectors import LOG_VISITS, WRITE

RESIDENT_FIELDS = (
    "name", "phone", "residence_type", "moved_in_on", "expected_stay_until",
    "registration_place", "party_member", "dual_report", "disabled", "veteran", "low_income",
    "living_alone", "concern", "concern_level", "concern_reason", "notes",
)


def _require(actor: User, capability: str, node: GridNode, message: str) -> None:
    if not permissions.has(actor, capability, node):
        raise PermissionDenied(message)


def _require_editor(actor: User, node: GridNode) -> None:
    _require(actor, WRITE, node,
             _("Only the grid's head, workers and center staff may change the registry."))


def _full_clean(obj, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude))


# --- Buildings and dwellings ----------------------------------------------------------------


def check_building_node(node: GridNode) -> None:
    if node.kind not in GRID_KINDS:
        raise ValidationError({"node": _("A building belongs to a level-5 grid, or to a level-4 "
                                         "grid that has no level-5 grids.")})
    if node.kind == NodeKind.GRID4 and node.get_children().filter(kind=NodeKind.GRID5).exists():
        raise ValidationError({"node": _("This level-4 grid is divided into level-5 grids: "
                                         "choose one of those.")})


@transaction.atomic
def building_create(*, actor: User, node: GridNode, estate: str, name: str, floors: int,
                    entrances: int = 1, address: str = "", latitude: Decimal | None = None,
                    longitude: Decimal | None = None) -> Building:
    _require_editor(actor, node)
    check_building_node(node)
    building = Building(node=node, estate=estate, name=name, floors=floors, entrances=entrances,
                        address=address, latitude=latitude, longitude=longitude)
    _full_clean(building)
    building.save()
    return building


@transaction.atomic
def building_move(*, actor: User, building: Building, node: GridNode) -> Building:
    """Hand a building to another grid; its residents follow it."""
    _require_editor(actor, building.node)
    _require_editor(actor, node)
    check_building_node(node)
    building.node = node
    building.save(update_fields=["node"])
    Resident.objects.filter(
        memberships__left_on__isnull=True, memberships__household__dwelling__building=building
    ).update(node=node)
    return building


def check_dwelling_place(building: Building, entrance: int, floor: int) -> None:
    errors = {}
    if not 1 <= entrance <= building.entrances:
        errors["entrance"] = _("This building has entrances 1 to %(n)d.") % {
            "n": building.entrances}
    if not (-5 <= floor <= building.floors) or floor == 0:
        errors["floor"] = _("This building has floors 1 to %(n)d (basements -1 to -5).") % {
            "n": building.floors}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def dwelling_create(*, actor: User, building: Building, entrance: int, floor: int, number: str,
                    use: str, area: Decimal | None = None) -> Dwelling:
    _require_editor(actor, building.node)
    check_dwelling_place(building, entrance, floor)
    dwelling = Dwelling(building=building, entrance=entrance, floor=floor, number=number,
                        use=use, area=area)
    _full_clean(dwelling)
    dwelling.save()
    return dwelling


@transaction.atomic
def dwelling_update(*, actor: User, dwelling: Dwelling, **changes: Any) -> Dwelling:
    _require_editor(actor, dwelling.building.node)
    for name, value in changes.items():
        if name not in {"use", "area", "number", "floor", "entrance"}:
            raise ValueError(name)
        setattr(dwelling, name, value)
    check_dwelling_place(dwelling.building, dwelling.entrance, dwelling.floor)
    _full_clean(dwelling)
    dwelling.save()
    return dwelling


# --- Residents ------------------------------------------------------------------------------


def _apply_id_number(resident: Resident, raw: str) -> None:
    try:
        number = idnumbers.parse(raw)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    digest = crypto.lookup_hash(number.value)
    duplicate = Resident.objects.filter(id_number_hash=digest).exclude(pk=resident.pk).exists()
    if duplicate:
        raise ValidationError(
            {"id_number": _("A resident with this ID number is already registered.")})
    resident.id_number_token = crypto.encrypt(number.value)
    resident.id_number_hash = digest
    resident.id_number_masked = number.masked
    resident.birth_date = number.birth_date
    resident.gender = number.gender


def _check_resident_rules(resident: Resident) -> None:
    errors = {}
    if resident.dual_report and not resident.party_member:
        errors["dual_report"] = _("Only a party member can have reported to the community.")
    if resident.expected_stay_until and resident.residence_type != "floating":
        errors["expected_stay_until"] = _("Only a floating resident has an expected stay.")
    if not resident.concern:
        resident.concern_level = ""
        resident.concern_reason = ""
    elif not resident.concern_level:
        errors["concern_level"] = _("Choose how closely this person is followed.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def resident_create(*, actor: User, node: GridNode | None = None, id_number: str,
                    household: Household | None = None, relation: str = Relation.OTHER,
                    joined_on: dt.date | None = None, **fields: Any) -> Resident:
    """Register a resident, in a household (whose grid then owns them) or directly in a grid."""
    if household is not None:
        node = household.dwelling.building.node
    if node is None:
        raise ValidationError({"household": _("Choose the household or grid of the resident.")})
    _require_editor(actor, node)
    unknown = set(fields) - set(RESIDENT_FIELDS)
    if unknown:
        raise ValueError(f"resident_create cannot set {sorted(unknown)}")
    resident = Resident(node=node, **fields)
    _apply_id_number(resident, id_number)
    _check_resident_rules(resident)
    _full_clean(resident, exclude=["id_number_token", "id_number_hash"])
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise ValidationError(
            {"id_number": _("A resident with this ID number is already registered.")}) from None
    if household is not None:
        membership_add(actor=actor, household=household, resident=resident, relation=relation,
                       joined_on=joined_on or timezone.localdate())
    return resident


@transaction.atomic
def resident_update(*, actor: User, resident: Resident, id_number: str | None = None,
                    **changes: Any) -> Resident:
    _require_editor(actor, resident.node)
    unknown = set(changes) - set(RESIDENT_FIELDS)
    if unknown:
        raise ValueError(f"resident_update cannot change {sorted(unknown)}")
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    for name, value in changes.items():
        setattr(resident, name, value)
    if id_number:
        _apply_id_number(resident, id_number)
    _check_resident_rules(resident)
    _full_clean(resident, exclude=["id_number_token", "id_number_hash"])
    resident.save()
    return resident


@transaction.atomic
def id_number_reveal(*, actor: User, resident: Resident, reason: str) -> str:
    """The full ID number, for a user holding the permission; every reveal is logged."""
    if not permissions.has(actor, "residents.reveal_id", resident):
        raise PermissionDenied(_("You may not see full ID numbers."))
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why you need the full ID number.")})
    IdRevealLog.objects.create(user=actor, resident=resident, reason=reason.strip()[:200])
    return crypto.decrypt(resident.id_number_token)


# --- Households -----------------------------------------------------------------------------


@transaction.atomic
def household_create(*, actor: User, dwelling: Dwelling, number: str = "") -> Household:
    _require_editor(actor, dwelling.building.node)
    household = Household(dwelling=dwelling, number=number)
    _full_clean(household)
    household.save()
    return household


@transaction.atomic
def membership_add(*, actor: User, household: Household, resident: Resident, relation: str,
                   joined_on: dt.date) -> Membership:
    """Add a resident to a household, ending their current household first (one at a time)."""
    node = household.dwelling.building.node
    _require_editor(actor, node)
    if relation == Relation.HEAD and household.memberships.current().filter(
            relation=Relation.HEAD).exclude(resident=resident).exists():
        raise ValidationError({"relation": _("This household already has a head.")})
    previous = Membership.objects.select_for_update().current().filter(resident=resident).first()
    if previous is not None:
        if previous.household_id == household.pk:
            raise ValidationError({"resident": _("This resident already lives in this household.")})
        if joined_on < previous.joined_on:
            raise ValidationError({"joined_on": _("The resident joined their current household "
                                                  "after this date.")})
        membership_end(actor=actor, membership=previous, left_on=joined_on)
    membership = Membership(household=household, resident=resident, relation=relation,
                            joined_on=joined_on)
    _full_clean(membership)
    membership.save()
    if relation == Relation.HEAD:
        household.head = resident
        household.save(update_fields=["head"])
    if resident.node_id != node.pk:
        resident.node = node
        resident.save(update_fields=["node", "updated_at"])
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: Membership, left_on: dt.date) -> Membership:
    _require_editor(actor, membership.household.dwelling.building.node)
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("Leaving cannot come before joining.")})
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    household = membership.household
    if household.head_id == membership.resident_id:
        household.head = None
        household.save(update_fields=["head"])
    return membership


# --- Premises and visits --------------------------------------------------------------------


@transaction.atomic
def premises_create(*, actor: User, dwelling: Dwelling, **fields: Any) -> Premises:
    _require_editor(actor, dwelling.building.node)
    premises = Premises(dwelling=dwelling, **fields)
    _full_clean(premises)
    premises.save()
    return premises


@transaction.atomic
def visit_create(*, actor: User, household: Household, purpose: str, notes: str = "",
                 follow_up_needed: bool = False, visited_on: dt.date | None = None,
                 photos: Iterable[UploadedFile] = ()) -> Visit:
    _require(actor, LOG_VISITS, household.dwelling.building.node,
             _("Only people working in this grid may log visits here."))
    visit = Visit(household=household, visitor=actor, purpose=purpose, notes=notes,
                  follow_up_needed=follow_up_needed,
                  visited_on=visited_on or timezone.localdate())
    if visit.visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be in the future.")})
    _full_clean(visit, exclude=["visitor"])
    visit.save()
    for photo in photos:
        check_photo(photo)
        visit_photo = VisitPhoto(visit=visit, image=photo)
        _full_clean(visit_photo, exclude=["visit"])
        visit_photo.save()
    return visit

