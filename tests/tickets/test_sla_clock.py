"""Deadline policies count wall-clock or working hours: a routine ticket's clock stops over
weekends and holidays, and so does the grace before it climbs the tree; urgent classes run on."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Clock, Reminder, SLAPolicy, Whistle
from tickets.sweep import moments, sweep

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
HOUR = dt.timedelta(hours=1)


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def file_ticket(community, moment, **fields):
    with time_machine.travel(moment, tick=False):
        return make_ticket(node=community.g5a, **fields)


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return sweep(moment)


def sweep_hourly(ticket, since, until):
    """Sweep every hour as the minute sweep would have found the ticket; the owners seen."""
    owners = []
    moment = since
    while moment <= until:
        sweep_at(moment)
        ticket.refresh_from_db()
        owners.append((moment, ticket.owner_id))
        moment += HOUR
    return owners


def test_routine_policies_count_working_hours_and_urgent_ones_wall_clock_hours():
    clocks = dict(SLAPolicy.objects.values_list("whistle", "clock").distinct())
    assert clocks == {Whistle.ROUTINE: Clock.WORKING, Whistle.KEY: Clock.WALL,
                      Whistle.KEY_CITY: Clock.WALL, Whistle.EMERGENCY: Clock.WALL}
    SLAPolicy.objects.all().delete()  # without rows, the defaults say the same
    assert services.policy_for(whistle=Whistle.ROUTINE, node_kind="grid5").clock == Clock.WORKING
    assert services.policy_for(whistle=Whistle.KEY, node_kind="grid5").clock == Clock.WALL


def test_a_routine_ticket_filed_on_friday_evening_is_due_on_monday(community):
    ticket = file_ticket(community, at(2026, 11, 6, 17))  # a Friday
    assert ticket.accept_due_at == at(2026, 11, 9, 17)  # 24 working hours: Monday 17:00
    assert ticket.contact_due_at == at(2026, 11, 10, 17)  # 48 working hours


def test_an_emergency_runs_on_the_wall_clock(community):
    ticket = file_ticket(community, at(2026, 11, 6, 17), whistle=Whistle.EMERGENCY)
    assert ticket.accept_due_at == at(2026, 11, 6, 18)
    assert ticket.contact_due_at == at(2026, 11, 6, 19)


def test_hours_to_resolve_follow_the_clock(community):
    SLAPolicy.objects.filter(whistle=Whistle.ROUTINE, node_kind="grid5").update(
        resolve_amount=10, resolve_unit="hours")
    ticket = file_ticket(community, at(2026, 11, 6, 20))
    assert ticket.resolve_due_at == at(2026, 11, 9, 6)  # 4 hours on Friday, 6 on Monday


def test_a_routine_ticket_filed_in_the_national_day_week_stays_with_its_grid(community):
    # Filed on 3 October 2026; 1-7 October are off, 8 October is the first working day.
    ticket = file_ticket(community, at(2026, 10, 3))
    assert ticket.accept_due_at == at(2026, 10, 9, 0)  # 24 hours of 8 October
    # The early warning comes on the first working day, at 75% of its 24 working hours.
    warning = next(due for due in moments(ticket) if due.kind == "due_soon")
    assert warning.at == at(2026, 10, 8, 18)
    owners = sweep_hourly(ticket, at(2026, 10, 3, 11), at(2026, 10, 9, 0))
    assert {owner for _moment, owner in owners} == {community.g5a.pk}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0
    assert not Reminder.objects.filter(ticket=ticket, kind="escalated").exists()
    assert Reminder.objects.filter(ticket=ticket, kind="due_soon").exists()
    # The grace is 24 working hours too: Friday 9 October, then it climbs.
    assert sweep_at(at(2026, 10, 9, 23)) == {}
    assert sweep_at(at(2026, 10, 10, 0)) == {"accept:escalated": 1}
    ticket.refresh_from_db()
    assert ticket.owner == community.g4a and ticket.escalation_level == 1


def test_on_the_wall_clock_the_same_ticket_climbs_during_the_holiday(community):
    SLAPolicy.objects.filter(whistle=Whistle.ROUTINE).update(clock=Clock.WALL)
    ticket = file_ticket(community, at(2026, 10, 3))
    owners = dict(sweep_hourly(ticket, at(2026, 10, 3, 11), at(2026, 10, 8, 0)))
    assert owners[at(2026, 10, 5, 9)] == community.g5a.pk
    assert owners[at(2026, 10, 5, 10)] == community.g4a.pk  # 24 hours, then 24 of grace
    assert owners[at(2026, 10, 7, 10)] == community.hub1.pk
    assert owners[at(2026, 10, 8, 0)] == community.hub1.pk


def test_the_admin_edits_a_policys_clock(community, login):
    policy = SLAPolicy.objects.get(whistle=Whistle.ROUTINE, node_kind="grid5")
    client = login(community.admin)
    page = client.get(reverse("admin:tickets_slapolicy_change", args=[policy.pk]))
    assert 'name="clock"' in page.content.decode()
    changelist = client.get(reverse("admin:tickets_slapolicy_changelist")).content.decode()
    assert "工作小时" in changelist or "Working hours" in changelist


def test_the_grace_before_escalation_waits_out_a_holiday(community):
    # Filed Tuesday 29 September 2026, overdue on Wednesday 30 September at 10:00: its 24 hours
    # of grace are 14 on 30 September and 10 on 8 October, the first working day after.
    ticket = file_ticket(community, at(2026, 9, 29))
    assert ticket.accept_due_at == at(2026, 9, 30)
    owners = sweep_hourly(ticket, at(2026, 9, 30, 11), at(2026, 10, 8, 9))
    assert {owner for _moment, owner in owners} == {community.g5a.pk}
    assert Reminder.objects.filter(ticket=ticket, kind="overdue").exists()
    assert sweep_at(at(2026, 10, 8, 10)) == {"accept:escalated": 1}
    ticket.refresh_from_db()
    assert ticket.owner == community.g4a


def test_a_routine_ticket_held_over_a_weekend_gains_only_the_working_time_held(community):
    ticket = file_ticket(community, at(2026, 11, 6, 9))  # Friday 09:00
    accept, contact, resolve = ticket.accept_due_at, ticket.contact_due_at, ticket.resolve_due_at
    with time_machine.travel(at(2026, 11, 6, 17), tick=False):  # held Friday 17:00
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action="accept")
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action="hold", note="等待居民回家")
    with time_machine.travel(at(2026, 11, 9, 9), tick=False):  # resumed Monday 09:00
        ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                            action="resume")
    held = 16 * HOUR  # Friday 17:00-24:00 and Monday 00:00-09:00; the weekend does not count
    assert ticket.contact_due_at == services.calendar.add_working_time(contact, held)
    assert (contact, ticket.contact_due_at) == (at(2026, 11, 10, 9), at(2026, 11, 11, 1))
    assert ticket.accept_due_at == services.calendar.add_working_time(accept, held)
    assert ticket.resolve_due_at == services.calendar.add_working_time(resolve, held)
