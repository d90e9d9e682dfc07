"""The deadline sweep: early warnings, overdue reminders, automatic escalation and closing
tickets nobody evaluated.

Each ticket carries `next_check_at`, the next moment something may be due. The sweep reads only
tickets whose moment has come (by index, in batches), locks each one (skipping rows another
sweep holds), records the reminders it owes as rows unique on (ticket, stage, kind, level), and
only for rows it actually created does it notify, after the commit. Running it twice, or two
sweeps at once, sends nothing twice.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import services
from .models import Reminder, ReminderKind, ReminderStage, Status, Ticket

BATCH = 200
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    stage: str
    kind: str
    at: dt.datetime


def moments(ticket: Ticket) -> list[Due]:
    """Every reminder-worthy moment of the ticket's current stage, in no particular order."""
    if ticket.status in (Status.REPLIED, Status.FOLLOW_UP) and ticket.replied_at:
        # Closed unevaluated after the waiting days, never while the resident may still rate it
        # on the tracking page.
        close_at = ticket.replied_at + dt.timedelta(days=settings.TICKET_EVALUATION_DAYS)
        rating_ends = services.rating_deadline(ticket)
        if rating_ends is not None and rating_ends > close_at:
            close_at = rating_ends
        close = Due(ReminderStage.RESOLVE, "close", close_at)
        if ticket.status == Status.FOLLOW_UP:
            return [close]
        # The resident is called back the day after the reply.
        call_back = Due(ReminderStage.FOLLOW_UP, ReminderKind.DUE_SOON,
                        ticket.replied_at + dt.timedelta(days=1))
        return [call_back, close]
    if ticket.paused_at is not None or ticket.status not in (
            Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS):
        return []
    policy = services.policy_for(whistle=ticket.whistle, node_kind=ticket.owner.kind)
    if ticket.status == Status.NEW:
        stage, due = ReminderStage.ACCEPT, ticket.accept_due_at
    else:
        stage, due = ReminderStage.RESOLVE, ticket.resolve_due_at
    if due is None:
        return []
    found = [
        Due(stage, ReminderKind.DUE_SOON,
            services.share_of_window(policy, ticket.stage_started_at, due, policy.warn_percent)),
        Due(stage, ReminderKind.OVERDUE, due),
        # The grace runs on the policy's clock too: a routine ticket does not climb the tree
        # over a holiday.
        Due(stage, ReminderKind.ESCALATED, services.hours_after(policy, due, policy.grace_hours)),
    ]
    if stage == ReminderStage.RESOLVE and ticket.contacted_at is None and ticket.contact_due_at:
        # The first contact with the resident has its own clock (no escalation of its own: the
        # resolution deadline escalates).
        contact = ticket.contact_due_at
        found += [Due(ReminderStage.CONTACT, ReminderKind.DUE_SOON,
                      services.share_of_window(policy, ticket.stage_started_at, contact,
                                               policy.warn_percent)),
                  Due(ReminderStage.CONTACT, ReminderKind.OVERDUE, contact)]
    return found


# Which of several reminders found by one sweep is the one to tell: the most pressing.
_SEVERITY: dict[tuple[str, str], int] = {(ReminderStage.CONTACT, ReminderKind.DUE_SOON): 0,
                                          (ReminderStage.CONTACT, ReminderKind.OVERDUE): 2}
_KIND_SEVERITY: dict[str, int] = {ReminderKind.DUE_SOON: 1, ReminderKind.OVERDUE: 3}


def _most_pressing(reminders: list[Reminder]) -> Reminder:
    return max(reminders, key=lambda r: (_SEVERITY.get((r.stage, r.kind),
                                                       _KIND_SEVERITY.get(r.kind, 0)), r.pk))


def schedule(ticket: Ticket) -> None:
    """Set `next_check_at` to the earliest moment not yet handled (call before saving)."""
    done = set(Reminder.objects.filter(ticket=ticket, level=ticket.escalation_level)
               .values_list("stage", "kind")) if ticket.pk else set()
    pending = [due.at for due in moments(ticket) if (due.stage, due.kind) not in done]
    ticket.next_check_at = min(pending) if pending else None


def check_ticket(ticket_id: int, now: dt.datetime) -> list[str]:
    """Handle what is due on one ticket; return what was done (for the log and the tests).

    Every reminder passed is recorded (so none is sent later), but a sweep that finds several
    passed at once, such as a stale ticket's early warning, deadline and escalation, tells the
    ticket's people once: the most pressing reminder, saying it was escalated if it was.
    """
    done: list[str] = []
    recorded: list[Reminder] = []
    with transaction.atomic():
        ticket = (Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("owner", "category").filter(pk=ticket_id).first())
        if ticket is None or ticket.next_check_at is None or ticket.next_check_at > now:
            return done
        for due in sorted(moments(ticket), key=lambda d: d.at):
            if due.at > now:
                break
            if due.kind == "close":
                services.ticket_transition(ticket=ticket, actor=None,
                                           action="close_unevaluated")
                return ["closed"]
            reminder = _record(ticket, due)
            if reminder is None:
                continue
            done.append(f"{due.stage}:{due.kind}")
            if due.kind == ReminderKind.ESCALATED:
                if not _can_climb(ticket):
                    # Already at the top of the tree or with a department: nobody to escalate
                    # to automatically; the overdue reminders have told its people.
                    continue
                if recorded:  # its people hear it once, before the ticket leaves them
                    services.remind_on_commit(_most_pressing(recorded).pk, escalated=True,
                                              recipients=_people_of(ticket))
                services.ticket_transition(ticket=ticket, actor=None, action="auto_escalate",
                                           note="")
                return done
            recorded.append(reminder)
        if recorded:
            services.remind_on_commit(_most_pressing(recorded).pk)
        ticket.refresh_from_db()
        schedule(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(next_check_at=ticket.next_check_at)
    return done


def _people_of(ticket: Ticket) -> list[int]:
    """Who hears that the ticket is overdue, now, before it changes hands."""
    from .tasks import reminder_recipients

    return sorted(user.pk for user in reminder_recipients(ticket, ReminderKind.OVERDUE))


def _can_climb(ticket: Ticket) -> bool:
    return ticket.department_id is None and ticket.owner.parent_id is not None


def _record(ticket: Ticket, due: Due) -> Reminder | None:
    """Create the reminder row; None when it already exists (it was handled before)."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(ticket=ticket, stage=due.stage, kind=due.kind,
                                           level=ticket.escalation_level)
    except IntegrityError:
        return None


def sweep(now: dt.datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Handle every ticket whose next check has come, in batches of ids read by index."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    last_id = 0
    while True:
        ids = list(Ticket.objects.filter(next_check_at__lte=now, pk__gt=last_id)
                   .order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return counts
        for ticket_id in ids:
            try:
                handled = check_ticket(ticket_id, now)
            except Exception:  # one broken ticket must not stop the sweep for all the others
                logger.exception("Deadline sweep failed on ticket %s", ticket_id)
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            for item in handled:
                counts[item] = counts.get(item, 0) + 1
        last_id = ids[-1]
