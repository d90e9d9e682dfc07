import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import EvaluationPolicy, Notification, Reminder, SLAPolicy, Status, Whistle
from tickets.sweep import sweep
from tickets.tasks import deliver_reminder_task

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Monday


@pytest.fixture
def hourly_policy(db):
    SLAPolicy.objects.update_or_create(whistle=Whistle.ROUTINE, node_kind="grid5", defaults={
        "accept_hours": 4, "contact_hours": 8, "resolve_amount": 8, "resolve_unit": "hours",
        "warn_percent": 75, "grace_hours": 2})


def new_ticket(community):
    with time_machine.travel(START, tick=False):
        return make_ticket(node=community.g5a)


def test_the_next_check_is_the_early_warning(community, hourly_policy):
    ticket = new_ticket(community)
    assert ticket.next_check_at == START + dt.timedelta(hours=3)  # 75% of 4 hours


def test_running_the_sweep_twice_records_one_reminder(community, hourly_policy,
                                                      django_capture_on_commit_callbacks):
    ticket = new_ticket(community)
    moment = START + dt.timedelta(hours=3, minutes=5)
    with django_capture_on_commit_callbacks(execute=False) as first_run:
        assert sweep(moment) == {"accept:due_soon": 1}
    with django_capture_on_commit_callbacks(execute=False) as second_run:
        assert sweep(moment) == {}
    assert Reminder.objects.filter(ticket=ticket).count() == 1
    assert len(first_run) == 1 and len(second_run) == 0


def test_a_delivered_reminder_reaches_the_inbox_once(community, hourly_policy):
    ticket = new_ticket(community)
    sweep(START + dt.timedelta(hours=4, minutes=1))  # due soon and overdue together
    for reminder in Reminder.objects.filter(ticket=ticket):
        deliver_reminder_task(reminder.pk)
        deliver_reminder_task(reminder.pk)  # a retried task sends nothing twice
    texts = list(Notification.objects.filter(user=community.worker_a)
                 .values_list("text", flat=True))
    assert len(texts) == 2
    assert any("即将超时" in t or "due soon" in t for t in texts)


def test_overdue_reminds_the_assignee_and_the_grid_head(community, hourly_policy):
    head = UserFactory(username="g5a_head")
    AssignmentFactory(user=head, node=community.g5a, role=Role.HEAD)
    ticket = new_ticket(community)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action="accept")
    sweep(START + dt.timedelta(hours=9))  # resolve window of 8 hours has passed
    overdue = Reminder.objects.get(ticket=ticket, stage="resolve", kind="overdue")
    deliver_reminder_task(overdue.pk)
    notified = set(Notification.objects.filter(key__startswith=f"reminder:{overdue.pk}:")
                   .values_list("user__username", flat=True))
    assert notified == {"worker_a", "g5a_head"}


def test_automatic_escalation_after_the_grace_period(community, hourly_policy):
    ticket = new_ticket(community)
    assert sweep(START + dt.timedelta(hours=5)) == {"accept:due_soon": 1, "accept:overdue": 1}
    ticket.refresh_from_db()
    assert ticket.owner == community.g5a
    assert sweep(START + dt.timedelta(hours=6, minutes=1)) == {"accept:escalated": 1}
    ticket.refresh_from_db()
    assert ticket.owner == community.g4a and ticket.escalation_level == 1
    assert ticket.events.filter(action="auto_escalate", actor__isnull=True).exists()
    # The new owner's stage starts afresh and is watched again.
    assert ticket.next_check_at > START + dt.timedelta(hours=6)


def test_on_hold_tickets_are_not_reminded(community, hourly_policy):
    ticket = new_ticket(community)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action="accept")
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action="hold", note="等居民出差回来")
    assert ticket.next_check_at is None
    assert sweep(START + dt.timedelta(days=3)) == {}


def test_a_replied_ticket_without_evaluation_closes_after_the_waiting_days(community, settings):
    settings.TICKET_EVALUATION_DAYS = 7
    ticket = make_ticket(node=community.g5a)
    for action, note in (("accept", ""), ("start", ""), ("resolve", "已修"), ("reply", "已修好")):
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action=action, note=note)
    assert sweep(timezone.now() + dt.timedelta(days=6)) == {"follow_up:due_soon": 1}
    assert sweep(timezone.now() + dt.timedelta(days=7, minutes=1)) == {"closed": 1}
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.satisfaction == ""


def test_a_replied_ticket_stays_open_while_the_resident_may_still_rate_it(community, settings):
    settings.TICKET_EVALUATION_DAYS = 7
    EvaluationPolicy.objects.update_or_create(pk=EvaluationPolicy.objects.values_list(
        "pk", flat=True).first(), defaults={"rating_days": 20})
    ticket = make_ticket(node=community.g5a)
    for action, note in (("accept", ""), ("start", ""), ("resolve", "已修"), ("reply", "已修好")):
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action=action, note=note)
    assert sweep(timezone.now() + dt.timedelta(days=7, minutes=1)) == {"follow_up:due_soon": 1}
    assert sweep(timezone.now() + dt.timedelta(days=20, minutes=1)) == {"closed": 1}


def test_the_sweep_command_reports_what_it_did(community, hourly_policy, capsys):
    new_ticket(community)
    with time_machine.travel(START + dt.timedelta(hours=3, minutes=30), tick=False):
        call_command("sweep_overdue")
    assert "accept:due_soon 1" in capsys.readouterr().out


def test_beat_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["tickets-sweep-every-minute"]
    assert entry["task"] == "tickets.tasks.sweep_task"
    assert entry["schedule"] == dt.timedelta(minutes=1)


def test_the_resident_is_called_back_the_day_after_the_reply(community, settings):
    ticket = make_ticket(node=community.g5a)
    for action, note in (("accept", ""), ("start", ""), ("resolve", "已修"), ("reply", "已修好")):
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action=action, note=note)
    assert sweep(timezone.now() + dt.timedelta(hours=20)) == {}
    assert sweep(timezone.now() + dt.timedelta(days=1, minutes=1)) == {"follow_up:due_soon": 1}
    reminder = Reminder.objects.get(ticket=ticket, stage="follow_up")
    deliver_reminder_task(reminder.pk)
    text = Notification.objects.get(key__startswith=f"reminder:{reminder.pk}:").text
    assert ticket.reference in text


def test_a_late_ticket_at_the_top_of_the_tree_does_not_stop_the_sweep(community, hourly_policy):
    SLAPolicy.objects.update_or_create(whistle=Whistle.ROUTINE, node_kind="street", defaults={
        "accept_hours": 4, "contact_hours": 8, "resolve_amount": 8, "resolve_unit": "hours",
        "warn_percent": 75, "grace_hours": 2})
    with time_machine.travel(START, tick=False):
        top = make_ticket(node=community.street)
        below = make_ticket(node=community.g5a)
    counts = sweep(START + dt.timedelta(hours=7))
    assert counts.get("failed") is None
    top.refresh_from_db()
    below.refresh_from_db()
    assert top.owner == community.street and top.escalation_level == 0
    assert below.owner == community.g4a  # the sweep went on past the top-level ticket
    assert Reminder.objects.filter(ticket=top, kind="escalated").exists()
    assert sweep(START + dt.timedelta(hours=8)).get("failed") is None


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """A context in which the tasks queued after a commit run when it ends, in this thread
    (as a worker would run them)."""
    from contextlib import contextmanager

    from gridportal.celery import app

    @contextmanager
    def running():
        app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield
        finally:
            app.conf.task_always_eager = False

    return running


def test_the_first_contact_deadline_is_reminded_until_the_resident_is_contacted(
        community, hourly_policy):
    SLAPolicy.objects.filter(whistle=Whistle.ROUTINE, node_kind="grid5").update(contact_hours=4)
    ticket = new_ticket(community)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action="accept")
    # First contact is due 4 hours after the stage began; 75% of that is 3 hours in.
    assert sweep(START + dt.timedelta(hours=3, minutes=10)) == {"contact:due_soon": 1}
    reminder = Reminder.objects.get(ticket=ticket, stage="contact")
    deliver_reminder_task(reminder.pk)
    [text] = Notification.objects.filter(key__startswith=f"reminder:{reminder.pk}:",
                                         user=community.worker_a).values_list("text", flat=True)
    assert ticket.reference in text and "联系" in text
    with time_machine.travel(START + dt.timedelta(hours=3, minutes=30), tick=False):
        services.ticket_transition(ticket=ticket, actor=community.worker_a, action="contact",
                                   note="已电话联系")
    # Contacted in time: its deadline passes without a word; the resolution's clock goes on.
    assert sweep(START + dt.timedelta(hours=4, minutes=10)) == {}
    assert sweep(START + dt.timedelta(hours=6, minutes=10)) == {"resolve:due_soon": 1}


def test_the_first_contact_not_made_in_time_is_overdue(community, hourly_policy):
    SLAPolicy.objects.filter(whistle=Whistle.ROUTINE, node_kind="grid5").update(contact_hours=4)
    ticket = new_ticket(community)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        services.ticket_transition(ticket=ticket, actor=community.worker_a, action="accept")
    assert sweep(START + dt.timedelta(hours=4, minutes=10)) == {"contact:due_soon": 1,
                                                               "contact:overdue": 1}


def test_a_stale_ticket_found_by_its_first_sweep_tells_its_people_once(
        community, hourly_policy, delivered):
    g4_head = UserFactory(username="g4a_head")
    AssignmentFactory(user=g4_head, node=community.g4a, role=Role.HEAD)
    ticket = new_ticket(community)
    before = Notification.objects.filter(ticket=ticket, user__isnull=False).count()
    # Early warning, deadline and the end of the grace period all passed unseen.
    with delivered():
        assert sweep(START + dt.timedelta(hours=7)) == {
            "accept:due_soon": 1, "accept:overdue": 1, "accept:escalated": 1}
    ticket.refresh_from_db()
    assert ticket.owner == community.g4a
    worker_told = list(Notification.objects.filter(ticket=ticket, user=community.worker_a)
                       .values_list("text", flat=True))
    # The grid's worker hears once: overdue and escalated. The new owner hears once that it
    # came to them.
    assert len(worker_told) == 1 and "升级" in worker_told[0]
    assert Notification.objects.filter(ticket=ticket, user=g4_head).count() == 1
    assert Notification.objects.filter(ticket=ticket, user__isnull=False).count() - before == 2
    assert Reminder.objects.filter(ticket=ticket).count() == 3  # all recorded, none re-sent
    assert sweep(START + dt.timedelta(hours=7, minutes=1)) == {}


def test_a_sweep_finding_an_early_warning_and_a_deadline_sends_one_notice(
        community, hourly_policy, delivered):
    ticket = new_ticket(community)
    with delivered():
        assert sweep(START + dt.timedelta(hours=5)) == {"accept:due_soon": 1,
                                                       "accept:overdue": 1}
    reminders = Notification.objects.filter(ticket=ticket, key__startswith="reminder:",
                                            user=community.worker_a)
    assert reminders.count() == 1
    assert "超时" in reminders.get().text
