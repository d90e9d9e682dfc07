"""The joint-meeting cadence: a reminder before a meeting falls due, a flag (and one reminder)
once it is overdue. Idempotent: each reminder is a row with a unique key."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Assignment, Role
from tickets.models import Notification

from ..models import (
    Committee,
    CommitteeReminder,
    MeetingKind,
    MeetingStatus,
    Position,
)
from ..selectors import current_members_q, next_joint_meeting_due

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
