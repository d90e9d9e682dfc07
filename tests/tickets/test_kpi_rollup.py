"""The KPI rollup (tickets.rollup) gives every figure the live aggregate gives (tickets.kpis with
`live=True`), over random histories: tickets taken in around midnight at the end of a month,
accepted, escalated, whistled to a department, returned, merged, rejected, extended, reopened by
an unsatisfied evaluation, closed, swept by the deadline sweep's set-based updates, moved to
another grid, deleted; folded into the rollup at random moments or not at all."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tickets.factories import make_ticket
from tickets import kpis, rollup, services
from tickets.models import (
    Channel,
    Department,
    KpiDelta,
    KpiRollup,
    Satisfaction,
    Ticket,
    TicketEvent,
    Whistle,
)
from tickets.sweep import sweep

pytestmark = pytest.mark.django_db(transaction=False)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 30, 21, tzinfo=SHANGHAI)  # three hours before December
H = dt.timedelta(hours=1)
ACTIONS = ("accept", "start", "hold", "resume", "resolve", "reply", "evaluate", "escalate",
           "whistle", "return", "uphold_return", "reject_return", "request_extension",
           "approve_extension", "merge", "reject", "close_unevaluated", "sweep", "fold",
           "move", "delete")
DAYS = [None, dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 12, 1),
        dt.date(2026, 12, 2), dt.date(2026, 12, 3), dt.date(2027, 1, 1)]


def _params(action, ticket, tickets, community, department):
    if action == "evaluate":
        return {"satisfaction": [Satisfaction.SATISFIED, Satisfaction.BASICALLY,
                                 Satisfaction.UNSATISFIED][ticket.pk % 3]}
    if action == "return":
        return {"reason": "not_our_area"}
    if action == "uphold_return":
        return {"target": community.g5b}
    if action == "request_extension":
        return {"until": (ticket.resolve_due_at or START) + 48 * H}
    if action == "merge":
        others = [t for t in tickets if t.pk != ticket.pk]
        return {"into": others[0]} if others else None
    if action == "whistle":
        return {"department": department}
    return {}


def _step(action, ticket, tickets, actor, community, department):
    """One attempt; what the workflow refuses leaves no trace (a savepoint)."""
    if action == "sweep":
        sweep()
        return
    if action == "fold":
        rollup.fold()
        return
    if action == "move":  # an edit of the location, outside the workflow
        Ticket.objects.filter(pk=ticket.pk).update(node=community.g5c)
        return
    if action == "delete":  # refused while a merged duplicate points at it
        try:
            with transaction.atomic():
                TicketEvent.objects.filter(ticket=ticket).delete()
                Ticket.objects.filter(pk=ticket.pk).delete()
        except ProtectedError:
            pass
        return
    params = _params(action, ticket, tickets, community, department)
    if params is None:
        return
    if action == "close_unevaluated":
        actor = None
    try:
        with transaction.atomic():
            services.ticket_transition(ticket=ticket, actor=actor, action=action,
                                       note="说明", **params)
    except (ValidationError, PermissionDenied, services.TransitionConflict):
        pass


def _compare(community, now, since, until):
    users = (community.admin, community.center_staff, community.worker_a, community.hub1_head,
             community.worker_b)
    for user in users:
        for node in (None, community.hub1) if user != community.worker_a else (None,):
            live = kpis.ticket_kpis(user=user, node=node, since=since, until=until, now=now,
                                    live=True)
            rolled = kpis.ticket_kpis(user=user, node=node, since=since, until=until, now=now)
            assert rolled.as_dict() == live.as_dict(), (user.username, node, since, until)


tickets_strategy = st.lists(
    st.tuples(st.integers(0, 5 * 60), st.sampled_from(["g5a", "g5b", "g5c", "g4x"]),
              st.sampled_from(Whistle.values), st.sampled_from([Channel.HOTLINE,
                                                                Channel.WECHAT_GROUP])),
    min_size=1, max_size=5)
steps_strategy = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(ACTIONS), st.integers(0, 40 * 60),
              st.sampled_from(["admin", "worker_a", "worker_b", "hub1_head"])),
    max_size=14)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(made=tickets_strategy, steps=steps_strategy, fold_at_end=st.booleans(),
       since=st.sampled_from(DAYS), until=st.sampled_from(DAYS))
def test_rollup_gives_the_live_figures(community, made, steps, fold_at_end, since, until):
    if since is not None and until is not None and until <= since:
        since, until = until - dt.timedelta(days=1), since + dt.timedelta(days=1)
    with transaction.atomic():
        department = Department.objects.create(name="城管", code="cg")
        tickets = []
        for minutes, grid, whistle, channel in made:
            with time_machine.travel(START + minutes * dt.timedelta(minutes=1), tick=False):
                tickets.append(make_ticket(node=getattr(community, grid), whistle=whistle,
                                           channel=channel))
        clock = START + 6 * H
        for index, action, minutes, actor in steps:
            clock += minutes * dt.timedelta(minutes=1)
            ticket = Ticket.objects.filter(pk=tickets[index % len(tickets)].pk).first()
            if ticket is None:
                continue
            with time_machine.travel(clock, tick=False):
                _step(action, ticket, tickets, getattr(community, actor), community,
                      department)
        if fold_at_end:
            rollup.fold_all()
            assert not KpiDelta.objects.exists()
        _compare(community, clock, since, until)
        transaction.set_rollback(True)


def test_a_rebuild_gives_the_same_rollup_as_the_triggers(community):
    """`manage.py rebuild_kpis` (from the tickets) and the triggers (from each change) agree."""
    with time_machine.travel(START, tick=False):
        one = make_ticket(node=community.g5a)
        two = make_ticket(node=community.g5b, whistle=Whistle.KEY)
    with time_machine.travel(START + 4 * H, tick=False):  # after midnight: 1 December
        services.ticket_transition(ticket=one, actor=community.worker_a, action="accept")
        services.ticket_transition(ticket=two, actor=community.admin, action="escalate",
                                   note="上报")
    rollup.fold_all()
    fields = [f.name for f in KpiRollup._meta.concrete_fields if f.name != "id"]
    folded = sorted(KpiRollup.objects.values_list(*fields))
    assert folded  # the changes reached the rollup
    rollup.rebuild()
    assert sorted(KpiRollup.objects.values_list(*fields)) == folded
    assert not KpiDelta.objects.exists()


def _rows(span):
    fields = [f.name for f in KpiRollup._meta.concrete_fields
              if f.name not in ("id", "span", "period")]
    return sorted(KpiRollup.objects.filter(span=span).values_list(*fields))


def test_a_day_row_and_a_month_row_per_group_and_nothing_left_of_a_group_that_moved(community):
    with time_machine.travel(START, tick=False):
        ticket = make_ticket(node=community.g5a, whistle=Whistle.KEY)
    rollup.fold_all()
    assert list(KpiRollup.objects.values_list("span", "period", "total", "status_new",
                                              "whistle_key", "channel_hotline")
                .order_by("span")) == [("d", dt.date(2026, 11, 30), 1, 1, 1, 1),
                                       ("m", dt.date(2026, 11, 1), 1, 1, 1, 1)]
    with time_machine.travel(START + H, tick=False):
        services.ticket_transition(ticket=ticket, actor=community.worker_a, action="accept")
    assert rollup.fold() == 3  # the ticket: -new and +accepted; its acceptance: +1
    assert _rows("d") == _rows("m")  # the day is the month's only one
    day = KpiRollup.objects.filter(span="d")
    assert day.aggregate(Sum("status_new"), Sum("status_accepted"), Sum("accepts"),
                         Sum("total")) == {"status_new__sum": 0, "status_accepted__sum": 1,
                                           "accepts__sum": 1, "total__sum": 1}
    measures = [f.name for f in KpiRollup._meta.concrete_fields
                if f.name not in ("id", "span", "period", "owner", "node", "person_id")]
    for row in day.values(*measures):  # a group that came to nothing is no row
        assert any(row.values())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(since=st.dates(dt.date(2025, 10, 1), dt.date(2027, 3, 1)),
       days=st.integers(1, 500), open_start=st.booleans(), open_end=st.booleans())
def test_period_rows_cover_each_day_once(community, since, days, open_start, open_end):
    """Whole months from month rows, the ends from day rows, never both: with a day row of 1
    for every day and a month row of its number of days, the period sums to its length."""
    with transaction.atomic():
        first, last = dt.date(2025, 9, 1), dt.date(2028, 9, 1)
        day, rows = first, []
        while day < last:
            rows.append(KpiRollup(span="d", period=day, owner=community.g5a,
                                  node=community.g5a, total=1))
            if day.day == 1:
                length = (rollup._first_of_next_month(day) - day).days
                rows.append(KpiRollup(span="m", period=day, owner=community.g5a,
                                      node=community.g5a, total=length))
            day += dt.timedelta(days=1)
        KpiRollup.objects.bulk_create(rows)
        until = since + dt.timedelta(days=days)
        since_, until_ = (None if open_start else since), (None if open_end else until)
        total = KpiRollup.objects.filter(rollup.period_q(since_, until_)).aggregate(
            n=Sum("total"))["n"]
        assert total == ((until_ or last) - (since_ or first)).days
        transaction.set_rollback(True)
