"""Activities, volunteer teams, volunteers and their service hours."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal.uploads import check_photo
from grids.models import Assignment, GridNode
from grids.selectors import subtree_q
from residents.models import Resident

from ..models import (
    ActivityPhoto,
    Committee,
    ServiceHours,
    Volunteer,
    VolunteerTeam,
)
from ..models.activities import Activity
from .common import require_manager, within_community

# --- Activities and volunteers ----------------------------------------------------------------


@transaction.atomic
def activity_record(*, community: GridNode, actor: User, title: str, theme: str,
                    held_on: dt.date, place: str = "", participants: int = 0,
                    description: str = "", committee: Committee | None = None,
                    partner=None, team: VolunteerTeam | None = None,
                    photos: Sequence = ()) -> Activity:
    require_manager(actor, community.pk)
    if not (committee or partner or team):
        raise ValidationError({"committee": _("Name the organiser: a committee, a partner unit "
                                              "or a volunteer team.")})
    for organiser in (committee, partner, team):
        if organiser is not None and organiser.community_id != community.pk:
            raise ValidationError({"committee": _("The organiser belongs to another "
                                                  "community.")})
    for photo in photos:
        check_photo(photo)
    activity = Activity(community=community, title=title.strip(), theme=theme, held_on=held_on,
                        place=place.strip(), participants=participants,
                        description=description.strip(), committee=committee,
                        partner=partner, team=team, recorded_by=actor)
    activity.full_clean(exclude=["community", "committee", "partner", "team"])
    activity.save()
    for photo in photos:
        ActivityPhoto.objects.create(activity=activity, image=photo)
    return activity


@transaction.atomic
def volunteer_add(*, team: VolunteerTeam, actor: User, joined_on: dt.date,
                  resident: Resident | None = None, user: User | None = None,
                  party_member: bool = False, leader: bool = False) -> Volunteer:
    require_manager(actor, team.community_id)
    if (resident is None) == (user is None):
        raise ValidationError({"resident": _("Choose a resident or a portal user.")})
    if resident is not None:
        community = GridNode.objects.get(pk=team.community_id)
        if not within_community(resident.node, community):
            raise ValidationError({"resident": _("This resident does not live in the team's "
                                                 "community.")})
        party_member = party_member or resident.party_member
    elif not Assignment.objects.current().filter(
            subtree_q(team.community, "node"), user=user).exists():
        raise ValidationError({"user": _("This user does not work in the team's community.")})
    same = Q(resident=resident) if resident else Q(user=user)
    if team.volunteers.filter(same).exists():
        raise ValidationError({"resident": _("Already in this team.")})
    return Volunteer.objects.create(team=team, resident=resident, user=user,
                                    party_member=party_member, leader=leader,
                                    joined_on=joined_on)


@transaction.atomic
def service_hours_add(*, volunteer: Volunteer, actor: User, served_on: dt.date,
                      hours: Decimal, activity: Activity | None = None,
                      note: str = "") -> ServiceHours:
    require_manager(actor, volunteer.team.community_id)
    if not Decimal("0.5") <= hours <= Decimal("24"):
        raise ValidationError({"hours": _("Hours in one day must be at least 0.5 and at most "
                                          "24.")})
    if served_on > timezone.localdate():
        raise ValidationError({"served_on": _("Service hours cannot be recorded for a future "
                                              "date.")})
    if activity is not None and activity.community_id != volunteer.team.community_id:
        raise ValidationError({"activity": _("That activity is in another community.")})
    return ServiceHours.objects.create(volunteer=volunteer, activity=activity,
                                       served_on=served_on, hours=hours, note=note.strip(),
                                       recorded_by=actor)


@transaction.atomic
def team_create(*, community: GridNode, actor: User, name: str,
                description: str = "") -> VolunteerTeam:
    """Set up a volunteer team of `community`; a team's name is unique in its community."""
    require_manager(actor, community.pk)
    team = VolunteerTeam(community=community, name=name.strip(),
                         description=description.strip())
    team.full_clean(exclude=["community"])
    if VolunteerTeam.objects.filter(community=community, name=team.name).exists():
        raise ValidationError({"name": _("A team of this name already exists in the "
                                         "community.")})
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:  # created meanwhile by someone else
        raise ValidationError({"name": _("A team of this name already exists in the "
                                         "community.")}) from None
    return team
