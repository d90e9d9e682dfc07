"""Meetings: scheduling, the record of a held meeting, attendance, and decisions that become
tickets (项目化解决)."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import GridNode
from tickets import services as ticket_services
from tickets.models import Category, Channel, Ticket
from tickets.workflow import OPEN

from ..models import (
    AgendaItem,
    Attendance,
    Committee,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
)
from ..selectors import attendance_open, current_members_q
from .common import require_recorder, within_community

DECISION_CATEGORY = "committee"
# A decision's deadline is the end of the working day it is due.
END_OF_DAY = dt.time(18, 0)


# --- Meetings -------------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(*, committee: Committee, actor: User, title: str, held_on: dt.date,
                     kind: str = MeetingKind.JOINT, starts_at: dt.time | None = None,
                     place: str = "", agenda: Sequence[str] = ()) -> Meeting:
    require_recorder(actor, committee)
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
    require_recorder(actor, meeting.committee)
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
    require_recorder(actor, meeting.committee)
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
    require_recorder(actor, meeting.committee)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": _("A cancelled meeting cannot be recorded.")})
    if not attendance_open(meeting):
        raise ValidationError({"status": _(
            "Attendance can be marked only for a meeting that is held or being held; this one "
            "is on %(day)s.") % {"day": meeting.held_on.isoformat()}})
    if member.committee_id != meeting.committee_id or not member.serves_on(meeting.held_on):
        raise ValidationError({"member": _("This person is not a member on the meeting day.")})
    row, _created = Attendance.objects.update_or_create(meeting=meeting, member=member,
                                                        defaults={"present": present})
    return row


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor: User) -> Meeting:
    meeting = _lock_meeting(meeting)
    require_recorder(actor, meeting.committee)
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
    require_recorder(actor, meeting.committee)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError({"text": _("Record the meeting as held before adding its "
                                         "decisions.")})
    if not text.strip():
        raise ValidationError({"text": _("Write what was decided.")})
    if owner is not None and not within_community(owner, meeting.committee.community):
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
    require_recorder(actor, committee)
    if decision.ticket_id:
        raise ValidationError({"text": _("This decision is already a ticket.")})
    errors = {}
    if owner is None:
        errors["owner"] = _("Choose the grid or hub that carries the decision out.")
    elif not within_community(owner, committee.community):
        errors["owner"] = _("Choose a node inside the committee's community.")
    if due_on is None:
        errors["due_on"] = _("Give the date it must be done by.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("The due date cannot be in the past.")
    if errors or owner is None or due_on is None:
        raise ValidationError(errors)
    # The category a migration creates; made again if an administrator deleted it.
    category, _created = Category.objects.get_or_create(
        code=DECISION_CATEGORY, defaults={"name": "议事决定", "position": 12, "internal": True})
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
