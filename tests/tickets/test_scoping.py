import pytest
from django.http import Http404

from tests.grids.factories import UserFactory
from tests.tickets.factories import department, make_ticket
from tickets import selectors, services

pytestmark = pytest.mark.django_db


def refs(tickets):
    return {t.reference for t in tickets}


def test_a_worker_sees_their_grids_tickets_only(community):
    mine = make_ticket(node=community.g5a)
    theirs = make_ticket(node=community.g5b)
    assert refs(selectors.ticket_list_for(user=community.worker_a)) == {mine.reference}
    with pytest.raises(Http404):
        selectors.ticket_get_for(user=community.worker_a, pk=theirs.pk)
    assert refs(selectors.ticket_list_for(user=community.hub1_head)) == {mine.reference,
                                                                         theirs.reference}


def test_a_grid_keeps_sight_of_what_it_escalated(community):
    ticket = make_ticket(node=community.g5a)
    services.ticket_transition(ticket=ticket, actor=community.worker_a, action="escalate",
                               note="需要上级")
    assert refs(selectors.ticket_list_for(user=community.worker_a)) == {ticket.reference}


def test_a_department_liaison_sees_only_tickets_whistled_to_it(community):
    liaison = UserFactory(username="liaison")
    city = department()
    city.liaisons.add(liaison)
    whistled = make_ticket(node=community.street)
    services.ticket_transition(ticket=whistled, actor=community.admin, action="escalate",
                               note="吹哨", department=city)
    make_ticket(node=community.g5a)
    assert refs(selectors.ticket_list_for(user=liaison)) == {whistled.reference}


def test_the_overdue_filter(community):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    late = make_ticket(node=community.g5a)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        fresh = make_ticket(node=community.g5a)
        overdue = refs(selectors.ticket_list_for(user=community.admin, overdue=True))
    assert late.reference in overdue and fresh.reference not in overdue


def test_a_short_code_works_only_with_the_reporters_phone(community):
    ticket = make_ticket(node=community.g5a, reporter_name="王女士",
                         reporter_phone="13900001234")
    assert selectors.public_ticket_by_code(code=ticket.short_code.lower(),
                                           phone="13900001234") == ticket
    with pytest.raises(Http404):
        selectors.public_ticket_by_code(code=ticket.short_code, phone="13900009999")
    with pytest.raises(Http404):
        selectors.public_ticket_by_code(code=ticket.short_code, phone="")
