"""The committees pages cost the same number of queries however long their lists are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from committees import services
from committees.models import MeetingStatus, Position
from tests.grids.factories import UserFactory
from tests.tickets.factories import make_ticket
from tickets.models import Ticket

from .factories import (
    ActivityFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    PartnerUnitFactory,
    ResourceFactory,
    ServiceItemFactory,
    VolunteerTeamFactory,
    wish_category,
)

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _committee_with_history(community, n: int):
    committee = CommitteeFactory(community=community.community)
    MemberFactory(committee=committee, position=Position.DIRECTOR)
    for i in range(n):
        MemberFactory(committee=committee, contact_name="", user=UserFactory())
        meeting = MeetingFactory(committee=committee, status=MeetingStatus.HELD, minutes="纪要",
                                 held_on=timezone.localdate() - dt.timedelta(days=30 * i + 1))
        services.decision_add(meeting=meeting, actor=community.center_staff,
                              text=f"决议{i}", owner=community.g5a,
                              due_on=timezone.localdate() + dt.timedelta(days=10),
                              make_ticket=True)
    return committee


def _lists(community, n: int):
    for _ in range(n):
        partner = PartnerUnitFactory(community=community.community)
        ResourceFactory(partner=partner)
        ServiceItemFactory(community=community.community)
        ActivityFactory(community=community.community, partner=partner)
        VolunteerTeamFactory(community=community.community)
        make_ticket(node=community.g5a, category=wish_category(), title="微心愿")


def test_committee_pages_do_not_grow_with_members_meetings_and_decisions(community, login):
    client = login(community.center_staff)
    small = _committee_with_history(community, 1)
    large = _committee_with_history(community, 6)
    pages = [lambda c: reverse("committees:detail", args=[c.pk]),
             lambda c: reverse("committees:meeting", args=[c.meetings.first().pk]),
             lambda c: reverse("committees:attendance", args=[c.meetings.first().pk])]
    for page in pages:
        assert _queries(client, page(large)) == _queries(client, page(small)), page(small)


def test_the_committee_list_does_not_grow_with_committees(community, login):
    client = login(community.center_staff)
    _committee_with_history(community, 1)
    few = _queries(client, reverse("committees:list"))
    for _ in range(4):
        _committee_with_history(community, 2)
    assert _queries(client, reverse("committees:list")) == few


@pytest.mark.parametrize("name", ["committees:partner_list", "committees:service_list",
                                  "committees:three_lists", "committees:activity_list"])
def test_list_pages_do_not_grow_with_their_rows(community, login, name):
    client = login(community.center_staff)
    _lists(community, 2)
    few = _queries(client, reverse(name))
    _lists(community, 8)
    assert _queries(client, reverse(name)) == few


def _publish_needs(community):
    for need in Ticket.objects.filter(category__is_wish=True, board_entry__isnull=True):
        services.board_entry_approve(need=need, actor=community.center_staff, text="微心愿")


def test_the_public_board_does_not_grow_with_its_rows(community, client):
    _lists(community, 2)
    _publish_needs(community)
    few = _queries(client, reverse("board:board", args=["SJC"]))
    _lists(community, 8)
    _publish_needs(community)
    body = client.get(reverse("board:board", args=["SJC"])).content.decode()
    assert body.count("微心愿") == 10
    assert _queries(client, reverse("board:board", args=["SJC"])) == few
