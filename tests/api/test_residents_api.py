import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from residents import crypto
from residents.models import Dwelling, DwellingUse, IdRevealLog, Resident, Visit
from tests.residents.factories import HouseholdFactory, make_resident, valid_id

pytestmark = pytest.mark.django_db


def _full_id(resident: Resident) -> str:
    return crypto.decrypt(resident.id_number_token)


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def _tiny_png(name: str = "door.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (224, 49, 49)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _make_concern_resident(community, household, reason="家庭纠纷，需定期回访"):
    return make_resident(community.admin, household=household, name="赵关注", concern=True,
                         concern_level="watch", concern_reason=reason)


# --- Scope ----------------------------------------------------------------------------------


def test_grid_worker_lists_only_the_residents_of_their_own_grid(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    assert _names(api_client.get("/api/v1/residents/")) == {"李建华", "李小明"}


def test_hub_head_sees_residents_of_both_grids(community, registry, api_client):
    api_client.force_authenticate(community.hub1_head)
    assert _names(api_client.get("/api/v1/residents/")) == {"李建华", "李小明", "王芳"}


def test_grid_worker_cannot_fetch_a_neighbouring_grids_resident_like_a_missing_one(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    outside = api_client.get(f"/api/v1/residents/{registry.tenant_b.pk}/")
    missing = api_client.get("/api/v1/residents/987654/")
    assert outside.status_code == missing.status_code == 404
    patched = api_client.patch(f"/api/v1/residents/{registry.tenant_b.pk}/", {"phone": ""})
    assert patched.status_code == 404


def test_grid_worker_searching_by_name_or_phone_does_not_find_a_neighbour(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    assert _names(api_client.get("/api/v1/residents/", {"text": "王芳"})) == set()
    search = "/api/v1/residents/search/"
    assert _names(api_client.post(search, {"phone": "1390000"}, format="json")) == set()
    assert _names(api_client.post(search, {"phone": "1380000"}, format="json")) == {"李建华"}


def test_a_phone_number_in_the_url_finds_nobody(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    assert _names(api_client.get("/api/v1/residents/", {"text": "1380000"})) == set()


def test_searching_by_full_id_number_in_the_body_finds_the_resident_in_scope(
        community, registry, api_client):
    api_client.force_authenticate(community.hub1_head)
    response = api_client.post("/api/v1/residents/search/",
                               {"id_number": _full_id(registry.tenant_b)}, format="json")
    assert _names(response) == {"王芳"}


def test_grid_worker_searching_a_neighbours_full_id_number_finds_nobody(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/residents/search/",
                               {"id_number": _full_id(registry.tenant_b)}, format="json")
    assert _names(response) == set()


def test_grid_worker_cannot_reveal_a_neighbours_id_number_even_with_the_permission(
        community, registry, api_client):
    community.worker_a.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    api_client.force_authenticate(community.worker_a)
    response = api_client.post(f"/api/v1/residents/{registry.tenant_b.pk}/reveal/",
                               {"reason": "核对身份"}, format="json")
    assert response.status_code == 404
    assert not IdRevealLog.objects.exists()


def test_grid_worker_sees_only_their_buildings_households_and_visits(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    buildings = api_client.get("/api/v1/buildings/").json()["results"]
    assert [row["id"] for row in buildings] == [registry.building_a.pk]
    households = api_client.get("/api/v1/households/").json()["results"]
    assert [row["id"] for row in households] == [registry.household_a.pk]
    for path in (f"/api/v1/buildings/{registry.building_b.pk}/",
                 f"/api/v1/buildings/{registry.building_b.pk}/colour-map/",
                 f"/api/v1/dwellings/{registry.dwelling_b.pk}/",
                 f"/api/v1/households/{registry.household_b.pk}/"):
        assert api_client.get(path).status_code == 404, path


def test_filtering_buildings_by_a_grid_covers_its_subtree(community, registry, api_client):
    api_client.force_authenticate(community.hub1_head)
    in_g4a = api_client.get("/api/v1/buildings/", {"node": community.g4a.pk}).json()["results"]
    assert {row["name"] for row in in_g4a} == {"1栋", "2栋"}
    in_g5b = api_client.get("/api/v1/buildings/", {"node": community.g5b.pk}).json()["results"]
    assert [row["name"] for row in in_g5b] == ["2栋"]
    outside = api_client.get("/api/v1/buildings/", {"node": community.g5c.pk})
    assert outside.status_code == 400
    assert "node" in outside.json()


# --- Personal data --------------------------------------------------------------------------


def test_the_registry_never_sends_the_full_id_number_its_token_or_its_hash(
        community, registry, api_client):
    api_client.force_authenticate(community.admin)
    residents = [registry.head_a, registry.child_a, registry.tenant_b]
    for path in ["/api/v1/residents/", *(f"/api/v1/residents/{r.pk}/" for r in residents)]:
        text = api_client.get(path).content.decode()
        for resident in residents:
            assert _full_id(resident) not in text
            assert resident.id_number_hash not in text
            assert resident.id_number_token not in text
        assert "id_number_token" not in text and "id_number_hash" not in text
    body = api_client.get(f"/api/v1/residents/{registry.tenant_b.pk}/").json()
    assert body["id_number_masked"] == registry.tenant_b.id_number_masked
    assert "*" in body["id_number_masked"]


def test_a_resident_reads_with_age_tags_and_current_home(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    body = api_client.get(f"/api/v1/residents/{registry.head_a.pk}/").json()
    head = Resident.objects.get(pk=registry.head_a.pk)
    assert body["age"] == head.age
    assert body["elderly"] == head.elderly and body["child"] == head.child
    assert body["gender"] == head.gender
    assert body["birth_date"] == head.birth_date.isoformat()
    assert body["home"]["household"] == registry.household_a.pk
    assert body["home"]["relation"] == "head"
    assert body["home"]["dwelling"]["number"] == "501"


def test_revealing_an_id_number_needs_the_permission(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post(f"/api/v1/residents/{registry.head_a.pk}/reveal/",
                               {"reason": "办理低保"}, format="json")
    assert response.status_code == 403
    assert "id_number" not in response.json()
    assert not IdRevealLog.objects.exists()


def test_revealing_an_id_number_with_the_permission_is_logged(community, registry, api_client):
    community.worker_a.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    api_client.force_authenticate(community.worker_a)
    response = api_client.post(f"/api/v1/residents/{registry.head_a.pk}/reveal/",
                               {"reason": "办理低保"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id_number": _full_id(registry.head_a)}
    log = IdRevealLog.objects.get()
    assert (log.user, log.resident, log.reason) == (community.worker_a, registry.head_a, "办理低保")


def test_revealing_without_a_reason_names_the_reason_field(community, registry, api_client):
    api_client.force_authenticate(community.admin)
    response = api_client.post(f"/api/v1/residents/{registry.head_a.pk}/reveal/",
                               {"reason": " "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not IdRevealLog.objects.exists()


@pytest.mark.parametrize("reader", ["hub1_head", "center_staff"])
def test_the_concern_reason_is_shown_to_grid_heads_and_center_staff(
        community, registry, api_client, reader):
    concern = _make_concern_resident(community, registry.household_a)
    api_client.force_authenticate(getattr(community, reader))
    body = api_client.get(f"/api/v1/residents/{concern.pk}/").json()
    assert body["concern_reason"] == "家庭纠纷，需定期回访"
    listed = api_client.get("/api/v1/residents/", {"tags": "concern"}).json()["results"]
    assert [row["concern_reason"] for row in listed] == ["家庭纠纷，需定期回访"]


def test_the_concern_reason_is_hidden_from_a_grid_worker(community, registry, api_client):
    concern = _make_concern_resident(community, registry.household_a)
    api_client.force_authenticate(community.worker_a)
    response = api_client.get(f"/api/v1/residents/{concern.pk}/")
    body = response.json()
    assert body["concern"] is True and body["concern_level"] == "watch"
    assert body.get("concern_reason") is None
    assert "家庭纠纷" not in response.content.decode()
    assert "家庭纠纷" not in api_client.get("/api/v1/residents/").content.decode()


# --- Writes ---------------------------------------------------------------------------------


def test_grid_worker_registers_a_resident_in_a_household_of_their_grid(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    id_number = valid_id(male=False)
    response = api_client.post("/api/v1/residents/", {
        "id_number": id_number, "household": registry.household_a.pk, "relation": "spouse",
        "name": "陈秀英", "phone": "13700003333",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["gender"] == "F"
    assert body["home"]["household"] == registry.household_a.pk
    assert body["home"]["relation"] == "spouse"
    assert id_number not in response.content.decode()
    assert Resident.objects.get(pk=body["id"]).node == community.g5a


def test_grid_worker_registers_a_resident_directly_in_their_grid(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/residents/", {
        "id_number": valid_id(), "node": community.g5a.pk, "name": "周流动",
        "residence_type": "floating", "expected_stay_until": "2030-01-01",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["home"] is None


def test_a_wrong_check_digit_names_the_id_number_field(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    good = valid_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = api_client.post("/api/v1/residents/", {
        "id_number": bad, "household": registry.household_a.pk, "name": "错号码",
    }, format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert not Resident.objects.filter(name="错号码").exists()


def test_registering_into_another_grids_household_names_the_household_field(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/residents/", {
        "id_number": valid_id(), "household": registry.household_b.pk, "name": "越界",
    }, format="json")
    assert response.status_code == 400
    assert "household" in response.json()
    assert not Resident.objects.filter(name="越界").exists()


def test_an_unknown_tag_names_the_tags_field(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get("/api/v1/residents/", {"tags": "elderly,unicorn"})
    assert response.status_code == 400
    assert "tags" in response.json()
    assert "unicorn" in str(response.json()["tags"])


def test_tags_and_residence_type_filter_the_list(community, registry, api_client):
    api_client.force_authenticate(community.hub1_head)
    floating = api_client.get("/api/v1/residents/", {"residence_type": "floating"})
    assert _names(floating) == {"王芳"}
    in_building_a = api_client.get("/api/v1/residents/",
                                   {"building": registry.building_a.pk, "tags": "party_member"})
    assert _names(in_building_a) == set()


def test_a_worker_corrects_a_residents_phone_and_id_number(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    new_id = valid_id()
    response = api_client.patch(f"/api/v1/residents/{registry.child_a.pk}/",
                                {"phone": "13612345678", "id_number": new_id}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "13612345678"
    assert new_id not in response.content.decode()
    assert _full_id(Resident.objects.get(pk=registry.child_a.pk)) == new_id


def test_a_dual_report_without_party_membership_is_a_field_error(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.patch(f"/api/v1/residents/{registry.child_a.pk}/",
                                {"dual_report": True}, format="json")
    assert response.status_code == 400
    assert "dual_report" in response.json()


def test_grid_worker_adds_a_building_only_in_their_grid(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    created = api_client.post("/api/v1/buildings/", {
        "node": community.g5a.pk, "estate": "枫丹白鹭", "name": "9栋", "floors": 11,
    }, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["node_name"] == community.g5a.name
    refused = api_client.post("/api/v1/buildings/", {
        "node": community.g5b.pk, "estate": "枫丹白鹭", "name": "10栋", "floors": 11,
    }, format="json")
    assert refused.status_code == 400
    assert "node" in refused.json()


def test_a_household_is_opened_in_a_new_dwelling_and_lists_no_members_yet(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    dwelling = api_client.post("/api/v1/dwellings/", {
        "building": registry.building_a.pk, "floor": 3, "number": "302",
    }, format="json")
    assert dwelling.status_code == 201, dwelling.json()
    household = api_client.post("/api/v1/households/", {"dwelling": dwelling.json()["id"]},
                                format="json")
    assert household.status_code == 201, household.json()
    assert household.json()["home"]["number"] == "302"
    assert household.json()["members"] == []


def test_a_household_lists_its_current_members(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    body = api_client.get(f"/api/v1/households/{registry.household_a.pk}/").json()
    members = {(m["resident_id"], m["name"], m["relation"]) for m in body["members"]}
    assert members == {(registry.head_a.pk, "李建华", "head"),
                       (registry.child_a.pk, "李小明", "child")}
    assert body["home"]["id"] == registry.dwelling_a.pk
    assert body["head"] == registry.head_a.pk


def test_a_dwelling_on_a_floor_the_building_lacks_names_the_floor(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/dwellings/", {
        "building": registry.building_a.pk, "floor": 99, "number": "9901",
    }, format="json")
    assert response.status_code == 400
    assert "floor" in response.json()


# --- Colour map -----------------------------------------------------------------------------


def test_the_colour_map_counts_each_kind_of_dwelling(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    created = {}
    for floor, number, use in [(1, "101", "office"), (1, "102", "business"),
                               (2, "201", "vacant"), (3, "301", "residential"),
                               (4, "401", "rental")]:
        response = api_client.post("/api/v1/dwellings/", {
            "building": registry.building_a.pk, "floor": floor, "number": number, "use": use,
        }, format="json")
        assert response.status_code == 201, response.json()
        created[number] = response.json()["id"]
    concern_home = HouseholdFactory(dwelling=Dwelling.objects.get(pk=created["301"]))
    _make_concern_resident(community, concern_home)
    rented = HouseholdFactory(dwelling=Dwelling.objects.get(pk=created["401"]))
    make_resident(community.admin, household=rented, name="租客")

    body = api_client.get(f"/api/v1/buildings/{registry.building_a.pk}/colour-map/").json()

    counts = {entry["category"]: entry["count"] for entry in body["legend"]}
    assert counts == {"permanent": 1, "floating": 1, "office": 1, "business": 1,
                      "concern": 1, "vacant": 1}
    assert body["total"] == 6 == sum(counts.values())
    assert all(entry["colour"] == settings.HOUSE_COLOURS[entry["category"]] and entry["label"]
               for entry in body["legend"])
    assert [floor["floor"] for floor in body["floors"]] == [5, 4, 3, 2, 1]
    by_number = {d["number"]: d for floor in body["floors"] for d in floor["dwellings"]}
    assert by_number["501"]["category"] == "permanent"
    assert by_number["501"]["household_ids"] == [registry.household_a.pk]
    assert by_number["301"]["colour"] == settings.HOUSE_COLOURS["concern"]
    assert by_number["201"]["household_ids"] == []
    assert body["building"]["id"] == registry.building_a.pk


def test_the_dwelling_list_filters_by_building_and_use(community, registry, api_client):
    api_client.force_authenticate(community.hub1_head)
    rentals = api_client.get("/api/v1/dwellings/", {"use": DwellingUse.RENTAL}).json()
    assert [row["id"] for row in rentals["results"]] == [registry.dwelling_b.pk]
    in_a = api_client.get("/api/v1/dwellings/", {"building": registry.building_a.pk}).json()
    assert [row["id"] for row in in_a["results"]] == [registry.dwelling_a.pk]


# --- Visits ---------------------------------------------------------------------------------


def test_a_worker_logs_a_care_visit_with_a_photo_and_finds_its_link(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/visits/", {
        "household": registry.household_a.pk, "purpose": "care", "notes": "老人身体良好",
        "follow_up_needed": "true", "visited_on": "2025-03-01", "photos": [_tiny_png()],
    }, format="multipart")
    assert response.status_code == 201, response.json()
    visit = Visit.objects.get()
    photo = visit.photos.get()
    expected = reverse("residents:visit_photo", args=[visit.pk, photo.pk])
    listed = api_client.get("/api/v1/visits/", {"follow_up_needed": "true"}).json()["results"]
    assert [row["id"] for row in listed] == [visit.pk]
    assert [p["id"] for p in listed[0]["photos"]] == [photo.pk]
    assert listed[0]["photos"][0]["url"].endswith(expected)
    assert listed[0]["visitor"] == community.worker_a.pk


def test_a_visit_to_another_grids_household_names_the_household(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/visits/", {
        "household": registry.household_b.pk, "purpose": "routine",
    }, format="multipart")
    assert response.status_code == 400
    assert "household" in response.json()
    assert not Visit.objects.exists()


def test_a_neighbours_visits_stay_out_of_sight(community, registry, api_client):
    api_client.force_authenticate(community.worker_b)
    logged = api_client.post("/api/v1/visits/", {
        "household": registry.household_b.pk, "purpose": "safety",
    }, format="multipart")
    assert logged.status_code == 201, logged.json()
    api_client.force_authenticate(community.worker_a)
    assert api_client.get("/api/v1/visits/").json()["results"] == []
    assert api_client.get(f"/api/v1/visits/{logged.json()['id']}/").status_code == 404


# --- Cost -----------------------------------------------------------------------------------


def _queries_to_list_residents(api_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/residents/")
    assert response.status_code == 200
    return len(queries)


def test_the_residents_list_costs_the_same_with_3_or_30_residents(
        community, registry, api_client):
    _make_concern_resident(community, registry.household_a)
    api_client.force_authenticate(community.worker_a)
    assert api_client.get("/api/v1/residents/").json()["count"] == 3
    few = _queries_to_list_residents(api_client)
    for n in range(27):
        household = registry.household_a if n % 2 else None
        make_resident(community.admin, household=household, node=community.g5a,
                      name=f"居民{n:02d}")
    assert api_client.get("/api/v1/residents/").json()["count"] == 30
    assert _queries_to_list_residents(api_client) == few


def test_the_schema_describes_the_registry_endpoints(community, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for path in ("/api/v1/buildings/{id}/colour-map/", "/api/v1/residents/search/",
                 "/api/v1/residents/{id}/reveal/", "/api/v1/visits/", "/api/v1/households/"):
        assert path in paths
    params = {p["name"] for p in paths["/api/v1/residents/"]["get"]["parameters"]}
    assert {"text", "tags", "residence_type", "building", "node"} <= params


def test_searching_by_a_malformed_id_number_says_what_is_wrong(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/residents/search/", {"id_number": "12345"},
                               format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()


def test_an_untouched_search_form_filters_nothing(community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get("/api/v1/residents/", {"text": "", "tags": "", "residence_type": "",
                                                     "building": "", "node": ""})
    assert _names(response) == {"李建华", "李小明"}


def test_filtering_residents_by_a_building_outside_scope_is_refused(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get("/api/v1/residents/", {"building": registry.building_b.pk})
    assert response.status_code == 400
    assert "building" in response.json()
