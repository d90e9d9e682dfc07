"""Activities and campaigns, volunteer teams and their service hours."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from committees import selectors, services
from committees.models import Theme

from ..residents.factories import make_resident
from .factories import (
    ActivityFactory,
    CommitteeFactory,
    PartnerUnitFactory,
    VolunteerTeamFactory,
)

pytestmark = pytest.mark.django_db
SERVED_ON = dt.date(2025, 5, 1)


@pytest.fixture
def team(community):
    return VolunteerTeamFactory(community=community.community, name="党员先锋志愿服务队")


def test_staff_record_a_campaign_by_its_organiser(community):
    police = PartnerUnitFactory(community=community.community, name="世纪城派出所")
    activity = services.activity_record(
        community=community.community, actor=community.center_staff, title="防范电信诈骗讲座",
        theme=Theme.ANTI_FRAUD, held_on=dt.date(2026, 3, 15), participants=42, partner=police)
    assert activity.partner == police and activity.recorded_by == community.center_staff
    assert list(selectors.activity_list_for(user=community.worker_a)) == [activity]


def test_a_campaign_needs_an_organiser(community):
    with pytest.raises(ValidationError) as error:
        services.activity_record(community=community.community, actor=community.center_staff,
                                 title="小区清洁日", theme=Theme.CLEAN_UP,
                                 held_on=dt.date(2026, 3, 15))
    assert "committee" in error.value.message_dict


def test_an_organiser_from_another_community_is_refused(community):
    other_committee = CommitteeFactory(community=community.other, name="六合居委会")
    with pytest.raises(ValidationError) as error:
        services.activity_record(community=community.community, actor=community.center_staff,
                                 title="消防演练", theme=Theme.FIRE_SAFETY,
                                 held_on=dt.date(2026, 3, 15), committee=other_committee)
    assert "committee" in error.value.message_dict


def test_grid_worker_cannot_record_a_campaign(community, team):
    with pytest.raises(PermissionDenied):
        services.activity_record(community=community.community, actor=community.worker_a,
                                 title="普法宣传", theme=Theme.LEGAL,
                                 held_on=dt.date(2026, 3, 15), team=team)


def test_a_resident_joins_a_team_once_and_a_party_member_counts_as_one(community, registry,
                                                                        team):
    registry.head_a.party_member = True
    registry.head_a.save(update_fields=["party_member"])
    volunteer = services.volunteer_add(team=team, actor=community.center_staff,
                                       resident=registry.head_a, joined_on=SERVED_ON,
                                       leader=True)
    assert volunteer.party_member
    with pytest.raises(ValidationError) as error:
        services.volunteer_add(team=team, actor=community.center_staff,
                               resident=registry.head_a, joined_on=SERVED_ON)
    assert "resident" in error.value.message_dict


def test_a_resident_of_another_community_cannot_join_the_team(community, team):
    outsider = make_resident(community.admin, node=community.g4x, name="赵六")
    with pytest.raises(ValidationError) as error:
        services.volunteer_add(team=team, actor=community.center_staff, resident=outsider,
                               joined_on=SERVED_ON)
    assert "resident" in error.value.message_dict


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("0.3"), Decimal("24.5"), Decimal("-2")])
def test_hours_in_a_day_must_be_more_than_0_and_at_most_24(community, registry, team, hours):
    volunteer = services.volunteer_add(team=team, actor=community.center_staff,
                                       resident=registry.head_a, joined_on=SERVED_ON)
    with pytest.raises(ValidationError) as error:
        services.service_hours_add(volunteer=volunteer, actor=community.center_staff,
                                   served_on=SERVED_ON, hours=hours)
    assert "hours" in error.value.message_dict


def test_a_teams_hours_and_party_members_add_up(community, registry, team):
    registry.head_a.party_member = True
    registry.head_a.save(update_fields=["party_member"])
    staff = community.center_staff
    head = services.volunteer_add(team=team, actor=staff, resident=registry.head_a,
                                  joined_on=SERVED_ON)
    tenant = services.volunteer_add(team=team, actor=staff, resident=registry.tenant_b,
                                    joined_on=SERVED_ON)
    activity = ActivityFactory(community=community.community, team=team, held_on=SERVED_ON)
    services.service_hours_add(volunteer=head, actor=staff, served_on=SERVED_ON,
                               hours=Decimal("2.5"), activity=activity)
    services.service_hours_add(volunteer=head, actor=staff, served_on=SERVED_ON,
                               hours=Decimal("3"))
    services.service_hours_add(volunteer=tenant, actor=staff, served_on=SERVED_ON,
                               hours=Decimal("24"))
    row = selectors.team_list_for(user=community.worker_a).get()
    assert (row.volunteer_count, row.party_member_count, row.total_hours) == (
        2, 1, Decimal("29.5"))
    by_volunteer = {v.pk: v.total_hours for v in selectors.volunteers_of(team)}
    assert by_volunteer == {head.pk: Decimal("5.5"), tenant.pk: Decimal("24")}


def test_hours_are_refused_for_a_future_day_or_another_communitys_activity(community, registry,
                                                                            team):
    volunteer = services.volunteer_add(team=team, actor=community.center_staff,
                                       resident=registry.head_a, joined_on=SERVED_ON)
    with pytest.raises(ValidationError) as error:
        services.service_hours_add(volunteer=volunteer, actor=community.center_staff,
                                   served_on=timezone.localdate() + dt.timedelta(days=2),
                                   hours=Decimal("2"))
    assert "served_on" in error.value.message_dict
    elsewhere = ActivityFactory(community=community.other, held_on=SERVED_ON)
    with pytest.raises(ValidationError) as error:
        services.service_hours_add(volunteer=volunteer, actor=community.center_staff,
                                   served_on=SERVED_ON, hours=Decimal("2"), activity=elsewhere)
    assert "activity" in error.value.message_dict


def test_yearly_totals_count_campaigns_and_participants(community):
    for held_on, participants in ((dt.date(2025, 4, 1), 12), (dt.date(2025, 9, 1), 8),
                                  (dt.date(2026, 2, 1), 30)):
        ActivityFactory(community=community.community, held_on=held_on,
                        participants=participants)
    ActivityFactory(community=community.other, held_on=dt.date(2026, 2, 1), participants=99)
    totals = selectors.activity_totals(selectors.activity_list_for(user=community.worker_a))
    assert totals == [{"year": 2026, "activities": 1, "participants": 30},
                      {"year": 2025, "activities": 2, "participants": 20}]
    themes = selectors.activity_theme_totals(selectors.activity_list_for(user=community.admin))
    assert themes == [{"theme": Theme.ANTI_FRAUD, "activities": 4, "participants": 149}]


def test_activities_and_teams_are_seen_only_in_their_community(community, team):
    ActivityFactory(community=community.community, title="世纪城反诈宣传")
    ActivityFactory(community=community.other, title="六合清洁日")
    VolunteerTeamFactory(community=community.other, name="六合巡逻队")
    worker = community.worker_a
    assert [a.title for a in selectors.activity_list_for(user=worker)] == ["世纪城反诈宣传"]
    assert [t.name for t in selectors.team_list_for(user=worker)] == ["党员先锋志愿服务队"]
    assert selectors.activity_list_for(user=community.admin).count() == 2


def test_a_portal_user_joins_a_team_only_in_a_community_they_work_in(community, team):
    from tests.grids.factories import AssignmentFactory, UserFactory

    outsider = UserFactory(username="liuhe_worker")
    AssignmentFactory(user=outsider, node=community.g4x, role="worker")
    with pytest.raises(ValidationError) as error:
        services.volunteer_add(team=team, actor=community.center_staff, user=outsider,
                               joined_on=SERVED_ON)
    assert "user" in error.value.message_dict
    volunteer = services.volunteer_add(team=team, actor=community.center_staff,
                                       user=community.worker_a, joined_on=SERVED_ON)
    assert team.volunteers.get().user == community.worker_a == volunteer.user
