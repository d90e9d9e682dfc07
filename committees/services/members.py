"""Committees, their members and terms, and the charter's versions."""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from grids.models import GridNode, NodeKind
from residents.models import Resident

from ..models import (
    Charter,
    Committee,
    Member,
    Position,
)
from ..selectors import works_in
from .common import require_manager, save_record, within_community

# --- Committees, members and charters -------------------------------------------------------


@transaction.atomic
def committee_create(*, community: GridNode, actor: User, kind: str, name: str,
                     description: str = "", cadence_months: int = 3,
                     remind_days_before: int = 7) -> Committee:
    """Set up a committee of a community (the five, or another the community needs)."""
    if community.kind != NodeKind.COMMUNITY:
        raise ValidationError({"community": _("A committee belongs to a community.")})
    return save_record(Committee(community=community), actor=actor, community_id=community.pk,
                       fields={"kind": kind, "name": name.strip(), "description": description,
                               "cadence_months": cadence_months,
                               "remind_days_before": remind_days_before},
                       exclude=["community"])


def _overlaps(members, starts_on: dt.date, ends_on: dt.date | None):
    members = members.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    return members.filter(starts_on__lte=ends_on) if ends_on else members


@transaction.atomic
def member_add(*, committee: Committee, actor: User, position: str, starts_on: dt.date,
               ends_on: dt.date | None = None, user: User | None = None,
               resident: Resident | None = None, contact_name: str = "",
               contact_phone: str = "", organisation_kind: str = "",
               organisation: str = "") -> Member:
    """Add a member for a term. One person per member row (a user, a resident or an outside
    contact); a committee has one director at a time; nobody serves twice in overlapping
    terms."""
    require_manager(actor, committee.community_id)
    Committee.objects.select_for_update().get(pk=committee.pk)  # one writer of terms at a time
    people = [person for person in (user, resident, contact_name.strip()) if person]
    if len(people) != 1:
        raise ValidationError({"user": _("Choose one person: a portal user, a resident or an "
                                         "outside contact's name.")})
    if user is not None and not works_in(user, committee.community):
        raise ValidationError({"user": _("Choose someone who works in the committee's "
                                         "community.")})
    if resident is not None and not within_community(resident.node, committee.community):
        raise ValidationError({"resident": _("This resident does not live in the committee's "
                                             "community.")})
    check_term(committee=committee, position=position, starts_on=starts_on, ends_on=ends_on,
               user=user, resident=resident, contact_name=contact_name)
    member = Member(committee=committee, user=user, resident=resident,
                    contact_name=contact_name.strip(), contact_phone=contact_phone,
                    position=position, organisation=organisation, starts_on=starts_on,
                    ends_on=ends_on)
    if organisation_kind:
        member.organisation_kind = organisation_kind
    member.full_clean(exclude=["committee", "user", "resident"])
    member.save()
    return member


def check_term(*, committee: Committee, position: str, starts_on: dt.date,
               ends_on: dt.date | None, user: User | None = None,
               resident: Resident | None = None, contact_name: str = "",
               exclude_pk: int | None = None) -> None:
    """The rules of a term, for the services and the admin alike: it ends after it starts, a
    committee has one director at a time, and nobody serves twice in overlapping terms."""
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The term cannot end before it starts.")})
    members = committee.members.all()
    if exclude_pk is not None:
        members = members.exclude(pk=exclude_pk)
    terms = _overlaps(members, starts_on, ends_on)
    if position == Position.DIRECTOR and terms.filter(position=Position.DIRECTOR).exists():
        raise ValidationError({"position": _("The committee already has a director for these "
                                             "dates; end that term first.")})
    same = (Q(user=user) if user else Q(resident=resident) if resident
            else Q(contact_name=contact_name.strip()))
    if terms.filter(same).exists():
        raise ValidationError({"starts_on": _("This person is already a member for these "
                                              "dates.")})


@transaction.atomic
def member_end_term(*, member: Member, actor: User, ends_on: dt.date) -> Member:
    require_manager(actor, member.committee.community_id)
    Committee.objects.select_for_update().get(pk=member.committee_id)
    check_term(committee=member.committee, position=member.position,
               starts_on=member.starts_on, ends_on=ends_on, user=member.user,
               resident=member.resident, contact_name=member.contact_name,
               exclude_pk=member.pk)
    member.ends_on = ends_on
    member.save(update_fields=["ends_on"])
    return member


@transaction.atomic
def charter_adopt(*, committee: Committee, actor: User, adopted_on: dt.date, text: str = "",
                  file=None) -> Charter:
    """Record a new version of the charter; earlier versions are kept."""
    require_manager(actor, committee.community_id)
    if not text.strip() and not file:
        raise ValidationError({"text": _("Give the charter's text or attach its file.")})
    Committee.objects.select_for_update().get(pk=committee.pk)
    latest = committee.charters.aggregate(latest=Max("version"))["latest"] or 0
    return Charter.objects.create(committee=committee, version=latest + 1,
                                  adopted_on=adopted_on, text=text.strip(), file=file or "",
                                  recorded_by=actor)
