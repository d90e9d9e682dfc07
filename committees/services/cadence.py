"""The joint-meeting cadence: a reminder before a meeting falls due, a flag (and one reminder)
once it is overdue. Idempotent twice over: each reminder is a row unique per (committee, kind,
due date), and each inbox notice has a unique key, so neither a sweep nor a delivery that runs
twice tells anybody twice."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridportal import permissions
from grids.models import Assignment
from tickets.inbox import inbox_and_mail

from ..models import (
    Committee,
    CommitteeReminder,
    MeetingKind,
    MeetingStatus,
    Position,
)
from ..selectors import current_members_q, next_joint_meeting_due

MESSAGES: dict[str, str] = {
    CommitteeReminder.Kind.MEETING_DUE: gettext_noop(
        "%(committee)s: the joint meeting is due by %(date)s."),
    CommitteeReminder.Kind.CADENCE_MISSED: gettext_noop(
        "%(committee)s has not held its joint meeting due on %(date)s."),
}


def reminder_recipients(committee: Committee) -> list[int]:
    """The committee's director and deputies serving today; when it has none who use the
    portal, those keeping the community's records there (the matrix's `committees.manage`)."""
    today = timezone.localdate()
    directors = committee.members.filter(current_members_q(today), user__isnull=False,
                                         user__is_active=True,
                                         position__in=[Position.DIRECTOR, Position.DEPUTY])
    users = set(directors.values_list("user_id", flat=True))
    if not users:
        staff = Assignment.objects.current().filter(
            node_id=committee.community_id, user__is_active=True,
            role__in=permissions.roles_with("committees.manage"))
        users = set(staff.values_list("user_id", flat=True))
    return sorted(users)


def _remind_once(committee: Committee, kind: str, due_on: dt.date) -> bool:
    """Record the reminder unless it exists; its delivery is queued once the sweep commits."""
    try:
        with transaction.atomic():
            reminder = CommitteeReminder.objects.create(committee=committee, kind=kind,
                                                        due_on=due_on)
    except IntegrityError:
        return False
    from ..tasks import deliver_committee_reminder_task

    transaction.on_commit(lambda: deliver_committee_reminder_task.delay(reminder.pk))
    return True


def reminder_deliver(*, reminder: CommitteeReminder) -> int:
    """Put the reminder in its recipients' inboxes (those not told yet) and e-mail them; the
    number of new inbox notices."""
    committee = reminder.committee
    text = _(MESSAGES[reminder.kind]) % {"committee": committee.name,
                                         "date": reminder.due_on.isoformat()}
    users = get_user_model().objects.filter(pk__in=reminder_recipients(committee))
    return inbox_and_mail(users=users, text=text, key_prefix=f"committee-reminder:{reminder.pk}",
                          link=reverse("committees:detail", args=[committee.pk]))


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
            if _remind_once(committee, CommitteeReminder.Kind.CADENCE_MISSED, due):
                counts["flagged"] += 1
        elif (today >= due - dt.timedelta(days=committee.remind_days_before)
              and _remind_once(committee, CommitteeReminder.Kind.MEETING_DUE, due)):
            counts["reminded"] += 1
    return counts
