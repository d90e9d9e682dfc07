"""The deadline sweep: early warnings, overdue reminders, automatic escalation and closing
tickets nobody evaluated.

Each ticket carries `next_check_at`, the next moment something may be due. The sweep reads only
tickets whose moment has come (by index, in batches of ids), and handles a batch with a handful
of queries whatever its size: it locks the batch's rows in one query (skipping rows another
sweep holds), reads the reminders they already have in one, records the reminders owed with one
insert (rows unique on ticket, stage, kind and level), sets every ticket's next check with one
update and, after the commit, queues one delivery task for the batch. The rare steps that change
a ticket (automatic escalation, closing it unevaluated) still run one ticket at a time through
`services.ticket_transition`, with their events, listeners and notices. Running the sweep twice,
or two sweeps at once, sends nothing twice.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import services
from .models import (
    EvaluationPolicy,
    Reminder,
    ReminderKind,
    ReminderStage,
    SLAPolicy,
    Status,
    Ticket,
)

BATCH = 200
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    stage: str
    kind: str
    at: dt.datetime


@dataclass
class Policies:
    """The deadline policies and the rating policy, read once for a whole sweep."""

    sla: dict[tuple[str, str], SLAPolicy]
    evaluation: EvaluationPolicy

    @classmethod
    def load(cls) -> "Policies":
        return cls(services.sla_policies(), services.evaluation_policy())

    def sla_for(self, ticket: Ticket) -> SLAPolicy:
        key = (ticket.whistle, ticket.owner.kind)
        if key not in self.sla:  # no row: the defaults, exactly as `policy_for` answers them
            self.sla[key] = services.policy_for(whistle=key[0], node_kind=key[1], known={})
        return self.sla[key]


def moments(ticket: Ticket, policies: Policies | None = None) -> list[Due]:
    """Every reminder-worthy moment of the ticket's current stage, in no particular order.

    With `policies` it runs no query; without, it reads the ticket's own policies."""
    if ticket.status in (Status.REPLIED, Status.FOLLOW_UP) and ticket.replied_at:
        # Closed unevaluated after the waiting days, never while the resident may still rate it
        # on the tracking page.
        close_at = ticket.replied_at + dt.timedelta(days=settings.TICKET_EVALUATION_DAYS)
        rating_ends = services.rating_deadline(ticket, policies.evaluation if policies else None)
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
    policy = (policies.sla_for(ticket) if policies else
              services.policy_for(whistle=ticket.whistle, node_kind=ticket.owner.kind))
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


def _next_check(ticket: Ticket, done: set[tuple[str, str]],
                policies: Policies | None) -> dt.datetime | None:
    pending = [due.at for due in moments(ticket, policies) if (due.stage, due.kind) not in done]
    return min(pending) if pending else None


def schedule(ticket: Ticket) -> None:
    """Set `next_check_at` to the earliest moment not yet handled (call before saving)."""
    done = set(Reminder.objects.filter(ticket=ticket, level=ticket.escalation_level)
               .values_list("stage", "kind")) if ticket.pk else set()
    ticket.next_check_at = _next_check(ticket, done, None)


@dataclass
class _Plan:
    """What one locked ticket is owed now: the reminders to record, in the order they fell
    due, and the transition that ends its handling, if any."""

    ticket: Ticket
    record: list[Due] = field(default_factory=list)
    transition: str = ""
    next_check_at: dt.datetime | None = None


def _plan(ticket: Ticket, done: set[tuple[str, str]], now: dt.datetime,
          policies: Policies) -> _Plan:
    """Every reminder passed is recorded (so none is sent later); the walk stops at the moment
    that hands the ticket on (closing it, or escalating it when there is a node above)."""
    plan = _Plan(ticket)
    for due in sorted(moments(ticket, policies), key=lambda d: d.at):
        if due.at > now:
            break
        if due.kind == "close":
            plan.transition = "close_unevaluated"
            return plan
        if (due.stage, due.kind) in done:  # recorded (and handled) by an earlier sweep
            continue
        plan.record.append(due)
        if due.kind == ReminderKind.ESCALATED and _can_climb(ticket):
            plan.transition = "auto_escalate"
            return plan
    recorded = done | {(due.stage, due.kind) for due in plan.record}
    plan.next_check_at = _next_check(ticket, recorded, policies)
    return plan


def _reminders(plan: _Plan) -> list[Reminder]:
    return [Reminder(ticket=plan.ticket, stage=due.stage, kind=due.kind,
                     level=plan.ticket.escalation_level) for due in plan.record]


def _told(reminders: list[Reminder]) -> Reminder | None:
    """A sweep that finds several reminders passed at once, such as a stale ticket's early
    warning and deadline, tells the ticket's people once: the most pressing. An escalation
    reminder of a ticket with nobody above is recorded, not told (the overdue one told them)."""
    candidates = [r for r in reminders if r.kind != ReminderKind.ESCALATED]
    return _most_pressing(candidates) if candidates else None


def _transition(plan: _Plan) -> list[str]:
    """Close or escalate one ticket (rare): its reminders, its notice, its transition."""
    ticket = plan.ticket
    reminders = Reminder.objects.bulk_create(_reminders(plan))
    if plan.transition == "close_unevaluated":
        services.ticket_transition(ticket=ticket, actor=None, action="close_unevaluated")
        return ["closed"]
    told = _told(reminders)
    if told is not None:  # its people hear it once, before the ticket leaves them
        services.remind_on_commit(told.pk, escalated=True, recipients=_people_of(ticket))
    services.ticket_transition(ticket=ticket, actor=None, action="auto_escalate", note="")
    return [f"{r.stage}:{r.kind}" for r in reminders]


def _recorded(tickets: list[Ticket]) -> dict[int, set[tuple[str, str]]]:
    """The reminders the tickets already have at their current escalation level (one query)."""
    level = {ticket.pk: ticket.escalation_level for ticket in tickets}
    done: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for ticket_id, stage, kind, at_level in Reminder.objects.filter(
            ticket_id__in=list(level)).values_list("ticket_id", "stage", "kind", "level"):
        if at_level == level[ticket_id]:
            done[ticket_id].add((stage, kind))
    return done


def _handle_batch(ids: list[int], now: dt.datetime,
                  policies: Policies) -> dict[int, list[str] | Exception]:
    """Handle the due tickets among `ids` in one transaction; per ticket, what was done or the
    error that stopped it (its next check is then left as it was: it is tried again)."""
    results: dict[int, list[str] | Exception] = {}
    with transaction.atomic():
        tickets = list(Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("owner", "category")
                       .filter(pk__in=ids, next_check_at__lte=now).order_by("pk"))
        done = _recorded(tickets)
        plans: list[_Plan] = []
        for ticket in tickets:
            try:
                plans.append(_plan(ticket, done[ticket.pk], now, policies))
            except Exception as error:  # e.g. a policy whose grace runs past the calendar
                results[ticket.pk] = error
        plain = [plan for plan in plans if not plan.transition]
        # Exactly once without conflict handling: only the sweep writes reminders (tickets/
        # sweep.py is the one place that creates them), it holds the locks of these tickets'
        # rows, and it read their reminders after taking the locks. Should a row exist anyway,
        # the unique key refuses it and the batch is retried ticket by ticket (`sweep`).
        reminders = Reminder.objects.bulk_create(
            [reminder for plan in plain for reminder in _reminders(plan)])
        by_ticket: dict[int, list[Reminder]] = defaultdict(list)
        for reminder in reminders:
            by_ticket[reminder.ticket_id].append(reminder)
        told = [r.pk for r in map(_told, by_ticket.values()) if r is not None]
        if told:
            services.remind_batch_on_commit(told)
        for plan in plain:
            plan.ticket.next_check_at = plan.next_check_at
            results[plan.ticket.pk] = [f"{r.stage}:{r.kind}"
                                       for r in by_ticket.get(plan.ticket.pk, [])]
        Ticket.objects.bulk_update([plan.ticket for plan in plain], ["next_check_at"])
        for plan in plans:
            if plan.transition:
                try:
                    with transaction.atomic():  # a failed step undoes its own reminders only
                        results[plan.ticket.pk] = _transition(plan)
                except Exception as error:
                    results[plan.ticket.pk] = error
    return results


def check_ticket(ticket_id: int, now: dt.datetime) -> list[str]:
    """Handle what is due on one ticket (a batch of one); return what was done. Raises what
    stopped it."""
    outcome = _handle_batch([ticket_id], now, Policies.load()).get(ticket_id, [])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _people_of(ticket: Ticket) -> list[int]:
    """Who hears that the ticket is overdue, now, before it changes hands."""
    from .tasks import reminder_recipients

    return sorted(user.pk for user in reminder_recipients(ticket, ReminderKind.OVERDUE))


def _can_climb(ticket: Ticket) -> bool:
    return ticket.department_id is None and ticket.owner.parent_id is not None


def _handle_one_by_one(ids: list[int], now: dt.datetime,
                       policies: Policies) -> dict[int, list[str] | Exception]:
    results: dict[int, list[str] | Exception] = {}
    for ticket_id in ids:
        try:
            results.update(_handle_batch([ticket_id], now, policies))
        except Exception as error:
            results[ticket_id] = error
    return results


def sweep(now: dt.datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Handle every ticket whose next check has come, in batches of ids read by index; return
    how many of each reminder were recorded, tickets closed, and tickets that failed."""
    now = now or timezone.now()
    policies = Policies.load()
    counts: dict[str, int] = {}
    last_id = 0
    while True:
        ids = list(Ticket.objects.filter(next_check_at__lte=now, pk__gt=last_id)
                   .order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return counts
        try:
            results = _handle_batch(ids, now, policies)
        except Exception:
            # The batch's writes were undone together (a database error, or a reminder row
            # that was there after all): one broken ticket must not stop the sweep for all the
            # others, so this batch goes again ticket by ticket.
            logger.warning("Deadline sweep: batch after ticket %s failed; one by one", last_id,
                           exc_info=True)
            results = _handle_one_by_one(ids, now, policies)
        for ticket_id, outcome in results.items():
            if isinstance(outcome, Exception):
                logger.error("Deadline sweep failed on ticket %s", ticket_id, exc_info=outcome)
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            for item in outcome:
                counts[item] = counts.get(item, 0) + 1
        last_id = ids[-1]
