import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from residents import crypto
from residents.models import DwellingUse, IdRevealLog, Visit
from residents.selectors import colour_map
from tests.residents.factories import DwellingFactory, HouseholdFactory, make_resident

pytestmark = pytest.mark.django_db


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_registry_lists_only_the_workers_grid(community, registry, login):
    body = login(community.worker_a).get(reverse("residents:registry")).content.decode()
    assert "李建华" in body and "李小明" in body
    assert "王芳" not in body


def test_registry_never_shows_a_full_id_number(community, registry, login):
    number = crypto.decrypt(registry.head_a.id_number_token)
    body = login(community.admin).get(reverse("residents:registry")).content.decode()
    assert number not in body
    assert registry.head_a.id_number_masked in body


def test_full_id_search_is_a_post_and_finds_the_resident(community, registry, login):
    number = crypto.decrypt(registry.tenant_b.id_number_token)
    client = login(community.hub1_head)
    response = client.post(reverse("residents:registry"), {"id_number": number}, follow=True)
    # The results page carries a token, never the number.
    [(url, _status)] = response.redirect_chain
    assert number not in url and "search=" in url
    body = response.content.decode()
    assert "王芳" in body and "李建华" not in body
    worker = login(community.worker_a)
    body = worker.post(reverse("residents:registry"), {"id_number": number},
                       follow=True).content.decode()
    assert "王芳" not in body


def test_a_phone_search_is_a_post_and_its_token_works_only_in_that_session(
        community, registry, login, client):
    response = login(community.hub1_head).post(reverse("residents:registry"),
                                               {"phone": "139 0000"}, follow=True)
    [(url, _status)] = response.redirect_chain
    assert "139" not in url
    body = response.content.decode()
    assert "王芳" in body and "李建华" not in body
    assert "王芳" in client.get(url).content.decode()  # paging keeps the search
    other = login(community.center_staff)  # another session
    body = other.get(url).content.decode()
    assert "王芳" not in body and "search again" not in body and "重新搜索" in body
    # A number typed into the address bar's search box matches no phone.
    body = login(community.hub1_head).get(reverse("residents:registry"),
                                          {"text": "1390000"}).content.decode()
    assert "王芳" not in body


def test_a_bad_id_number_in_the_search_is_a_form_error(community, registry, login):
    response = login(community.admin).post(reverse("residents:registry"),
                                           {"id_number": "12345"})
    assert response.status_code == 200
    assert "18" in response.content.decode()


def test_registry_filters_by_tag_and_text(community, registry, login):
    client = login(community.admin)
    body = client.get(reverse("residents:registry"), {"text": "王"}).content.decode()
    assert "王芳" in body and "李建华" not in body
    body = client.get(reverse("residents:registry"),
                      {"residence_type": "floating"}).content.decode()
    assert "王芳" in body and "李建华" not in body


def test_registry_page_query_count_does_not_grow_with_rows(community, registry, login):
    client = login(community.admin)
    url = reverse("residents:registry") + "?page_size=100"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(40):
        household = HouseholdFactory(dwelling=DwellingFactory(building=registry.building_a,
                                                              floor=3, number=f"3{n:02d}"))
        make_resident(community.admin, household=household, relation="head", name=f"住户{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("住户") >= 40
    assert len(many) == len(few)


def test_worker_gets_404_for_another_grids_resident_household_and_building(
        community, registry, login):
    client = login(community.worker_a)
    for url in (reverse("residents:resident_detail", args=[registry.tenant_b.pk]),
                reverse("residents:household_detail", args=[registry.household_b.pk]),
                reverse("residents:colour_map", args=[registry.building_b.pk]),
                reverse("residents:visit_create", args=[registry.household_b.pk])):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("residents:household_detail",
                              args=[registry.household_a.pk])).status_code == 200


def test_colour_map_counts_match_the_dwellings(community, registry, login):
    building = registry.building_a
    DwellingFactory(building=building, floor=1, number="101", use=DwellingUse.BUSINESS)
    DwellingFactory(building=building, floor=1, number="102", use=DwellingUse.OFFICE)
    DwellingFactory(building=building, floor=2, number="201", use=DwellingUse.VACANT)
    DwellingFactory(building=building, floor=2, number="202")  # nobody lives there: vacant
    rental = HouseholdFactory(dwelling=DwellingFactory(building=building, floor=3, number="301"))
    make_resident(community.admin, household=rental, relation="head", name="流动",
                  residence_type="floating")
    concern = HouseholdFactory(dwelling=DwellingFactory(building=building, floor=4,
                                                        number="401"))
    make_resident(community.admin, household=concern, relation="head", name="关注",
                  concern=True, concern_level="watch")
    counts = colour_map(building=building, user=community.admin)["counts"]
    assert counts == {"permanent": 1, "floating": 1, "office": 1, "business": 1,
                      "concern": 1, "vacant": 2}
    body = login(community.worker_a).get(
        reverse("residents:colour_map", args=[building.pk])).content.decode()
    assert body.count('data-category="vacant"') == 2 + 1  # two cells and the legend entry
    assert reverse("residents:household_detail", args=[registry.household_a.pk]) in body


def test_building_list_summarises_categories_for_the_grid(community, registry, login):
    body = login(community.hub1_head).get(reverse("residents:building_list"),
                                          {"node": community.hub1.pk}).content.decode()
    assert "枫丹白鹭1栋" in body and "枫丹白鹭2栋" in body
    assert 'id="category-summary"' in body


def test_palette_stylesheet_comes_from_settings(client, settings):
    settings.HOUSE_COLOURS = {**settings.HOUSE_COLOURS, "concern": "#123456"}
    css = client.get(reverse("residents:colours_css")).content.decode()
    assert ".cat-concern { background-color: #123456; }" in css


def test_a_worker_logs_a_visit_with_a_photo(community, registry, login):
    client = login(community.worker_a)
    url = reverse("residents:visit_create", args=[registry.household_a.pk])
    response = client.post(url, {"purpose": "care", "visited_on": "2026-11-20",
                                 "notes": "身体良好", "photos": [png()]})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.visitor, visit.purpose, visit.photos.count()) == (community.worker_a, "care", 1)
    photo = visit.photos.get()
    photo_url = reverse("residents:visit_photo", args=[visit.pk, photo.pk])
    body = client.get(reverse("residents:household_detail",
                              args=[registry.household_a.pk])).content.decode()
    assert "身体良好" in body and photo_url in body
    served = client.get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"


def test_a_visit_photo_is_served_only_within_scope_and_with_its_own_visit(
        community, registry, login):
    from residents import services

    visit_a = services.visit_create(actor=community.admin, household=registry.household_a,
                                    purpose="routine", photos=[png()])
    visit_b = services.visit_create(actor=community.admin, household=registry.household_b,
                                    purpose="routine", photos=[png()])
    photo_a, photo_b = visit_a.photos.get(), visit_b.photos.get()
    worker = login(community.worker_a)
    assert worker.get(reverse("residents:visit_photo",
                              args=[visit_b.pk, photo_b.pk])).status_code == 404
    # Pairing the worker's own visit with another grid's photo is refused too.
    assert worker.get(reverse("residents:visit_photo",
                              args=[visit_a.pk, photo_b.pk])).status_code == 404
    assert worker.get(reverse("residents:visit_photo",
                              args=[visit_a.pk, photo_a.pk])).status_code == 200


def test_a_visit_without_a_purpose_or_with_a_non_image_is_refused(community, registry, login):
    client = login(community.worker_a)
    url = reverse("residents:visit_create", args=[registry.household_a.pk])
    bad = SimpleUploadedFile("x.txt", b"not an image", content_type="text/plain")
    response = client.post(url, {"visited_on": "2026-11-20", "photos": [bad]})
    assert response.status_code == 200
    assert not Visit.objects.exists()
    assert 'class="invalid-feedback d-block"' in response.content.decode() or \
        "text-danger" in response.content.decode()


def test_registering_a_member_with_a_bad_id_shows_the_field_error(community, registry, login):
    client = login(community.worker_a)
    url = reverse("residents:resident_create") + f"?household={registry.household_a.pk}"
    response = client.post(url, {"name": "新成员", "id_number": "11010519491231003X",
                                 "relation": "child", "residence_type": "registered"})
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    assert registry.household_a.memberships.count() == 2


def test_registering_a_member_through_the_form(community, registry, login):
    from tests.residents.factories import valid_id

    client = login(community.worker_a)
    url = reverse("residents:resident_create") + f"?household={registry.household_a.pk}"
    response = client.post(url, {"name": "新成员", "id_number": valid_id(),
                                 "relation": "child", "residence_type": "registered",
                                 "phone": "13712345678"})
    assert response.status_code == 302
    assert registry.household_a.memberships.current().count() == 3


def test_concern_reason_is_shown_to_the_head_not_to_the_worker(community, registry, login):
    from residents import services

    services.resident_update(actor=community.admin, resident=registry.head_a, concern=True,
                             concern_level="attention", concern_reason="独居需关注")
    url = reverse("residents:resident_detail", args=[registry.head_a.pk])
    assert "独居需关注" not in login(community.worker_a).get(url).content.decode()
    assert "独居需关注" in login(community.hub1_head).get(url).content.decode()


def test_revealing_on_the_page_needs_a_reason_and_is_logged(community, registry, login):
    community.hub1_head.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    client = login(community.hub1_head)
    url = reverse("residents:resident_reveal", args=[registry.head_a.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert not IdRevealLog.objects.exists()
    body = client.post(url, {"reason": "办理低保"}).content.decode()
    assert crypto.decrypt(registry.head_a.id_number_token) in body
    assert IdRevealLog.objects.get().reason == "办理低保"
    assert login(community.worker_a).post(url, {"reason": "x"}).status_code in (403, 404)


def test_household_lookup_by_building_and_door(community, registry, login):
    client = login(community.worker_a)
    body = client.get(reverse("residents:household_lookup"), {"q": "1栋501"}).content.decode()
    assert reverse("residents:household_detail", args=[registry.household_a.pk]) in body
    body = client.get(reverse("residents:household_lookup"), {"q": "王芳"}).content.decode()
    assert reverse("residents:household_detail", args=[registry.household_b.pk]) not in body


def test_a_worker_starts_a_household_in_a_vacant_dwelling(community, registry, login):
    dwelling = DwellingFactory(building=registry.building_a, floor=6, number="601")
    client = login(community.worker_a)
    body = client.get(reverse("residents:colour_map",
                              args=[registry.building_a.pk])).content.decode()
    create_url = reverse("residents:household_create", args=[dwelling.pk])
    assert create_url in body
    response = client.post(create_url, {"number": "H601"})
    household = dwelling.households.get()
    assert response["Location"].endswith(f"?household={household.pk}")
    other = DwellingFactory(building=registry.building_b, floor=6, number="601")
    assert client.post(reverse("residents:household_create", args=[other.pk]),
                       {"number": "x"}).status_code == 404


def test_a_member_moves_out_from_the_household_card(community, registry, login):
    from residents.models import Membership

    membership = Membership.objects.current().get(resident=registry.child_a)
    client = login(community.worker_a)
    response = client.post(reverse("residents:membership_leave", args=[membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_on is not None
    other = Membership.objects.current().get(resident=registry.tenant_b)
    assert client.post(reverse("residents:membership_leave",
                               args=[other.pk])).status_code == 404
    assert Membership.objects.get(pk=other.pk).left_on is None
