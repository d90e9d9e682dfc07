"""Registering people without turning the registry into an oracle.

An ID number is unique in the whole portal, so registering someone checks the number against
every resident, including those outside the registering user's area. What the answer says
depends on where the match is:

- within the area where the user reads the registry: "already registered", with the record;
- outside it: nothing about where or who. A transfer request (迁入/迁出) goes to the community
  center, which moves the existing record to the new home instead of a duplicate being made.

Every such check is logged (IdCheckLog: who, when, why, what it found), and a user may make at
most `ID_CHECKS_PER_HOUR` of them in an hour (the log's own rows are the count): probing the
registry number by number is slow, noisy and visible to the center.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal import permissions
from grids.models import GridNode

from .. import crypto, idnumbers
from ..models import (
    Household,
    IdCheckLog,
    IdCheckOutcome,
    Membership,
    Relation,
    Resident,
    TransferRequest,
    TransferStatus,
)
from ..selectors import HANDLE_TRANSFERS, READ_NAMES, WRITE
from .registry import _require_editor, membership_add, membership_end, resident_create


class TooManyIdChecks(ValidationError):
    """The user checked too many ID numbers in the last hour."""


def _quota() -> int:
    return settings.ID_CHECKS_PER_HOUR


def id_checks_left(*, actor: User) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    used = IdCheckLog.objects.filter(user=actor, checked_at__gte=since).exclude(
        outcome=IdCheckOutcome.REFUSED).count()
    return max(0, _quota() - used)


def id_number_check(*, actor: User, raw: str, purpose: str) -> tuple[str, Resident | None]:
    """Check an ID number against the whole registry, logged and counted: (hash, match).

    Raises a field error for an invalid number (no check made) and TooManyIdChecks past the
    hourly quota (logged as refused).
    """
    try:
        number = idnumbers.parse(raw)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    digest = crypto.lookup_hash(number.value)
    if id_checks_left(actor=actor) <= 0:
        _log(actor, purpose, IdCheckOutcome.REFUSED, digest)
        raise TooManyIdChecks({"id_number": _(
            "You have checked many ID numbers in the last hour. Please try again later, or ask "
            "the community center.")})
    return digest, Resident.objects.filter(id_number_hash=digest).select_related("node").first()


def _log(actor: User, purpose: str, outcome: str, digest: str) -> None:
    # Pages and the API call these outside a transaction, so the row stays even when the
    # registration then fails: a refused check is still a check that was made.
    IdCheckLog.objects.create(user=actor, purpose=purpose, outcome=outcome, id_number_hash=digest)


def _outcome(actor: User, match: Resident | None) -> str:
    if match is None:
        return IdCheckOutcome.NEW
    return (IdCheckOutcome.IN_SCOPE if permissions.has(actor, READ_NAMES, match)
            else IdCheckOutcome.ELSEWHERE)


class AlreadyRegistered(ValidationError):
    """The person is registered within the user's area: `resident` is that record."""

    def __init__(self, resident: Resident):
        super().__init__({"id_number": _("%(name)s is already registered with this ID number.")
                          % {"name": resident.name}})
        self.resident = resident


@dataclass
class Registration:
    """What registering someone did: made the resident, or asked the center for a transfer."""

    resident: Resident | None = None
    transfer: TransferRequest | None = None


def resident_register(*, actor: User, id_number: str, node: GridNode | None = None,
                      household: Household | None = None, relation: str = Relation.OTHER,
                      joined_on: dt.date | None = None, **fields: Any) -> Registration:
    """Register a resident as `resident_create` does, with the number checked as above."""
    place = household.dwelling.building.node if household is not None else node
    if place is not None:
        _require_editor(actor, place)
    digest, match = id_number_check(actor=actor, raw=id_number, purpose="register")
    outcome = _outcome(actor, match)
    _log(actor, "register", outcome, digest)
    if match is None:
        try:
            return Registration(resident=resident_create(
                actor=actor, node=node, id_number=id_number, household=household,
                relation=relation, joined_on=joined_on, **fields))
        except ValidationError as error:
            # Registered by someone else a moment ago: answer as if it had been there first.
            match = Resident.objects.filter(id_number_hash=digest).first()
            if match is None:
                raise
            if not permissions.has(actor, READ_NAMES, match):
                return Registration(transfer=_transfer_for(actor, match, place, household,
                                                           relation, fields))
            raise AlreadyRegistered(match) from error
    if outcome == IdCheckOutcome.IN_SCOPE:
        raise AlreadyRegistered(match)
    return Registration(transfer=_transfer_for(actor, match, place, household, relation, fields))


@transaction.atomic
def _transfer_for(actor: User, resident: Resident, place: GridNode | None,
                  household: Household | None, relation: str, fields: dict) -> TransferRequest:
    if place is None:
        raise ValidationError({"household": _("Choose the household or grid of the resident.")})
    existing = TransferRequest.objects.filter(resident=resident, to_node=place,
                                              status=TransferStatus.PENDING).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return TransferRequest.objects.create(
                resident=resident, to_node=place, to_household=household, relation=relation,
                name_given=str(fields.get("name", ""))[:50], requested_by=actor)
    except IntegrityError:  # the same request, made at the same moment
        return TransferRequest.objects.get(resident=resident, to_node=place,
                                           status=TransferStatus.PENDING)


def id_number_change_check(*, actor: User, resident: Resident, id_number: str) -> None:
    """Before correcting a resident's ID number: the new number is checked and logged like a
    registration. A match within the user's area is named; one outside it is refused without
    saying where (the center can merge the records)."""
    digest, match = id_number_check(actor=actor, raw=id_number, purpose="correct")
    if match is not None and match.pk == resident.pk:
        return
    outcome = _outcome(actor, match)
    _log(actor, "correct", outcome, digest)
    if outcome == IdCheckOutcome.IN_SCOPE and match is not None:
        raise AlreadyRegistered(match)
    if outcome == IdCheckOutcome.ELSEWHERE:
        raise ValidationError({"id_number": _(
            "This ID number cannot be given to this resident here. Please ask the community "
            "center to check the records.")})


def id_number_search_check(*, actor: User, id_number: str) -> str:
    """Before a search by full ID number: counted and logged; the search itself then looks only
    within the user's area. Returns the normalised number."""
    digest, match = id_number_check(actor=actor, raw=id_number, purpose="search")
    _log(actor, "search", _outcome(actor, match), digest)
    return idnumbers.parse(id_number).value


# --- The center's side --------------------------------------------------------------------


def _require_both_sides(actor: User, transfer: TransferRequest) -> None:
    for node in (transfer.to_node, transfer.resident.node):
        if not (permissions.has(actor, HANDLE_TRANSFERS, node)
                and permissions.has(actor, WRITE, node)):
            raise PermissionDenied(_(
                "Moving this resident needs the center staff of both places (or the street's): "
                "ask them to accept the request."))


@transaction.atomic
def transfer_accept(*, actor: User, transfer: TransferRequest) -> TransferRequest:
    """Move the existing record to the requested home: it leaves its current household and
    joins the new one (or is placed in the requested grid)."""
    transfer = TransferRequest.objects.select_for_update(of=("self",)).select_related(
        "resident__node", "to_node", "to_household__dwelling__building__node").get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError({"status": _("This request has already been decided.")})
    _require_both_sides(actor, transfer)
    resident, today = transfer.resident, timezone.localdate()
    if transfer.to_household is not None:
        membership_add(actor=actor, household=transfer.to_household, resident=resident,
                       relation=transfer.relation, joined_on=today)
    else:
        current = Membership.objects.current().filter(resident=resident).first()
        if current is not None:
            membership_end(actor=actor, membership=current, left_on=today)
        resident.node = transfer.to_node
        resident.save(update_fields=["node", "updated_at"])
    return _decide(transfer, actor, TransferStatus.DONE, "")


@transaction.atomic
def transfer_refuse(*, actor: User, transfer: TransferRequest, note: str) -> TransferRequest:
    transfer = TransferRequest.objects.select_for_update(of=("self",)).select_related(
        "resident__node", "to_node").get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError({"status": _("This request has already been decided.")})
    if not (permissions.has(actor, HANDLE_TRANSFERS, transfer.to_node)
            or permissions.has(actor, HANDLE_TRANSFERS, transfer.resident.node)):
        raise PermissionDenied(_("This request is not for your center."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the request is refused.")})
    return _decide(transfer, actor, TransferStatus.REFUSED, note.strip()[:200])


def _decide(transfer: TransferRequest, actor: User, status: str, note: str) -> TransferRequest:
    transfer.status = status
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.note = note
    transfer.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return transfer
