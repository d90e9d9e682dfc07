"""The demo committees of 世纪城社区: five committees at work for a year, their decisions tracked as
tickets in the grids' queues, partner units, the lists and a year of campaigns. Seeding the
registry and tickets first is slow-ish, so each test seeds once and checks a whole story."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from committees import selectors
from committees.demo import seed_committees
from committees.models import (
    Activity,
    BoardEntry,
    BoardStatus,
    Charter,
    Committee,
    CommitteeArea,
    CommitteeKind,
    Decision,
    Match,
    MatchStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    PartnerUnit,
    Position,
    Resource,
    ServiceHours,
    ServiceItem,
    Volunteer,
    VolunteerTeam,
)
from grids.demo import seed_grids
from grids.models import Assignment, GridNode, NodeKind, Role
from residents.demo import seed_registry
from tickets.demo import seed_tickets
from tickets.models import Channel, Status, Ticket
from tickets.selectors import ticket_list_for
from tickets.workflow import OPEN

pytestmark = pytest.mark.django_db
User = get_user_model()
MODELS = [Activity, BoardEntry, Charter, Committee, Decision, Match, Meeting, Member, PartnerUnit,
          Resource, ServiceHours, ServiceItem, Volunteer, VolunteerTeam]


@pytest.fixture
def seeded(db):
    seed_grids()
    seed_registry()
    seed_tickets()
    return seed_committees()  # how long it takes is bench/demo.py's business


def _counts():
    return [model.objects.count() for model in (*MODELS, Ticket, CommitteeArea)]


def test_the_demo_community_has_five_committees_at_work_for_a_year(seeded, client):
    result = seeded
    sjc = GridNode.objects.get(code="SJC")
    committees = Committee.objects.filter(community=sjc)
    assert set(committees.values_list("kind", "name")) == {
        (CommitteeKind.RESIDENTS, "居民委员会"), (CommitteeKind.PROPERTY, "物业服务委员会"),
        (CommitteeKind.DISPUTE, "诉源治理委员会"), (CommitteeKind.PUBLIC_SERVICE, "公共服务委员会"),
        (CommitteeKind.MUTUAL_AID, "合作互助委员会")}
    today = timezone.localdate()
    for committee in committees:
        assert committee.charters.filter(version=1).exists()
        director = committee.members.get(selectors.current_members_q(today),
                                         position=Position.DIRECTOR)
        assert director.user is not None and director.user.username.startswith("sjc_")
        assert committee.members.filter(resident__isnull=False).exists()
        joint = committee.meetings.filter(kind=MeetingKind.JOINT, status=MeetingStatus.HELD,
                                          held_on__gt=today - dt.timedelta(days=366))
        assert joint.count() == 4
        assert all(m.agenda_items.exists() and m.attendance.exists() and m.minutes
                   for m in joint)
    property_committee = committees.get(kind=CommitteeKind.PROPERTY)
    areas = property_committee.areas.all()
    assert areas.filter(size="large").count() == 4 and areas.filter(size="small").count() == 8
    assert all(area.nodes.exists() for area in areas)
    outside = set(Member.objects.exclude(contact_name="").values_list("organisation", flat=True))
    for organisation in ("派出所", "法院", "检察院", "物业", "商场管理处", "社区卫生服务中心"):
        assert any(organisation in name for name in outside), organisation
    assert Meeting.objects.filter(kind=MeetingKind.DELIBERATION, status=MeetingStatus.HELD,
                                  decisions__ticket__isnull=False).exists()

    # Decisions became tickets: most done, some still open, one late.
    tickets = Ticket.objects.filter(committee_decision__isnull=False)
    assert tickets.count() == result.decision_tickets >= 20
    assert set(tickets.values_list("channel", flat=True)) == {Channel.COMMITTEE}
    assert tickets.filter(status=Status.CLOSED).count() > tickets.count() // 2
    open_tickets = tickets.filter(status__in=OPEN)
    assert open_tickets.count() == result.open_decision_tickets >= 5

    # The lists: 13 partner units with resources, services with where and when, matched wishes.
    assert PartnerUnit.objects.filter(community=sjc).count() == 13
    assert not PartnerUnit.objects.filter(community=sjc, resources__isnull=True).exists()
    services = ServiceItem.objects.filter(community=sjc)
    assert services.count() >= 8 and services.filter(service_point__isnull=False).exists()
    assert not services.filter(hours="").exists()
    assert Match.objects.filter(status=MatchStatus.DELIVERED).exists()
    assert Match.objects.filter(status=MatchStatus.MATCHED).exists()

    # The public board shows the approved needs; the newest few await approval.
    published = BoardEntry.objects.filter(community=sjc, status=BoardStatus.PUBLISHED)
    assert published.count() == result.board_published > 0
    assert all(entry.text == entry.need.title for entry in published.select_related("need"))
    pending = selectors.board_need_list_for(user=User.objects.get(username="admin"),
                                            community=sjc, statuses=[selectors.BOARD_PENDING])
    assert pending.count() == result.board_pending >= 3
    board = client.get(reverse("board:board", args=["SJC"])).content.decode()
    assert published.first().text in board
    # Needs share titles ("微心愿：…"): each title shows as often as published entries bear it.
    for need in pending:
        assert board.count(need.title) == published.filter(text=need.title).count(), need.title

    # A year of campaigns as in the real community, and teams with their hours.
    admin_user = User.objects.get(username="admin")
    year = Activity.objects.filter(held_on__gt=today - dt.timedelta(days=365))
    assert year.count() == 78
    assert year.aggregate(total=Sum("participants"))["total"] == 930
    assert len(set(year.values_list("theme", flat=True))) >= 6
    teams = list(selectors.team_list_for(user=admin_user))
    assert 2 <= len(teams) <= 3
    assert all(team.volunteer_count and team.total_hours for team in teams)
    assert any(team.party_member_count for team in teams)

    # A second run adds nothing.
    before = _counts()
    again = seed_committees()
    assert again.committees == again.meetings == again.activities == 0
    assert _counts() == before


def test_open_decision_tickets_wait_in_the_owning_grids_queue(seeded):
    decisions = Decision.objects.filter(ticket__status__in=OPEN, owner__kind=NodeKind.GRID5,
                                        meeting__committee__community__code="SJC")
    assert decisions.exists()
    for decision in decisions.select_related("ticket", "owner"):
        assignment = Assignment.objects.current().filter(node=decision.owner,
                                                         role=Role.WORKER).first()
        assert assignment is not None, decision.owner.code
        queue = ticket_list_for(user=assignment.user, status="open")
        assert queue.filter(pk=decision.ticket_id).exists()
        elsewhere = Assignment.objects.current().filter(
            role=Role.WORKER, node__code__startswith="LH").first()
        assert not ticket_list_for(user=elsewhere.user).filter(pk=decision.ticket_id).exists()
    committee = decisions.first().meeting.committee
    assert selectors.open_decisions(committee=committee).exists()


def test_every_committees_admin_page_opens_for_a_superuser(seeded, client):
    client.force_login(User.objects.get(username="admin"))
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "committees":
            continue
        name = f"admin:committees_{model._meta.model_name}"
        response = client.get(reverse(f"{name}_changelist"))
        assert response.status_code == 200, name
        if model_admin.has_add_permission(response.wsgi_request):
            assert client.get(reverse(f"{name}_add")).status_code == 200, name
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            response = client.get(reverse(f"{name}_change", args=[row.pk]))
            assert response.status_code == 200, name
