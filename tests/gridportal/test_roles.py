"""Least privilege, told as the people of a community would notice it: each role sees what its
work needs (the defaults of the permission matrix, one story each)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from grids.models import Role
from residents.models import ExportLog
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import category, department, make_ticket
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


class People:
    """The community fixture's grid worker, plus one person in every other role."""

    def __init__(self, community):
        self.worker = community.worker_a

        def person(username, node, role):
            user = UserFactory(username=username)
            AssignmentFactory(user=user, node=node, role=role)
            return user

        self.volunteer = person("volunteer", community.g5a, Role.VOLUNTEER)
        self.property = person("property", community.hub1, Role.PROPERTY_STAFF)
        self.police = person("police", community.g4a, Role.POLICE_OFFICER)
        self.party = person("party", community.g4a, Role.PARTY_INSTRUCTOR)
        self.dispatcher = person("dispatcher", community.street, Role.DISPATCHER)
        self.liaison = person("liaison", community.street, Role.DEPARTMENT_LIAISON)
        self.department = department()
        self.department.liaisons.add(self.liaison)


@pytest.fixture
def people(community):
    return People(community)


@pytest.fixture
def tickets(community, registry, people):
    """In G5A: a plain one, one routed to the hub's property staff, one assigned to the
    volunteer, one whistled to the city-management department (and since moved on)."""
    elevator = category("elevator", route_to_kind="hub", route_to_role=Role.PROPERTY_STAFF)
    AssignmentFactory(user=people.property, node=community.hub1, role=Role.PROPERTY_STAFF,
                      starts_on="2024-02-01")
    plain = make_ticket(community.admin, node=community.g5a, title="路灯不亮",
                        reporter_name="李建华", reporter_phone="13800001111")
    routed = make_ticket(community.admin, node=community.g5a, category=elevator,
                         title="电梯停运", reporter_phone="13800001111")
    assigned = make_ticket(community.admin, node=community.g5a, title="帮老人买菜")
    Ticket.objects.filter(pk=assigned.pk).update(assignee=people.volunteer)
    whistled = make_ticket(community.admin, node=community.g5a, title="占道经营",
                           reporter_name="王芳", reporter_phone="13900002222")
    whistled.summoned_departments.add(people.department)  # whistled before, back now
    elsewhere = make_ticket(community.admin, node=community.g4x, title="六合的事")
    return {"plain": plain, "routed": routed, "assigned": assigned, "whistled": whistled,
            "elsewhere": elsewhere}


def _refs(response) -> set[str]:
    return {row["title"] for row in response.json()["results"]}


# --- Department liaisons --------------------------------------------------------------------


def test_a_department_liaison_sees_only_the_tickets_whistled_to_their_department(
        community, registry, people, tickets, api_client, login):
    api_client.force_authenticate(people.liaison)
    assert _refs(api_client.get("/api/v1/tickets/")) == {"占道经营"}
    row = api_client.get(f"/api/v1/tickets/{tickets['whistled'].pk}/").json()
    assert (row["reporter_name"], row["reporter_phone"]) == ("王芳", "13900002222")
    assert api_client.get(f"/api/v1/tickets/{tickets['plain'].pk}/").status_code == 404
    page = login(people.liaison).get(reverse("tickets:queue")).content.decode()
    assert "占道经营" in page and "路灯不亮" not in page


def test_a_department_liaison_never_reads_the_registry_visits_or_the_three_lists(
        community, registry, people, login, api_client):
    client = login(people.liaison)
    for name in ("residents:registry", "residents:building_list", "residents:export",
                 "committees:three_lists", "committees:service_list"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("residents:household_detail",
                              args=[registry.household_a.pk])).status_code == 403
    api_client.force_authenticate(people.liaison)
    for url in ("/api/v1/residents/", "/api/v1/households/", "/api/v1/visits/",
                "/api/v1/resources/", "/api/v1/services/"):
        assert api_client.get(url).status_code == 403, url
    assert not ExportLog.objects.exists()


def test_a_liaisons_tasks_are_their_departments_live_tickets(community, people, tickets,
                                                            login):
    street_ticket = make_ticket(community.admin, node=community.street, title="街道的事")
    assert street_ticket.owner == community.street and street_ticket.assignee is None
    page = login(people.liaison).get(reverse("tickets:my_tasks")).content.decode()
    assert "街道的事" not in page and "路灯不亮" not in page
    Ticket.objects.filter(pk=tickets["whistled"].pk).update(department=people.department)
    page = login(people.liaison).get(reverse("tickets:my_tasks")).content.decode()
    assert "占道经营" in page


# --- Volunteers and property staff ------------------------------------------------------------


def test_a_volunteer_sees_the_tickets_assigned_to_them_without_phone_numbers(
        community, registry, people, tickets, api_client):
    api_client.force_authenticate(people.volunteer)
    assert _refs(api_client.get("/api/v1/tickets/")) == {"帮老人买菜"}
    row = api_client.get(f"/api/v1/tickets/{tickets['assigned'].pk}/").json()
    assert row["reporter_phone"] is None
    assert api_client.get(f"/api/v1/tickets/{tickets['plain'].pk}/").status_code == 404


def test_property_staff_see_the_tickets_routed_to_them(community, registry, people, tickets,
                                                      api_client, login):
    api_client.force_authenticate(people.property)
    assert _refs(api_client.get("/api/v1/tickets/")) == {"电梯停运"}
    assert api_client.get(f"/api/v1/tickets/{tickets['routed'].pk}/").json()[
        "reporter_phone"] is None
    page = login(people.property).get(
        reverse("tickets:detail", args=[tickets["routed"].pk])).content.decode()
    assert "13800001111" not in page


@pytest.mark.parametrize("role", ["volunteer", "property"])
def test_volunteers_and_property_staff_see_the_addresses_of_their_grid_and_nothing_personal(
        community, registry, people, role, login, api_client):
    user = getattr(people, role)
    client = login(user)
    household = client.get(reverse("residents:household_detail", args=[registry.household_a.pk]))
    body = household.content.decode()
    assert household.status_code == 200 and "501" in body
    for secret in ("李建华", "13800001111", registry.head_a.id_number_masked):
        assert secret not in body
    assert client.get(reverse("residents:colour_map",
                              args=[registry.building_a.pk])).status_code == 200
    def lookup(q):
        page = client.get(reverse("residents:household_lookup"), {"q": q}).content.decode()
        return page.split('id="lookup-results"')[1]

    assert "1-501" in lookup("501") and "李建华" not in lookup("501")  # the door, not who
    assert "1-501" not in lookup("李建华")  # and no finding a door by a name
    assert client.get(reverse("residents:registry")).status_code == 403
    assert client.get(reverse("residents:resident_detail",
                              args=[registry.head_a.pk])).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="export_residents"))
    assert login(type(user).objects.get(pk=user.pk)).get(
        reverse("residents:export")).status_code == 403
    api_client.force_authenticate(user)
    assert api_client.get("/api/v1/residents/").status_code == 403
    rows = api_client.get("/api/v1/households/").json()["results"]
    assert rows and all(row["members"] is None and row["head"] is None for row in rows)
    assert not ExportLog.objects.exists()


def test_the_colour_map_shows_a_household_of_concern_only_to_those_who_may_know(
        community, registry, people, api_client):
    registry.head_a.concern = True
    registry.head_a.concern_level = "watch"
    registry.head_a.save()

    def category_of(user):
        api_client.force_authenticate(user)
        data = api_client.get(f"/api/v1/buildings/{registry.building_a.pk}/colour-map/").json()
        [dwelling] = [d for floor in data["floors"] for d in floor["dwellings"]
                      if d["number"] == "501"]
        return dwelling["category"]

    assert category_of(community.worker_a) == "concern"
    assert category_of(people.volunteer) == "permanent"
    assert category_of(people.property) == "permanent"


# --- Supporting roles -------------------------------------------------------------------------


def test_a_party_instructor_reads_names_and_phones_but_no_id_numbers_or_concerns(
        community, registry, people, api_client):
    registry.head_a.concern = True
    registry.head_a.concern_level = "watch"
    registry.head_a.concern_reason = "独居老人"
    registry.head_a.save()
    api_client.force_authenticate(people.party)
    row = api_client.get(f"/api/v1/residents/{registry.head_a.pk}/").json()
    assert (row["name"], row["phone"]) == ("李建华", "13800001111")
    assert row["id_number_masked"] is None and row["concern"] is None
    assert row["concern_reason"] is None
    api_client.force_authenticate(people.police)
    row = api_client.get(f"/api/v1/residents/{registry.head_a.pk}/").json()
    assert row["concern"] is True and row["concern_reason"] == "独居老人"
    # Filtering by a tag one may not see finds nobody: no oracle through the filter.
    api_client.force_authenticate(people.party)
    assert api_client.get("/api/v1/residents/", {"tags": "concern"}).json()["results"] == []


def test_a_street_dispatcher_dispatches_but_does_not_read_the_registry(
        community, registry, people, tickets, login):
    client = login(people.dispatcher)
    assert client.get(reverse("tickets:detail", args=[tickets["plain"].pk])).status_code == 200
    assert client.get(reverse("tickets:dashboard")).status_code == 200
    assert client.get(reverse("residents:registry")).status_code == 403
    assert "reject" in ticket_services.allowed_actions(ticket=tickets["plain"],
                                                       user=people.dispatcher)
