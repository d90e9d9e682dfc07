"""Concurrent transitions on the real PostgreSQL server."""

import threading

import pytest
from django.db import connections

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Status, TicketEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_workers_accepting_one_ticket_at_once_exactly_one_wins(community):
    workers = [community.worker_a]
    for n in range(9):
        worker = UserFactory(username=f"extra_worker_{n}")
        AssignmentFactory(user=worker, node=community.g5a, role=Role.WORKER)
        workers.append(worker)
    ticket = make_ticket(node=community.g5a)
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []

    def accept(worker):
        try:
            barrier.wait(timeout=30)
            services.ticket_transition(ticket=ticket, actor=worker, action="accept")
            outcomes.append("ok")
        except services.TransitionConflict as conflict:
            assert conflict.code == "conflict"
            outcomes.append("conflict")
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * 9 + ["ok"]
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    assert TicketEvent.objects.filter(ticket=ticket, action="accept").count() == 1
