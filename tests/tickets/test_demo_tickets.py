"""Demo tickets: a year of work at the demo grids that looks like what the services write, with
closed, open and overdue tickets, seeded once."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from grids.demo import seed_grids
from residents.demo import seed_registry
from tests.tickets.timelines import assert_timeline_follows_the_table
from tickets import kpis, selectors
from tickets.demo import seed_tickets
from tickets.models import Channel, Status, Ticket, TicketEvent, Whistle
from tickets.sweep import sweep
from tickets.workflow import LIVE, OPEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    seed_grids()
    seed_registry()
    return seed_tickets()  # how long it takes is bench/demo.py's business


def test_a_year_of_demo_tickets_tells_a_story(seeded):
    result = seeded
    assert 1400 <= result.tickets == Ticket.objects.count() <= 1600
    now = timezone.now()
    oldest = Ticket.objects.order_by("created_at").first().created_at
    assert dt.timedelta(days=330) < now - oldest <= dt.timedelta(days=366)
    counts = Ticket.objects.aggregate(
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        open=Count("pk", filter=Q(status__in=OPEN)),
        overdue=Count("pk", filter=selectors.overdue_q(now)),
        evaluated=Count("pk", filter=~Q(satisfaction="")),
        dwelling=Count("pk", filter=Q(dwelling__isnull=False)),
        department=Count("pk", filter=Q(department__isnull=False)),
        merged=Count("pk", filter=Q(status=Status.MERGED)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        extended=Count("pk", filter=Q(extensions__gt=0)),
        returned=Count("pk", filter=Q(returns_upheld__gt=0) | Q(returns_rejected__gt=0)),
    )
    assert counts["closed"] > 0.85 * result.tickets, counts
    assert counts["open"] >= 10 and 5 <= counts["overdue"] < counts["open"], counts
    assert counts["evaluated"] > 0.7 * result.tickets
    assert counts["dwelling"] > 0.5 * result.tickets
    for key in ("department", "merged", "rejected", "escalated", "extended", "returned"):
        assert counts[key] > 0, key
    assert (result.closed, result.overdue) == (counts["closed"], counts["overdue"])
    channels = set(Ticket.objects.values_list("channel", flat=True))
    # Committee decisions come from the committees demo, which seeds its own tickets.
    assert channels == set(Channel.values) - {Channel.COMMITTEE}
    assert set(Ticket.objects.values_list("whistle", flat=True)) == set(Whistle.values)
    assert Ticket.objects.values("category").distinct().count() >= 10
    assert Ticket.objects.filter(node__code__startswith="LH").exists()
    assert Ticket.objects.filter(node__code__startswith="SJC").exists()

    # Seeding again adds nothing.
    before = (Ticket.objects.count(), TicketEvent.objects.count())
    assert seed_tickets().tickets == 0
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


def test_demo_timelines_follow_the_transition_table_and_fill_the_dashboard(seeded):
    for ticket in Ticket.objects.order_by("?")[:150]:
        assert_timeline_follows_the_table(ticket)
    closed = Ticket.objects.filter(status=Status.CLOSED)
    assert not closed.filter(Q(resolved_at__isnull=True) | Q(closed_at__isnull=True)).exists()
    assert not closed.filter(accepted_at__isnull=True).exists()
    assert not Ticket.objects.filter(status=Status.MERGED, merged_into__isnull=True).exists()
    accepts = TicketEvent.objects.filter(action="accept")
    assert accepts.filter(data__on_time=True).exists()
    assert accepts.filter(data__on_time=False).exists()
    assert not Ticket.objects.filter(status__in=LIVE, paused_at__isnull=True,
                                     next_check_at__isnull=True).exclude(
        status=Status.RETURNED).exists()

    # The dashboard has a figure in every card, a ranking and a year of months.
    admin = get_user_model().objects.get(username="admin")
    today = timezone.localdate()
    report = kpis.ticket_kpis(user=admin, since=today - dt.timedelta(days=370),
                              until=today + dt.timedelta(days=1))
    summary = report.summary
    for rate in ("closure_rate", "on_time_rate", "response_rate", "resolution_rate",
                 "satisfaction_rate", "hours_to_accept", "hours_to_resolve"):
        assert getattr(summary, rate) is not None, rate
    assert 85 < summary.closure_rate < 100 and summary.on_time_rate < summary.closure_rate
    assert summary.overdue > 0 and summary.whistled > 0 and summary.extensions > 0
    assert len(report.grids) >= 30 and any(row.figures.stars for row in report.grids)
    assert len({row.figures.stars for row in report.grids if row.figures.stars}) >= 2
    assert len(report.workers) >= 30
    assert sum(1 for month in report.months if sum(
        report.monthly[w][report.months.index(month)] for w in report.monthly)) >= 12

    # The deadline sweep takes the demo as it finds it: reminders for the late ones.
    done = sweep(timezone.now())
    assert sum(n for key, n in done.items() if key.endswith(":overdue")) >= summary.overdue // 2


def test_the_demo_has_overdue_work_even_when_seeded_just_after_the_spring_festival(db):
    # The long holiday pushes working-day deadlines back; the stalled tickets are picked old
    # enough that theirs have passed all the same.
    with time_machine.travel(dt.datetime(2026, 2, 20, 2, tzinfo=dt.UTC), tick=True):
        seed_grids()
        seed_registry()
        result = seed_tickets()
        overdue = Ticket.objects.filter(selectors.overdue_q(timezone.now())).count()
    assert overdue == result.overdue >= 5


def test_the_demo_street_dispatcher_whistles_and_reads_the_departments_reports(seeded, client):
    dispatcher = get_user_model().objects.get(username="street_dispatcher")
    assert "street_dispatcher" in dict(seed_grids().logins)
    whistles = TicketEvent.objects.filter(action="whistle")
    assert whistles.exists() and set(whistles.values_list("actor", flat=True)) == {dispatcher.pk}
    client.force_login(dispatcher)
    html = client.get(reverse("tickets:whistled"), {"status": "all"}).content.decode()
    assert 'data-department="cgj"' in html and "已报到" in html
