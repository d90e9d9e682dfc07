"""Registering someone already registered: said within the user's area, never outside it."""

import pytest
from django.test import override_settings
from django.urls import reverse

from residents import crypto
from residents.models import IdCheckLog, Membership, Resident, TransferRequest
from tests.residents.factories import DwellingFactory, HouseholdFactory, make_resident, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere(community, registry):
    """Somebody registered in the other community (六合), outside every SJC user's area."""
    return make_resident(community.admin, node=community.g4x, name="赵六合", phone="13700003333")


def _register(client, household, id_number, name="新住户"):
    return client.post(f"{reverse('residents:resident_create')}?household={household.pk}",
                       {"name": name, "id_number": id_number, "relation": "spouse",
                        "residence_type": "registered"}, follow=True)


def test_within_the_area_the_duplicate_is_named(community, registry, login):
    number = crypto.decrypt(registry.tenant_b.id_number_token)
    response = _register(login(community.hub1_head), registry.household_a, number)
    body = response.content.decode()
    assert "王芳" in body  # the hub head may see her: say who it is
    assert Resident.objects.filter(id_number_hash=registry.tenant_b.id_number_hash).count() == 1
    assert IdCheckLog.objects.get().outcome == "in_scope"


def test_outside_the_area_nothing_is_said_and_the_center_gets_a_transfer_request(
        community, registry, elsewhere, login):
    number = crypto.decrypt(elsewhere.id_number_token)
    response = _register(login(community.worker_a), registry.household_a, number)
    body = response.content.decode()
    assert response.status_code == 200
    for secret in ("赵六合", "13700003333", community.g4x.name, elsewhere.id_number_masked):
        assert secret not in body
    assert "社区党群服务中心" in body
    # No duplicate, no side effect on the registry: a request for the center.
    assert Resident.objects.filter(id_number_hash=elsewhere.id_number_hash).count() == 1
    transfer = TransferRequest.objects.get()
    assert (transfer.resident, transfer.to_household, transfer.requested_by, transfer.status) == (
        elsewhere, registry.household_a, community.worker_a, "pending")
    assert IdCheckLog.objects.get().outcome == "elsewhere"
    # Asking again adds nothing.
    _register(login(community.worker_a), registry.household_a, number)
    assert TransferRequest.objects.count() == 1


def test_the_api_answers_202_without_naming_anybody(community, registry, elsewhere, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/residents/", {
        "id_number": crypto.decrypt(elsewhere.id_number_token), "name": "新住户",
        "household": registry.household_a.pk, "relation": "spouse"}, format="json")
    assert response.status_code == 202
    assert set(response.json()) == {"detail", "transfer_request"}
    assert "赵六合" not in response.content.decode()
    new = api_client.post("/api/v1/residents/", {
        "id_number": valid_id(), "name": "真新人", "household": registry.household_a.pk,
        "relation": "child"}, format="json")
    assert new.status_code == 201


@override_settings(ID_CHECKS_PER_HOUR=3)
def test_checking_numbers_is_rate_limited_and_every_check_is_logged(community, registry,
                                                                  login):
    client = login(community.worker_a)
    for _ in range(3):
        _register(client, registry.household_a, valid_id())
    assert Resident.objects.filter(name="新住户").count() == 3
    response = _register(client, registry.household_a, valid_id())
    assert "一小时内" in response.content.decode()
    assert Resident.objects.filter(name="新住户").count() == 3
    outcomes = list(IdCheckLog.objects.filter(user=community.worker_a)
                    .order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["new", "new", "new", "refused"]
    # Searching by number is a check too.
    number = crypto.decrypt(registry.head_a.id_number_token)
    response = client.post(reverse("residents:registry"), {"id_number": number})
    assert response.status_code == 200 and "一小时内" in response.content.decode()


def test_a_search_by_a_number_outside_the_area_finds_nobody_and_is_logged(
        community, registry, elsewhere, login):
    number = crypto.decrypt(elsewhere.id_number_token)
    body = login(community.center_staff).post(reverse("residents:registry"),
                                              {"id_number": number},
                                              follow=True).content.decode()
    assert "赵六合" not in body
    log = IdCheckLog.objects.get()
    assert (log.purpose, log.outcome) == ("search", "elsewhere")


def test_the_center_moves_the_existing_record_when_it_holds_both_places(
        community, registry, login):
    # Registered in G5B (the other hub), asked for from G5A's household.
    moving = make_resident(community.admin, household=HouseholdFactory(
        dwelling=DwellingFactory(building=registry.building_b, floor=3, number="301")),
        relation="head", name="孙迁")
    transfer = TransferRequest.objects.create(
        resident=moving, to_node=community.g5a, to_household=registry.household_a,
        relation="spouse", name_given="孙迁", requested_by=community.worker_a)
    page = login(community.center_staff).get(reverse("residents:transfer_list"))
    assert "孙迁" in page.content.decode()
    response = login(community.center_staff).post(
        reverse("residents:transfer_decide", args=[transfer.pk]), {"decision": "accept"},
        follow=True)
    assert response.status_code == 200
    transfer.refresh_from_db()
    moving.refresh_from_db()
    assert transfer.status == "done" and transfer.decided_by == community.center_staff
    assert moving.node == community.g5a
    assert Membership.objects.current().get(resident=moving).household == registry.household_a


def test_one_center_alone_cannot_take_a_person_from_another_community(
        community, registry, elsewhere, login):
    transfer = TransferRequest.objects.create(
        resident=elsewhere, to_node=community.g5a, to_household=registry.household_a,
        name_given="赵六合", requested_by=community.worker_a)
    client = login(community.center_staff)
    body = client.get(reverse("residents:transfer_list")).content.decode()
    assert "赵六合" in body  # the name the grid gave
    assert "13700003333" not in body and community.g4x.name not in body
    client.post(reverse("residents:transfer_decide", args=[transfer.pk]),
                {"decision": "accept"})
    transfer.refresh_from_db()
    elsewhere.refresh_from_db()
    assert transfer.status == "pending" and elsewhere.node == community.g4x
    assert login(community.worker_a).get(reverse("residents:transfer_list")).status_code == 403
    login(community.admin).post(reverse("residents:transfer_decide", args=[transfer.pk]),
                                {"decision": "accept"})
    elsewhere.refresh_from_db()
    assert elsewhere.node == community.g5a
