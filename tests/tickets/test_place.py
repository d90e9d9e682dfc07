"""A ticket's point on the map: the building's, or the one the reporter gave, in WGS-84."""

from decimal import Decimal

import pytest

from tests.residents.factories import BuildingFactory, DwellingFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_at_a_building_takes_the_buildings_point(community):
    building = BuildingFactory(node=community.g5a, latitude=Decimal("25.005"),
                               longitude=Decimal("102.705"))
    dwelling = DwellingFactory(building=building)
    ticket = make_ticket(actor=community.worker_a, dwelling=dwelling)
    ticket.refresh_from_db()
    assert (ticket.latitude, ticket.longitude) == (Decimal("25.005"), Decimal("102.705"))


def test_a_ticket_at_a_building_without_a_point_keeps_the_reporters(community):
    building = BuildingFactory(node=community.g5a)
    ticket = make_ticket(actor=community.worker_a, building=building,
                         latitude=25.004, longitude=102.704)
    ticket.refresh_from_db()
    assert ticket.node == community.g5a
    assert (ticket.latitude, ticket.longitude) == (Decimal("25.004"), Decimal("102.704"))


def test_a_ticket_with_only_a_grid_has_no_point(community):
    ticket = make_ticket(actor=community.worker_a, node=community.g5a)
    assert ticket.latitude is None and ticket.longitude is None
