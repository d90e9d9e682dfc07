"""Concurrent transitions on the real PostgreSQL server."""

import threading

import pytest
from django.db import connections

from grids.models import Role
from tests.at_once import at_once
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Status, Ticket, TicketEvent

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


def test_the_same_idempotent_request_sent_eight_times_at_once_makes_one_complete_ticket(
        community):
    """The service's own guarantee, under the report limits' claim: every caller gets the one
    ticket (never a form error about the key), with all of its fields."""
    fields = {"node": community.g5a, "reporter_name": "李建华", "reporter_phone": "13800001111",
              "address": "1栋501"}
    outcomes = at_once(lambda: make_ticket(idempotency_key="api:same-request-0001",
                                           payload_for_digest={"title": "灯"}, **fields).pk,
                       times=8)
    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int), outcomes
    ticket = Ticket.objects.get(pk=outcomes[0])
    assert (ticket.reporter_name, ticket.reporter_phone, ticket.address) == (
        "李建华", "13800001111", "1栋501")
