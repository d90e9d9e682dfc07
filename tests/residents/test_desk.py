"""Staff at a desk find a dwelling by the label the registry shows, and a resident by part of
their phone number."""

import pytest
from django.urls import reverse

from residents.selectors import resident_list_for

pytestmark = pytest.mark.django_db


def _registry(client, **params) -> str:
    response = client.get(reverse("residents:registry"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("label", ["1-501", "1栋501", "枫丹白鹭1栋501", "枫丹白鹭1栋 1-501",
                                   "1栋 1-501", "1栋1单元501", "501", "1栋501室"])
def test_the_registry_finds_a_dwelling_by_the_label_it_shows(community, registry, login, label):
    body = _registry(login(community.center_staff), text=label)
    assert "李建华" in body and "王芳" not in body


@pytest.mark.parametrize("label", ["2-501", "2栋501", "别的小区1栋501", "1苑1栋501"])
def test_a_label_of_another_dwelling_finds_nobody_there(community, registry, login, label):
    assert "李建华" not in _registry(login(community.center_staff), text=label)


def test_an_estate_and_building_run_together_are_parsed(community, registry):
    from tests.residents.factories import (
        BuildingFactory,
        DwellingFactory,
        HouseholdFactory,
        make_resident,
    )

    building = BuildingFactory(node=community.g5a, estate="1苑", name="1栋")
    household = HouseholdFactory(dwelling=DwellingFactory(building=building, entrance=2,
                                                          floor=5, number="501"))
    make_resident(community.admin, household=household, relation="head", name="苑中人")
    for label in ("1苑1栋501", "1苑1栋2-501", "1苑 1栋 2-501"):
        found = resident_list_for(user=community.center_staff, text=label)
        assert [r.name for r in found] == ["苑中人"], label


def test_the_household_lookup_reads_the_same_labels(community, registry, login):
    client = login(community.worker_b)
    for label in ("1-201", "2栋201", "枫丹白鹭2栋 1-201"):
        response = client.get(reverse("residents:household_lookup"), {"q": label})
        assert list(response.context["households"]) == [registry.household_b], label


def test_residents_are_found_by_the_last_four_digits_of_their_phone(community, registry, login):
    client = login(community.center_staff)
    response = client.post(reverse("residents:registry"), {"phone": "1111"})
    assert response.status_code == 302 and "1111" not in response["Location"]
    body = client.get(response["Location"]).content.decode()
    assert "李建华" in body and "王芳" not in body
    found = resident_list_for(user=community.center_staff, phone="2222")
    assert [r.name for r in found] == ["王芳"]


def test_a_partial_phone_finds_only_residents_whose_phone_the_user_may_see(community, registry):
    from grids.models import Role
    from tests.grids.factories import AssignmentFactory, UserFactory

    volunteer = UserFactory(username="volunteer_a")
    AssignmentFactory(user=volunteer, node=community.g5a, role=Role.VOLUNTEER)
    assert not resident_list_for(user=volunteer, phone="1111").exists()


def test_fewer_than_four_digits_is_a_field_error_in_chinese(community, registry, login):
    response = login(community.center_staff).post(reverse("residents:registry"), {"phone": "11"})
    assert response.status_code == 200
    assert "至少" in response.content.decode()


def _buildings(node, n: int, first: int) -> None:
    from tests.residents.factories import BuildingFactory, DwellingFactory, HouseholdFactory

    for i in range(first, first + n):
        building = BuildingFactory(node=node, estate="金色年华", name=f"{i:03d}栋")
        for door in ("101", "102"):
            HouseholdFactory(dwelling=DwellingFactory(building=building, number=door))


def _building_page_queries(client, django_assert_max_num_queries, limit, **params) -> int:
    with django_assert_max_num_queries(limit) as queries:
        response = client.get(reverse("residents:building_list"), params)
    assert response.status_code == 200
    return len(queries)


def test_the_building_list_is_paged_and_keeps_its_filter(community, login):
    _buildings(community.g5c, 60, first=1)
    client = login(community.hub2_head)
    params = {"node": community.hub2.pk}
    first = client.get(reverse("residents:building_list"), params)
    body = first.content.decode()
    assert first.context["page"].paginator.count == 60
    assert "金色年华001栋" in body and "金色年华025栋" in body and "金色年华026栋" not in body
    assert {(b.n_dwellings, b.n_households) for b in first.context["buildings"]} == {(2, 2)}
    assert f"node={community.hub2.pk}&amp;page=2" in body
    third = client.get(reverse("residents:building_list"), {**params, "page": 3})
    assert "金色年华060栋" in third.content.decode()
    assert "金色年华001栋" not in third.content.decode()


def test_a_page_of_buildings_costs_the_same_queries_whatever_the_area(
        community, login, django_assert_max_num_queries):
    client = login(community.hub2_head)
    _buildings(community.g5c, 5, first=1)
    small = _building_page_queries(client, django_assert_max_num_queries, 12,
                                   node=community.hub2.pk)
    _buildings(community.g5c, 120, first=100)
    assert _building_page_queries(client, django_assert_max_num_queries, small,
                                  node=community.hub2.pk) == small
    assert _building_page_queries(client, django_assert_max_num_queries, small,
                                  node=community.hub2.pk, page=4) == small
