"""The KPI rollup under concurrent writers and folds, on the real PostgreSQL server: every change
is counted once, whatever commits while a fold runs."""

import itertools

import pytest

from tests.at_once import at_once
from tests.tickets.factories import make_ticket
from tickets import kpis, rollup, services
from tickets.models import KpiDelta

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_writers_and_folds_at_once_leave_the_live_figures(community):
    tickets = [make_ticket(node=grid) for grid in (community.g5a, community.g5b) * 6]
    queue = iter(tickets)
    counter = itertools.count()

    def work():
        turn = next(counter)
        if turn % 3 == 2:  # a fold among the writers, several times over
            return sum(rollup.fold(limit=7) for _ in range(5))
        ticket = next(queue)
        actor = community.worker_a if ticket.node_id == community.g5a.pk else community.worker_b
        ticket = services.ticket_transition(ticket=ticket, actor=actor, action="accept")
        ticket = services.ticket_transition(ticket=ticket, actor=actor, action="start")
        services.ticket_transition(ticket=ticket, actor=actor, action="resolve", note="已修好")
        return "done"

    outcomes = at_once(work, times=15)
    assert outcomes.count("done") == 10, outcomes
    assert all(isinstance(outcome, int) for outcome in outcomes if outcome != "done"), outcomes
    for user in (community.admin, community.center_staff, community.hub1_head):
        live = kpis.ticket_kpis(user=user, live=True)
        assert kpis.ticket_kpis(user=user, now=live.now).as_dict() == live.as_dict()
    rollup.fold_all()
    assert not KpiDelta.objects.exists()
    live = kpis.ticket_kpis(user=community.admin, live=True)
    assert kpis.ticket_kpis(user=community.admin, now=live.now).as_dict() == live.as_dict()
    assert live.summary.resolved == 10 and live.summary.accepts == 10
