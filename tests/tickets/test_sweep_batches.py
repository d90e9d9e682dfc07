"""The deadline sweep handles its due tickets in batches: what a batch costs does not grow with
the tickets in it, two sweeps at once record and tell each reminder once, and one ticket that
cannot be handled does not hold up the others."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from tests.at_once import at_once
from tests.tickets.factories import make_ticket
from tests.tickets.robots import GroupRobot
from tickets import services
from tickets.models import (
    NodeWebhook,
    Notification,
    Reminder,
    SLAPolicy,
    Status,
    Ticket,
    TicketEvent,
    Whistle,
)
from tickets.sweep import Policies, moments, sweep
from tickets.tasks import deliver_reminders_task

START = dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Monday
HOURLY = {"accept_hours": 4, "contact_hours": 8, "resolve_amount": 8, "resolve_unit": "hours",
          "warn_percent": 75, "grace_hours": 2, "clock": "wall"}


def hourly(whistle=Whistle.ROUTINE, **changes):
    SLAPolicy.objects.update_or_create(whistle=whistle, node_kind="grid5",
                                       defaults={**HOURLY, **changes})


def tickets_at(node, count, **fields):
    with time_machine.travel(START, tick=False):
        return [make_ticket(node=node, **fields) for _ in range(count)]


def queries_of_a_sweep(moment):
    with CaptureQueriesContext(connection) as captured:
        done = sweep(moment)
    return done, len(captured)


@pytest.mark.django_db
def test_a_sweep_of_fifty_due_tickets_costs_the_queries_of_a_sweep_of_five(community):
    hourly()
    few = tickets_at(community.g5a, 5)
    done, few_queries = queries_of_a_sweep(START + dt.timedelta(hours=5))
    assert done == {"accept:due_soon": 5, "accept:overdue": 5}
    Reminder.objects.all().delete()
    Ticket.objects.filter(pk__in=[t.pk for t in few]).update(status=Status.CLOSED,
                                                             next_check_at=None)
    many = tickets_at(community.g5a, 50)
    done, many_queries = queries_of_a_sweep(START + dt.timedelta(hours=5))
    assert done == {"accept:due_soon": 50, "accept:overdue": 50}
    assert many_queries == few_queries
    for ticket in many:  # each is watched again at its escalation moment
        ticket.refresh_from_db()
        assert ticket.next_check_at == START + dt.timedelta(hours=6)


@pytest.mark.django_db
def test_one_batch_escalates_closes_and_reminds_its_tickets_each_as_before(community, settings):
    settings.TICKET_EVALUATION_DAYS = 7
    hourly()
    [stale, warned] = tickets_at(community.g5a, 2)
    with time_machine.travel(START - dt.timedelta(days=9), tick=False):
        replied = make_ticket(node=community.g5a)
        for action, note in (("accept", ""), ("start", ""), ("resolve", "已修"),
                             ("reply", "已修好")):
            replied = services.ticket_transition(ticket=replied, actor=community.worker_a,
                                                 action=action, note=note)
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        warned = services.ticket_transition(ticket=warned, actor=community.worker_a,
                                            action="accept")
    moment = START + dt.timedelta(hours=7)
    # The stale one: warning, deadline and grace passed, so it climbs; the accepted one is past
    # 75% of its 8 hours to resolve and to first contact; the replied one waited its 7 days
    # unrated (its call-back passed too).
    assert sweep(moment) == {"accept:due_soon": 1, "accept:overdue": 1, "accept:escalated": 1,
                             "resolve:due_soon": 1, "contact:due_soon": 1, "closed": 1}
    stale.refresh_from_db()
    warned.refresh_from_db()
    replied.refresh_from_db()
    assert stale.owner == community.g4a and stale.escalation_level == 1
    assert TicketEvent.objects.filter(ticket=stale, action="auto_escalate").count() == 1
    assert replied.status == Status.CLOSED
    assert TicketEvent.objects.filter(ticket=replied, action="close_unevaluated").count() == 1
    assert warned.next_check_at == START + dt.timedelta(hours=8)  # its deadlines
    assert sweep(moment) == {}


@pytest.mark.django_db
def test_a_ticket_whose_policy_cannot_be_computed_does_not_hold_up_its_batch(community, caplog):
    hourly()
    hourly(Whistle.KEY)
    [broken] = tickets_at(community.g5a, 1, whistle=Whistle.KEY)
    others = tickets_at(community.g5a, 3)
    # An admin's grace beyond the calendar: the key ticket's escalation moment cannot exist.
    SLAPolicy.objects.filter(whistle=Whistle.KEY, node_kind="grid5").update(
        grace_hours=2_000_000_000)
    assert sweep(START + dt.timedelta(hours=5)) == {"accept:due_soon": 3, "accept:overdue": 3,
                                                    "failed": 1}
    assert f"Deadline sweep failed on ticket {broken.pk}" in caplog.text
    assert not Reminder.objects.filter(ticket=broken).exists()
    broken.refresh_from_db()
    assert broken.next_check_at == START + dt.timedelta(hours=3)  # tried again next time
    assert Reminder.objects.filter(ticket__in=others).count() == 6


@pytest.mark.django_db
def test_a_ticket_without_its_own_policy_row_is_swept_on_the_defaults(community):
    [ticket] = tickets_at(community.g5a, 1)
    SLAPolicy.objects.filter(whistle=ticket.whistle, node_kind="grid5").delete()
    assert moments(ticket, Policies.load()) == moments(ticket)
    assert services.policy_for(whistle=ticket.whistle, node_kind="grid5").pk is None


@pytest.mark.django_db
def test_a_batch_whose_insert_fails_is_done_again_ticket_by_ticket(community, monkeypatch):
    hourly()
    tickets = tickets_at(community.g5a, 4)
    broken = tickets[1]
    insert = Reminder.objects.bulk_create

    def refusing(reminders, *args, **kwargs):
        if any(r.ticket_id == broken.pk for r in reminders):
            raise IntegrityError("duplicate key value violates unique constraint")
        return insert(reminders, *args, **kwargs)

    monkeypatch.setattr(Reminder.objects, "bulk_create", refusing)
    assert sweep(START + dt.timedelta(hours=3, minutes=5)) == {"accept:due_soon": 3,
                                                               "failed": 1}
    assert set(Reminder.objects.values_list("ticket_id", flat=True)) == {
        t.pk for t in tickets if t != broken}


@pytest.mark.django_db
def test_a_batch_delivery_failing_for_one_ticket_tells_the_others_and_retries_it_alone(
        community, monkeypatch, django_capture_on_commit_callbacks):
    hourly()
    [unlucky] = tickets_at(community.g5a, 1)
    [lucky] = tickets_at(community.g5b, 1)
    with GroupRobot() as robot:  # the first grid's group robot, gone when it is asked
        NodeWebhook.objects.create(node=community.g5a, url=robot.url)
    queued: list = []
    monkeypatch.setattr("tickets.tasks.deliver_reminders_task.delay", queued.append)
    retried: list = []
    monkeypatch.setattr("tickets.tasks.deliver_reminder_task.delay",
                        lambda pk, **options: retried.append(pk))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep(START + dt.timedelta(hours=3, minutes=5)) == {"accept:due_soon": 2}
    assert len(callbacks) == 1  # one task for the batch
    [reminder_ids] = queued
    deliver_reminders_task(reminder_ids)
    told = Reminder.objects.get(ticket=lucky)
    assert Notification.objects.filter(user=community.worker_b,
                                       key__startswith=f"reminder:{told.pk}:").count() == 1
    assert retried == [Reminder.objects.get(ticket=unlucky).pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_record_and_tell_each_reminder_once(community, monkeypatch):
    hourly()
    tickets = tickets_at(community.g5a, 40)
    told: list[int] = []
    lock = threading.Lock()

    def queue(reminder_ids):
        with lock:
            told.extend(reminder_ids)

    monkeypatch.setattr("tickets.tasks.deliver_reminders_task.delay", queue)
    outcomes = at_once(lambda: sweep(START + dt.timedelta(hours=5), batch=5))
    assert all(isinstance(o, dict) for o in outcomes) and len(outcomes) == 2, outcomes
    total: dict[str, int] = {}
    for counts in outcomes:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    assert total == {"accept:due_soon": 40, "accept:overdue": 40}
    assert Reminder.objects.count() == 80
    # One notice a ticket (its overdue reminder, the more pressing), none told twice.
    assert sorted(told) == sorted(Reminder.objects.filter(kind="overdue")
                                  .values_list("pk", flat=True))
    assert sweep(START + dt.timedelta(hours=5)) == {}
    assert all(t.next_check_at < START + dt.timedelta(hours=5) for t in tickets)
