"""The community's staff keep partner units, resources, services and volunteer teams from the
portal's own pages (never the admin); grid workers read them; other communities' records stay
out of reach; a refused entry says why on the form and saves nothing."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from committees.models import (
    PartnerUnit,
    Resource,
    ServiceHours,
    ServiceItem,
    Volunteer,
    VolunteerTeam,
)
from tests.grids.factories import ServicePointFactory
from tests.residents.factories import make_resident

from .factories import (
    ActivityFactory,
    PartnerUnitFactory,
    ResourceFactory,
    ServiceItemFactory,
    VolunteerTeamFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(community, login):
    return english(login(community.center_staff))


@pytest.fixture
def worker(community, login):
    return english(login(community.worker_a))


@pytest.fixture
def partner(community):
    return PartnerUnitFactory(community=community.community, name="云南电网")


@pytest.fixture
def team(community):
    return VolunteerTeamFactory(community=community.community, name="红色先锋队")


@pytest.fixture
def volunteer(team, registry, community):
    return Volunteer.objects.create(team=team, resident=registry.head_a,
                                    joined_on=dt.date(2026, 1, 1))


PARTNER = {"name": "昆明市第一人民医院", "kind": "hospital", "party_committee_member": "on",
           "contact_name": "周主任", "contact_phone": "0871-63630000",
           "address": "西昌路157号", "joined_on": "2025-03-01", "active": "on",
           "notes": "每月义诊一次"}


def prefixed(prefix: str, data: dict) -> dict:
    return {f"{prefix}-{key}": value for key, value in data.items()}


# --- Partner units and resources ------------------------------------------------------------


def test_staff_add_a_partner_unit_from_the_list(community, staff):
    page = staff.get(reverse("committees:partner_list")).content.decode()
    assert 'id="partner-form"' in page

    response = staff.post(reverse("committees:partner_create"),
                          {"community": community.community.pk, **PARTNER}, follow=True)

    partner = PartnerUnit.objects.get(name="昆明市第一人民医院")
    assert partner.community == community.community
    assert partner.kind == "hospital" and partner.party_committee_member and partner.active
    assert (partner.contact_name, partner.contact_phone) == ("周主任", "0871-63630000")
    assert partner.joined_on == dt.date(2025, 3, 1) and partner.notes == "每月义诊一次"
    assert response.redirect_chain[-1][0] == reverse("committees:partner", args=[partner.pk])
    assert "Partner unit 昆明市第一人民医院 added." in response.content.decode()


def test_staff_edit_a_partner_unit_on_its_page(partner, staff):
    page = staff.get(reverse("committees:partner", args=[partner.pk])).content.decode()
    assert 'id="partner-edit-form"' in page and "陈经理" in page  # filled in for editing

    response = staff.post(reverse("committees:partner_edit", args=[partner.pk]),
                          prefixed("partner", {**PARTNER, "name": "云南电网昆明供电局",
                                               "active": ""}))

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == "云南电网昆明供电局" and not partner.active
    assert partner.address == "西昌路157号"


def test_a_duplicate_name_or_a_bad_phone_is_refused_on_the_form(community, partner, staff):
    other = PartnerUnitFactory(community=community.community, name="招商银行")
    create = staff.post(reverse("committees:partner_create"),
                        {"community": community.community.pk, **PARTNER, "name": "云南电网"})
    rename = staff.post(reverse("committees:partner_edit", args=[other.pk]),
                        prefixed("partner", {**PARTNER, "name": "云南电网"}))
    bad_phone = staff.post(reverse("committees:partner_create"),
                           {"community": community.community.pk, **PARTNER,
                            "contact_phone": "12"})

    assert [r.status_code for r in (create, rename, bad_phone)] == [200] * 3
    assert 'id="partner-form"' in create.content.decode()
    for response in (create, rename):
        assert "This name is already used in the community." in response.content.decode()
    assert "Enter an 11-digit mobile number" in bad_phone.content.decode()
    other.refresh_from_db()
    assert other.name == "招商银行" and other.address == ""
    assert sorted(PartnerUnit.objects.values_list("name", flat=True)) == ["云南电网", "招商银行"]


def test_staff_add_and_edit_a_resource(partner, staff):
    response = staff.post(reverse("committees:resource_create", args=[partner.pk]),
                          prefixed("resource", {"name": "免费电工服务",
                                                "description": "老旧线路检查",
                                                "capacity": "每月两次", "available": "on"}))
    assert response.status_code == 302
    resource = Resource.objects.get(partner=partner)
    assert (resource.name, resource.capacity, resource.available, resource.public) == (
        "免费电工服务", "每月两次", True, False)

    page = staff.get(reverse("committees:partner", args=[partner.pk])).content.decode()
    edit_url = reverse("committees:resource_edit", args=[resource.pk])
    assert edit_url in page
    assert 'id="resource-form"' in staff.get(edit_url).content.decode()

    response = staff.post(edit_url, {"name": "免费电工服务", "description": "",
                                     "capacity": "每周一次", "public": "on"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.capacity, resource.available, resource.public) == ("每周一次", False, True)


def test_a_resource_without_a_name_is_refused(partner, staff):
    response = staff.post(reverse("committees:resource_create", args=[partner.pk]),
                          prefixed("resource", {"name": "", "capacity": "每月两次"}))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Resource.objects.exists()


# --- Services -------------------------------------------------------------------------------


SERVICE = {"name": "养老资格认证", "description": "携带身份证", "mode": "appointment",
           "place": "一楼大厅", "hours": "工作日 9:00-17:00", "phone": "0871-65550001",
           "active": "on", "position": "2"}


def test_staff_add_a_service_at_a_service_point_and_edit_it(community, staff):
    point = ServicePointFactory(node=community.hub1, name="枫丹白鹭服务点")
    page = staff.get(reverse("committees:service_list")).content.decode()
    assert 'id="service-form"' in page and "枫丹白鹭服务点" in page

    response = staff.post(reverse("committees:service_create"),
                          {"community": community.community.pk, **SERVICE,
                           "service_point": point.pk})
    assert response.status_code == 302
    item = ServiceItem.objects.get(name="养老资格认证")
    assert item.community == community.community and item.service_point == point
    assert (item.mode, item.phone, item.position, item.active) == (
        "appointment", "0871-65550001", 2, True)

    edit_url = reverse("committees:service_edit", args=[item.pk])
    assert edit_url in staff.get(reverse("committees:service_list")).content.decode()
    assert "养老资格认证" in staff.get(edit_url).content.decode()
    response = staff.post(edit_url, {**SERVICE, "hours": "周二 9:00-11:30", "active": "",
                                     "service_point": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.hours == "周二 9:00-11:30" and not item.active and item.service_point is None


def test_a_service_point_of_another_community_is_refused(community, staff):
    elsewhere = ServicePointFactory(node=community.g4x, name="六合服务站")
    page = staff.get(reverse("committees:service_list")).content.decode()
    assert "六合服务站" not in page

    response = staff.post(reverse("committees:service_create"),
                          {"community": community.community.pk, **SERVICE,
                           "service_point": elsewhere.pk})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ServiceItem.objects.exists()


def test_a_duplicate_service_name_is_refused_and_the_old_one_kept(community, staff):
    ServiceItemFactory(community=community.community, name="养老资格认证", hours="周一")
    other = ServiceItemFactory(community=community.community, name="医保登记")

    response = staff.post(reverse("committees:service_edit", args=[other.pk]), SERVICE)

    assert "This name is already used in the community." in response.content.decode()
    other.refresh_from_db()
    assert other.name == "医保登记"


# --- Volunteer teams ------------------------------------------------------------------------


def test_staff_set_up_a_team_and_its_name_stays_unique(community, staff):
    page = staff.get(reverse("committees:activity_list")).content.decode()
    assert 'id="team-form"' in page

    response = staff.post(reverse("committees:team_create"), {
        "community": community.community.pk, "team-name": "  银发互助队 ",
        "team-description": "陪老人就医"})

    team = VolunteerTeam.objects.get(community=community.community)
    assert (team.name, team.description) == ("银发互助队", "陪老人就医")
    assert response.status_code == 302
    assert response.url == reverse("committees:team", args=[team.pk])

    again = staff.post(reverse("committees:team_create"), {
        "community": community.community.pk, "team-name": "银发互助队"})
    assert "A team of this name already exists in the community." in again.content.decode()
    assert VolunteerTeam.objects.count() == 1


def test_staff_add_volunteers_by_registry_number_and_portal_user(community, registry, team,
                                                                 staff):
    page = staff.get(reverse("committees:team", args=[team.pk])).content.decode()
    assert 'id="volunteer-form"' in page and 'id="hours-form"' in page

    url = reverse("committees:volunteer_add", args=[team.pk])
    first = staff.post(url, {"volunteer-resident": registry.head_a.pk,
                             "volunteer-leader": "on", "volunteer-joined_on": "2026-06-01"})
    second = staff.post(url, {"volunteer-user": community.worker_b.pk,
                              "volunteer-party_member": "on",
                              "volunteer-joined_on": "2026-06-10"})

    assert (first.status_code, second.status_code) == (302, 302)
    by_resident = Volunteer.objects.get(team=team, resident=registry.head_a)
    assert by_resident.leader and by_resident.joined_on == dt.date(2026, 6, 1)
    by_user = Volunteer.objects.get(team=team, user=community.worker_b)
    assert by_user.party_member and not by_user.leader
    page = staff.get(reverse("committees:team", args=[team.pk])).content.decode()
    assert "李建华" in page


def test_a_stranger_a_second_membership_or_nobody_is_refused(community, registry, team,
                                                              volunteer, staff):
    stranger = make_resident(community.admin, node=community.g4x, name="赵六合")
    url = reverse("committees:volunteer_add", args=[team.pk])
    joined = {"volunteer-joined_on": "2026-06-01"}

    elsewhere = staff.post(url, {"volunteer-resident": stranger.pk, **joined})
    twice = staff.post(url, {"volunteer-resident": registry.head_a.pk, **joined})
    nobody = staff.post(url, joined)

    assert [r.status_code for r in (elsewhere, twice, nobody)] == [200] * 3
    assert "No resident with this number in your area." in elsewhere.content.decode()
    assert "Already in this team." in twice.content.decode()
    assert "Choose a resident or a portal user." in nobody.content.decode()
    assert list(Volunteer.objects.all()) == [volunteer]


def test_staff_record_hours_and_the_team_page_shows_the_totals(community, registry, team,
                                                               volunteer, staff):
    other = Volunteer.objects.create(team=team, resident=registry.tenant_b,
                                     joined_on=dt.date(2026, 1, 1))
    activity = ActivityFactory(community=community.community, team=team, title="防诈宣传",
                               held_on=dt.date(2026, 6, 1))
    url = reverse("committees:hours_add", args=[team.pk])
    page = staff.get(reverse("committees:team", args=[team.pk])).content.decode()
    assert "btn-lg btn-touch w-100" in page and "防诈宣传" in page

    responses = [
        staff.post(url, {"hours-volunteer": volunteer.pk, "hours-served_on": "2026-06-01",
                         "hours-hours": "2.5", "hours-activity": activity.pk,
                         "hours-note": "发放宣传单"}),
        staff.post(url, {"hours-volunteer": volunteer.pk, "hours-served_on": "2026-06-09",
                         "hours-hours": "1"}),
        staff.post(url, {"hours-volunteer": other.pk, "hours-served_on": "2026-06-10",
                         "hours-hours": "4"}),
    ]

    assert [r.status_code for r in responses] == [302] * 3
    first = ServiceHours.objects.get(volunteer=volunteer, served_on=dt.date(2026, 6, 1))
    assert (first.hours, first.activity, first.note, first.recorded_by) == (
        Decimal("2.5"), activity, "发放宣传单", community.center_staff)
    page = staff.get(reverse("committees:team", args=[team.pk])).content.decode()
    volunteers = page[page.index('id="volunteers"'):]
    assert "李建华</span>" in volunteers and "3.5 hours" in volunteers
    assert "王芳</span>" in volunteers and "4 hours" in volunteers
    assert "Team total</span><span class=\"text-nowrap\">7.5 hours" in volunteers
    assert 'id="team-total">7.5 hours' in page


def test_thirty_hours_in_a_day_are_refused(team, volunteer, staff):
    response = staff.post(reverse("committees:hours_add", args=[team.pk]), {
        "hours-volunteer": volunteer.pk, "hours-served_on": "2026-06-09", "hours-hours": "30"})

    assert response.status_code == 200
    assert "at most 24" in response.content.decode()
    assert not ServiceHours.objects.exists()


def test_hours_for_a_future_day_or_another_teams_volunteer_are_refused(community, registry,
                                                                       team, volunteer,
                                                                       staff):
    other_team = VolunteerTeamFactory(community=community.community, name="环保队")
    outsider = Volunteer.objects.create(team=other_team, resident=registry.tenant_b,
                                        joined_on=dt.date(2026, 1, 1))
    url = reverse("committees:hours_add", args=[team.pk])
    future = staff.post(url, {"hours-volunteer": volunteer.pk,
                              "hours-served_on": "2026-06-11", "hours-hours": "2"})
    wrong_team = staff.post(url, {"hours-volunteer": outsider.pk,
                                  "hours-served_on": "2026-06-09", "hours-hours": "2"})

    assert "future date" in future.content.decode()
    assert "Select a valid choice" in wrong_team.content.decode()
    assert not ServiceHours.objects.exists()


# --- Who may do it ----------------------------------------------------------------------------


def test_a_grid_worker_reads_the_pages_without_any_form(community, partner, team, worker):
    resource = ResourceFactory(partner=partner, name="免费电工服务")
    item = ServiceItemFactory(community=community.community, name="医保登记")
    pages = {
        "committees:partner_list": [], "committees:partner": [partner.pk],
        "committees:service_list": [], "committees:team": [team.pk],
        "committees:activity_list": [],
    }
    for name, args in pages.items():
        response = worker.get(reverse(name, args=args))
        body = response.content.decode()
        assert response.status_code == 200, name
        for form_id in ("partner-form", "partner-edit-form", "resource-form", "service-form",
                        "team-form", "volunteer-form", "hours-form"):
            assert f'id="{form_id}"' not in body, name
    page = worker.get(reverse("committees:partner", args=[partner.pk])).content.decode()
    assert "免费电工服务" in page
    assert reverse("committees:resource_edit", args=[resource.pk]) not in page
    assert worker.get(reverse("committees:resource_edit", args=[resource.pk])).status_code == 403
    assert worker.get(reverse("committees:service_edit", args=[item.pk])).status_code == 403


def test_a_grid_worker_posting_gets_403_and_nothing_changes(community, registry, partner, team,
                                                            volunteer, worker):
    resource = ResourceFactory(partner=partner, name="免费电工服务")
    item = ServiceItemFactory(community=community.community, name="医保登记")
    community_pk = community.community.pk
    posts = [
        ("committees:partner_create", [], {"community": community_pk, **PARTNER}),
        ("committees:partner_edit", [partner.pk], prefixed("partner", PARTNER)),
        ("committees:resource_create", [partner.pk], prefixed("resource", {"name": "伪造"})),
        ("committees:resource_edit", [resource.pk], {"name": "伪造"}),
        ("committees:service_create", [], {"community": community_pk, **SERVICE}),
        ("committees:service_edit", [item.pk], SERVICE),
        ("committees:team_create", [], {"community": community_pk, "team-name": "伪造队"}),
        ("committees:volunteer_add", [team.pk], {"volunteer-resident": registry.tenant_b.pk,
                                                 "volunteer-joined_on": "2026-06-01"}),
        ("committees:hours_add", [team.pk], {"hours-volunteer": volunteer.pk,
                                             "hours-served_on": "2026-06-09",
                                             "hours-hours": "2"}),
    ]

    statuses = [worker.post(reverse(name, args=args), data).status_code
                for name, args, data in posts]

    assert statuses == [403] * len(posts)
    partner.refresh_from_db()
    resource.refresh_from_db()
    item.refresh_from_db()
    assert (partner.name, resource.name, item.name) == ("云南电网", "免费电工服务", "医保登记")
    assert PartnerUnit.objects.count() == 1 and Resource.objects.count() == 1
    assert ServiceItem.objects.count() == 1 and VolunteerTeam.objects.count() == 1
    assert Volunteer.objects.count() == 1 and not ServiceHours.objects.exists()


def test_another_communitys_records_answer_404(community, registry, staff):
    partner = PartnerUnitFactory(community=community.other, name="六合卫生院")
    resource = ResourceFactory(partner=partner, name="义诊")
    item = ServiceItemFactory(community=community.other, name="六合医保登记")
    team = VolunteerTeamFactory(community=community.other, name="六合志愿队")
    gets = [("committees:partner", partner.pk), ("committees:resource_edit", resource.pk),
            ("committees:service_edit", item.pk), ("committees:team", team.pk)]
    posts = [
        ("committees:partner_edit", partner.pk, prefixed("partner", PARTNER)),
        ("committees:resource_create", partner.pk, prefixed("resource", {"name": "伪造"})),
        ("committees:resource_edit", resource.pk, {"name": "伪造"}),
        ("committees:service_edit", item.pk, SERVICE),
        ("committees:volunteer_add", team.pk, {"volunteer-resident": registry.head_a.pk,
                                               "volunteer-joined_on": "2026-06-01"}),
        ("committees:hours_add", team.pk, {"hours-served_on": "2026-06-09",
                                           "hours-hours": "2"}),
    ]

    assert [staff.get(reverse(name, args=[pk])).status_code for name, pk in gets] == [404] * 4
    assert [staff.post(reverse(name, args=[pk]), data).status_code
            for name, pk, data in posts] == [404] * len(posts)
    creates = [("committees:partner_create", PARTNER), ("committees:service_create", SERVICE),
               ("committees:team_create", {"team-name": "伪造队"})]
    assert [staff.post(reverse(name), {"community": community.other.pk, **data}).status_code
            for name, data in creates] == [404] * 3
    assert not PartnerUnit.objects.exclude(pk=partner.pk).exists()
    assert not ServiceItem.objects.exclude(pk=item.pk).exists()
    assert not VolunteerTeam.objects.exclude(pk=team.pk).exists()
    assert Resource.objects.get().name == "义诊" and not Volunteer.objects.exists()
