"""Writes with rules for committees: members and terms, charters, meetings with attendance and
decisions (a decision becomes a ticket), the joint-meeting cadence sweep, matches of needs, and
the records of activities and volunteers."""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal.uploads import check_photo
from grids.models import Assignment, GridNode, Role
from residents.models import Resident
from tickets import services as ticket_services
from tickets.models import Category, Channel, Notification, Ticket
from tickets.workflow import OPEN

from .models import (
    ActivityPhoto,
    AgendaItem,
    Attendance,
    Charter,
    Committee,
    CommitteeReminder,
    Decision,
    Match,
    MatchStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    PartnerUnit,
    Position,
    Resource,
    ServiceHours,
    ServiceItem,
    Volunteer,
    VolunteerTeam,
)
from .models.activities import Activity
from .selectors import can_manage, can_record_meetings, current_members_q, next_joint_meeting_due

DECISION_CATEGORY = "committee"
# A decision's deadline is the end of the working day it is due.
END_OF_DAY = dt.time(18, 0)


def _require_manager(actor: User, community_id: int) -> None:
    if not can_manage(actor, community_id):
        raise PermissionDenied(_("Only the community's staff can change these records."))


def _require_recorder(actor: User, committee: Committee) -> None:
    if not can_record_meetings(actor, committee):
        raise PermissionDenied(_("Only the community's staff and the committee's director can "
                                 "record its meetings."))


def _within(node: GridNode, community: GridNode) -> bool:
    return (node.tree_id == community.tree_id and community.lft <= node.lft < community.rght)


# --- Members and charters -------------------------------------------------------------------


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
    _require_manager(actor, committee.community_id)
    Committee.objects.select_for_update().get(pk=committee.pk)  # one writer of terms at a time
    people = [person for person in (user, resident, contact_name.strip()) if person]
    if len(people) != 1:
        raise ValidationError({"user": _("Choose one person: a portal user, a resident or an "
                                         "outside contact's name.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The term cannot end before it starts.")})
    if resident is not None and not _within(resident.node, committee.community):
        raise ValidationError({"resident": _("This resident does not live in the committee's "
                                             "community.")})
    terms = _overlaps(committee.members.all(), starts_on, ends_on)
    if position == Position.DIRECTOR and terms.filter(position=Position.DIRECTOR).exists():
        raise ValidationError({"position": _("The committee already has a director for these "
                                             "dates; end that term first.")})
    same = (Q(user=user) if user else Q(resident=resident) if resident
            else Q(contact_name=contact_name.strip()))
    if terms.filter(same).exists():
        raise ValidationError({"starts_on": _("This person is already a member for these "
                                              "dates.")})
    member = Member(committee=committee, user=user, resident=resident,
                    contact_name=contact_name.strip(), contact_phone=contact_phone,
                    position=position, organisation=organisation, starts_on=starts_on,
                    ends_on=ends_on)
    if organisation_kind:
        member.organisation_kind = organisation_kind
    member.full_clean(exclude=["committee", "user", "resident"])
    member.save()
    return member


@transaction.atomic
def member_end_term(*, member: Member, actor: User, ends_on: dt.date) -> Member:
    _require_manager(actor, member.committee.community_id)
    if ends_on < member.starts_on:
        raise ValidationError({"ends_on": _("The term cannot end before it starts.")})
    member.ends_on = ends_on
    member.save(update_fields=["ends_on"])
    return member


@transaction.atomic
def charter_adopt(*, committee: Committee, actor: User, adopted_on: dt.date, text: str = "",
                  file=None) -> Charter:
    """Record a new version of the charter; earlier versions are kept."""
    _require_manager(actor, committee.community_id)
    if not text.strip() and not file:
        raise ValidationError({"text": _("Give the charter's text or attach its file.")})
    Committee.objects.select_for_update().get(pk=committee.pk)
    latest = committee.charters.aggregate(latest=Max("version"))["latest"] or 0
    return Charter.objects.create(committee=committee, version=latest + 1,
                                  adopted_on=adopted_on, text=text.strip(), file=file or "",
                                  recorded_by=actor)


# --- Meetings -------------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(*, committee: Committee, actor: User, title: str, held_on: dt.date,
                     kind: str = MeetingKind.JOINT, starts_at: dt.time | None = None,
                     place: str = "", agenda: Sequence[str] = ()) -> Meeting:
    _require_recorder(actor, committee)
    if not committee.active:
        raise ValidationError({"committee": _("This committee no longer meets.")})
    meeting = Meeting(committee=committee, kind=kind, title=title.strip(), held_on=held_on,
                      starts_at=starts_at, place=place.strip(), recorded_by=actor)
    meeting.full_clean(exclude=["committee"])
    meeting.save()
    agenda_set(meeting=meeting, actor=actor, items=agenda)
    return meeting


@transaction.atomic
def agenda_set(*, meeting: Meeting, actor: User, items: Iterable[str]) -> list[AgendaItem]:
    _require_recorder(actor, meeting.committee)
    meeting.agenda_items.all().delete()
    titles = [item.strip() for item in items if item and item.strip()]
    return AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, position=position, title=title[:200])
        for position, title in enumerate(titles))


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related(
        "committee", "committee__community").get(pk=meeting.pk)


@transaction.atomic
def meeting_record(*, meeting: Meeting, actor: User, minutes: str,
                   present: Iterable[int] | None = None, guests: str = "",
                   title: str | None = None, place: str | None = None,
                   held_on: dt.date | None = None) -> Meeting:
    """Record that the meeting was held: minutes and, when given, who was present (every other
    member serving that day is recorded absent). A held joint meeting restarts the cadence."""
    meeting = _lock_meeting(meeting)
    _require_recorder(actor, meeting.committee)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": _("A cancelled meeting cannot be recorded.")})
    day = held_on or meeting.held_on
    if day > timezone.localdate():
        raise ValidationError({"held_on": _("A meeting cannot be recorded as held before its "
                                            "date.")})
    if not minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes: what was discussed and "
                                            "agreed.")})
    meeting.held_on = day
    meeting.minutes = minutes.strip()
    meeting.guests = guests.strip()
    meeting.title = (title or meeting.title).strip()
    meeting.place = (place if place is not None else meeting.place).strip()
    meeting.status = MeetingStatus.HELD
    meeting.recorded_by = actor
    meeting.full_clean(exclude=["committee"])
    meeting.save()
    if present is not None:
        _record_attendance(meeting, set(present))
    if meeting.kind == MeetingKind.JOINT:
        Committee.objects.filter(pk=meeting.committee_id).update(cadence_missed_since=None)
    return meeting


def _record_attendance(meeting: Meeting, present: set[int]) -> None:
    serving = set(meeting.committee.members.filter(current_members_q(meeting.held_on))
                  .values_list("pk", flat=True))
    unknown = present - serving
    if unknown:
        raise ValidationError({"present": _("Only members serving on the meeting day can be "
                                            "marked present.")})
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member_id=member_id,
                                              present=member_id in present)
                                   for member_id in sorted(serving))


@transaction.atomic
def attendance_mark(*, meeting: Meeting, actor: User, member: Member, present: bool) -> Attendance:
    """Tick one member present or absent (the phone page, one tap per member)."""
    meeting = _lock_meeting(meeting)
    _require_recorder(actor, meeting.committee)
    if member.committee_id != meeting.committee_id or not member.serves_on(meeting.held_on):
        raise ValidationError({"member": _("This person is not a member on the meeting day.")})
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": _("A cancelled meeting cannot be recorded.")})
    row, _created = Attendance.objects.update_or_create(meeting=meeting, member=member,
                                                        defaults={"present": present})
    return row


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor: User) -> Meeting:
    meeting = _lock_meeting(meeting)
    _require_recorder(actor, meeting.committee)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned meeting can be cancelled.")})
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    return meeting


# --- Decisions ------------------------------------------------------------------------------


@transaction.atomic
def decision_add(*, meeting: Meeting, actor: User, text: str, owner: GridNode | None = None,
                 due_on: dt.date | None = None, make_ticket: bool = False) -> Decision:
    """Record a decision of a held meeting; with `make_ticket`, it becomes a ticket owned by
    `owner` and due on `due_on` at once."""
    meeting = _lock_meeting(meeting)
    _require_recorder(actor, meeting.committee)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError({"text": _("Record the meeting as held before adding its "
                                         "decisions.")})
    if not text.strip():
        raise ValidationError({"text": _("Write what was decided.")})
    if owner is not None and not _within(owner, meeting.committee.community):
        raise ValidationError({"owner": _("Choose a node inside the committee's community.")})
    position = meeting.decisions.count()
    decision = Decision.objects.create(meeting=meeting, position=position, text=text.strip(),
                                       owner=owner, due_on=due_on)
    if make_ticket:
        decision = decision_make_ticket(decision=decision, actor=actor, owner=owner,
                                        due_on=due_on)
    return decision


@transaction.atomic
def decision_make_ticket(*, decision: Decision, actor: User, owner: GridNode | None,
                         due_on: dt.date | None) -> Decision:
    """Turn a decision into a ticket owned by a node of the committee's community, due at the end
    of `due_on` (项目化解决). The ticket follows the usual workflow, reminders and escalation."""
    decision = Decision.objects.select_for_update(of=("self",)).select_related(
        "meeting__committee__community").get(pk=decision.pk)
    committee = decision.meeting.committee
    _require_recorder(actor, committee)
    if decision.ticket_id:
        raise ValidationError({"text": _("This decision is already a ticket.")})
    errors = {}
    if owner is None:
        errors["owner"] = _("Choose the grid or hub that carries the decision out.")
    elif not _within(owner, committee.community):
        errors["owner"] = _("Choose a node inside the committee's community.")
    if due_on is None:
        errors["due_on"] = _("Give the date it must be done by.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("The due date cannot be in the past.")
    if errors or owner is None or due_on is None:
        raise ValidationError(errors)
    # The category a migration creates; made again if an administrator deleted it.
    category, _created = Category.objects.get_or_create(
        code=DECISION_CATEGORY, defaults={"name": "议事决定", "position": 12})
    meeting = decision.meeting
    resolve_by = timezone.make_aware(dt.datetime.combine(due_on, END_OF_DAY))
    if resolve_by <= timezone.now():
        resolve_by = timezone.now() + dt.timedelta(hours=1)
    description = _("Decision of %(committee)s, %(meeting)s on %(date)s:\n%(text)s") % {
        "committee": committee.name, "meeting": meeting.title,
        "date": meeting.held_on.isoformat(), "text": decision.text}
    fields: dict[str, Any] = {
        "channel": Channel.COMMITTEE, "category": category, "title": decision.text[:120],
        "description": description, "node": owner, "owner": owner, "resolve_by": resolve_by}
    try:
        ticket = ticket_services.ticket_create(actor=actor, **fields)
    except PermissionDenied:
        # A committee's director may hand work to any node of the community, even one outside
        # their own assignments: the ticket is created on the committee's authority.
        ticket = ticket_services.ticket_create(actor=None, **fields)
        Ticket.objects.filter(pk=ticket.pk).update(created_by=actor)
    decision.owner, decision.due_on, decision.ticket = owner, due_on, ticket
    decision.save(update_fields=["owner", "due_on", "ticket"])
    return decision


def decisions_all_closed(meeting: Meeting) -> bool:
    """True when every decision made into a ticket is closed (the meeting's work is done)."""
    return not meeting.decisions.filter(ticket__status__in=OPEN).exists()


# --- The joint-meeting cadence --------------------------------------------------------------


def _director_and_staff(committee: Committee) -> list[int]:
    today = timezone.localdate()
    directors = committee.members.filter(current_members_q(today), user__isnull=False,
                                         user__is_active=True,
                                         position__in=[Position.DIRECTOR, Position.DEPUTY])
    users = set(directors.values_list("user_id", flat=True))
    staff = Assignment.objects.current().filter(node_id=committee.community_id,
                                                role=Role.CENTER_STAFF, user__is_active=True)
    if not users:  # nobody directs it: the community's staff hear about it instead
        users |= set(staff.values_list("user_id", flat=True))
    return sorted(users)


def _remind_once(committee: Committee, kind: str, due_on: dt.date, text: str) -> bool:
    """Create the reminder row and its inbox notices unless the row exists (then nothing)."""
    try:
        with transaction.atomic():
            reminder = CommitteeReminder.objects.create(committee=committee, kind=kind,
                                                        due_on=due_on)
            link = reverse("committees:detail", args=[committee.pk])
            Notification.objects.bulk_create(
                Notification(user_id=user_id, text=text[:200], link=link,
                             key=f"committee-reminder:{reminder.pk}:{user_id}")
                for user_id in _director_and_staff(committee))
    except IntegrityError:
        return False
    return True


def cadence_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind each committee's director before a joint meeting falls due, and flag (and remind
    once) a committee whose joint meeting is overdue. Running it twice sends nothing twice."""
    today = today or timezone.localdate()
    counts = {"reminded": 0, "flagged": 0}
    committees = Committee.objects.filter(active=True).annotate(
        last_held=Max("meetings__held_on", filter=Q(meetings__kind=MeetingKind.JOINT,
                                                    meetings__status=MeetingStatus.HELD)))
    for committee in committees:
        due = next_joint_meeting_due(committee, committee.last_held)
        if today > due:
            if committee.cadence_missed_since != due:
                Committee.objects.filter(pk=committee.pk).update(cadence_missed_since=due)
            text = _("%(committee)s has not held its joint meeting due on %(date)s.") % {
                "committee": committee.name, "date": due.isoformat()}
            if _remind_once(committee, CommitteeReminder.Kind.CADENCE_MISSED, due, text):
                counts["flagged"] += 1
        elif today >= due - dt.timedelta(days=committee.remind_days_before):
            text = _("%(committee)s: the joint meeting is due by %(date)s.") % {
                "committee": committee.name, "date": due.isoformat()}
            if _remind_once(committee, CommitteeReminder.Kind.MEETING_DUE, due, text):
                counts["reminded"] += 1
    return counts


# --- Needs matched with services and resources ------------------------------------------------


@transaction.atomic
def match_create(*, need: Ticket, actor: User, service: ServiceItem | None = None,
                 resource: Resource | None = None, note: str = "") -> Match:
    """Pair an open need (a micro-wish ticket) with a service or a partner unit's resource of the
    need's community."""
    offers = [offer for offer in (service, resource) if offer is not None]
    if len(offers) != 1:
        raise ValidationError({"service": _("Choose one service or one resource.")})
    community_id = (service.community_id if service is not None
                    else offers[0].partner.community_id)  # type: ignore[union-attr]
    _require_manager(actor, community_id)
    need = Ticket.objects.select_for_update(of=("self",)).select_related(
        "category", "node").get(pk=need.pk)
    if not need.category.is_wish:
        raise ValidationError({"need": _("Only residents' needs and micro-wishes are matched.")})
    if need.status not in OPEN:
        raise ValidationError({"need": _("This need is already closed.")})
    community = GridNode.objects.get(pk=community_id)
    if not _within(need.node, community):
        raise ValidationError({"need": _("This need is from another community.")})
    if need.matches.exclude(status=MatchStatus.CANCELLED).exists():
        raise ValidationError({"need": _("This need is already matched; cancel that match "
                                         "first.")})
    if (service and not service.active) or (resource and not resource.available):
        raise ValidationError({"service": _("That offer is not available now.")})
    return Match.objects.create(need=need, service=service, resource=resource,
                                note=note.strip()[:200], matched_by=actor)


@transaction.atomic
def match_set_status(*, match: Match, actor: User, status: str) -> Match:
    match = Match.objects.select_for_update(of=("self",)).select_related(
        "service", "resource__partner").get(pk=match.pk)
    offer = match.service or match.resource
    offer_community = (offer.community_id if isinstance(offer, ServiceItem)
                       else offer.partner.community_id)  # type: ignore[union-attr]
    _require_manager(actor, offer_community)
    if match.status != MatchStatus.MATCHED or status not in (MatchStatus.DELIVERED,
                                                             MatchStatus.CANCELLED):
        raise ValidationError({"status": _("Only a live match can be delivered or "
                                           "cancelled.")})
    match.status = status
    match.delivered_at = timezone.now() if status == MatchStatus.DELIVERED else None
    match.save(update_fields=["status", "delivered_at"])
    return match


# --- Activities and volunteers ----------------------------------------------------------------


@transaction.atomic
def activity_record(*, community: GridNode, actor: User, title: str, theme: str,
                    held_on: dt.date, place: str = "", participants: int = 0,
                    description: str = "", committee: Committee | None = None,
                    partner=None, team: VolunteerTeam | None = None,
                    photos: Sequence = ()) -> Activity:
    _require_manager(actor, community.pk)
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
    _require_manager(actor, team.community_id)
    if (resident is None) == (user is None):
        raise ValidationError({"resident": _("Choose a resident or a portal user.")})
    if resident is not None:
        community = GridNode.objects.get(pk=team.community_id)
        if not _within(resident.node, community):
            raise ValidationError({"resident": _("This resident does not live in the team's "
                                                 "community.")})
        party_member = party_member or resident.party_member
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
    _require_manager(actor, volunteer.team.community_id)
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


# --- Partner units, resources and services: plain records kept by the community's staff ------


def _save_record(instance, *, actor: User, community_id: int, fields: dict,
                 exclude: Sequence[str] = ()):
    _require_manager(actor, community_id)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=list(exclude))
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({"name": _("This name is already used in the community.")}) \
            from None
    return instance


@transaction.atomic
def partner_save(*, actor: User, community: GridNode, partner: PartnerUnit | None = None,
                 **fields) -> PartnerUnit:
    """Create (no `partner`) or update a partner unit of `community`."""
    partner = partner or PartnerUnit(community=community)
    if partner.pk and partner.community_id != community.pk:
        raise ValidationError({"community": _("A partner unit cannot move to another "
                                              "community.")})
    return _save_record(partner, actor=actor, community_id=community.pk, fields=fields,
                        exclude=["community"])


@transaction.atomic
def resource_save(*, actor: User, partner: PartnerUnit, resource: Resource | None = None,
                  **fields) -> Resource:
    resource = resource or Resource(partner=partner)
    if resource.pk and resource.partner_id != partner.pk:
        _require_manager(actor, resource.partner.community_id)  # taken from there, too
    resource.partner = partner
    return _save_record(resource, actor=actor, community_id=partner.community_id,
                        fields=fields, exclude=["partner"])


@transaction.atomic
def service_item_save(*, actor: User, community: GridNode, item: ServiceItem | None = None,
                      **fields) -> ServiceItem:
    item = item or ServiceItem(community=community)
    if item.pk and item.community_id != community.pk:
        raise ValidationError({"community": _("A service cannot move to another community.")})
    point = fields.get("service_point")
    if point is not None and not _within(point.node, community):
        raise ValidationError({"service_point": _("That service point is in another "
                                                  "community.")})
    return _save_record(item, actor=actor, community_id=community.pk, fields=fields,
                        exclude=["community", "service_point"])
