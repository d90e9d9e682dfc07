import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from residents import crypto, services
from residents.models import IdRevealLog, Membership, Relation, Resident
from residents.selectors import can_read_concern_reason, resident_list_for
from tests.residents.factories import DwellingFactory, HouseholdFactory, make_resident, valid_id

pytestmark = pytest.mark.django_db


def test_the_id_number_is_encrypted_in_the_database(community, registry):
    number = valid_id()
    resident = make_resident(community.admin, node=community.g5a, id_number=number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM residents_resident WHERE id = %s", [resident.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert number not in row
    assert number[6:14] not in row.replace(resident.birth_date.isoformat(), "")
    assert crypto.decrypt(resident.id_number_token) == number
    assert resident.id_number_masked == number[:6] + "********" + number[-4:]


def test_searching_by_a_full_id_number_finds_the_resident(community, registry):
    number = valid_id()
    resident = make_resident(community.admin, node=community.g5a, id_number=number)
    assert list(resident_list_for(user=community.admin, id_number=number)) == [resident]
    assert list(resident_list_for(user=community.admin, id_number=number.lower())) == [resident]
    assert not resident_list_for(user=community.admin, id_number=valid_id()).exists()
    assert not resident_list_for(user=community.admin, id_number="garbage").exists()


def test_the_same_id_number_cannot_be_registered_twice(community, registry):
    number = valid_id()
    make_resident(community.admin, node=community.g5a, id_number=number)
    with pytest.raises(ValidationError) as error:
        make_resident(community.admin, node=community.g5b, id_number=number)
    assert "id_number" in error.value.message_dict


def test_birth_date_and_gender_come_from_the_id_number(community):
    resident = make_resident(community.admin, node=community.g5a,
                             id_number=valid_id(born=dt.date(1950, 3, 8), male=False))
    assert resident.birth_date == dt.date(1950, 3, 8)
    assert resident.gender == "F"
    assert resident.elderly and not resident.child


def test_a_resident_has_one_current_household_at_most(community, registry):
    other = HouseholdFactory(dwelling=DwellingFactory(building=registry.building_a, number="502"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(household=other, resident=registry.child_a,
                                  relation=Relation.CHILD)


def test_moving_house_ends_the_old_membership_and_follows_the_grid(community, registry):
    services.membership_add(actor=community.admin, household=registry.household_b,
                            resident=registry.child_a, relation=Relation.TENANT,
                            joined_on=timezone.localdate())
    registry.child_a.refresh_from_db()
    assert registry.child_a.node == community.g5b
    current = Membership.objects.current().get(resident=registry.child_a)
    assert current.household == registry.household_b
    assert Membership.objects.filter(resident=registry.child_a, left_on__isnull=False).count() == 1


def test_a_household_has_one_head(community, registry):
    with pytest.raises(ValidationError) as error:
        make_resident(community.admin, household=registry.household_a, relation="head",
                      name="第二户主")
    assert "relation" in error.value.message_dict


def test_a_worker_cannot_register_in_another_grid(community, registry):
    with pytest.raises(PermissionDenied):
        make_resident(community.worker_a, household=registry.household_b, name="越权")
    assert not Resident.objects.filter(name="越权").exists()


def test_a_worker_registers_in_their_own_grid(community, registry):
    resident = make_resident(community.worker_a, household=registry.household_a,
                             relation="spouse", name="赵丽")
    assert resident.node == community.g5a


def test_a_worker_cannot_see_or_search_a_resident_of_another_grid(community, registry):
    seen = set(resident_list_for(user=community.worker_a).values_list("name", flat=True))
    assert seen == {"李建华", "李小明"}
    assert not resident_list_for(user=community.worker_a, text="王芳").exists()
    number = crypto.decrypt(registry.tenant_b.id_number_token)
    assert not resident_list_for(user=community.worker_a, id_number=number).exists()
    assert resident_list_for(user=community.hub1_head, text="王芳").exists()


def test_text_search_matches_a_name_and_a_phone_search_the_beginning_of_a_number(
        community, registry):
    assert [r.name for r in resident_list_for(user=community.admin, text="建华")] == ["李建华"]
    assert [r.name for r in resident_list_for(user=community.admin, text="139")] == []
    assert [r.name for r in resident_list_for(user=community.admin, phone="139")] == ["王芳"]


def test_tags_filter_the_registry(community, registry):
    old = make_resident(community.admin, node=community.g5a, name="老人",
                        id_number=valid_id(born=dt.date(1940, 1, 1)))
    young = make_resident(community.admin, node=community.g5a, name="小孩",
                          id_number=valid_id(born=timezone.localdate() - dt.timedelta(days=400)))
    assert old in resident_list_for(user=community.admin, tags=["elderly"])
    assert young not in resident_list_for(user=community.admin, tags=["elderly"])
    children = set(resident_list_for(user=community.admin, tags=["child"]))
    assert young in children and registry.child_a in children
    assert old not in children and registry.head_a not in children


def test_revealing_a_full_id_needs_the_permission_and_is_logged(community, registry):
    with pytest.raises(PermissionDenied):
        services.id_number_reveal(actor=community.worker_a, resident=registry.head_a,
                                  reason="核对身份")
    community.worker_a.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    worker = type(community.worker_a).objects.get(pk=community.worker_a.pk)
    with pytest.raises(ValidationError):
        services.id_number_reveal(actor=worker, resident=registry.head_a, reason=" ")
    number = services.id_number_reveal(actor=worker, resident=registry.head_a, reason="核对身份")
    assert number == crypto.decrypt(registry.head_a.id_number_token)
    log = IdRevealLog.objects.get()
    assert (log.user, log.resident, log.reason) == (worker, registry.head_a, "核对身份")


def test_only_heads_police_and_center_staff_read_the_concern_reason(community, registry):
    from grids.models import Role
    from tests.grids.factories import AssignmentFactory, UserFactory

    police = UserFactory(username="police")
    AssignmentFactory(user=police, node=community.g4a, role=Role.POLICE_OFFICER)
    assert can_read_concern_reason(community.center_staff, community.g5a)
    assert can_read_concern_reason(community.hub1_head, community.g5a)
    assert can_read_concern_reason(police, community.g5a)
    assert not can_read_concern_reason(community.worker_a, community.g5a)


def test_concern_details_need_a_level_and_are_cleared_without_concern(community, registry):
    with pytest.raises(ValidationError) as error:
        services.resident_update(actor=community.admin, resident=registry.head_a, concern=True)
    assert "concern_level" in error.value.message_dict
    updated = services.resident_update(actor=community.admin, resident=registry.head_a,
                                       concern=True, concern_level="watch",
                                       concern_reason="独居老人")
    assert updated.concern_reason == "独居老人"
    cleared = services.resident_update(actor=community.admin, resident=updated, concern=False)
    assert cleared.concern_reason == "" and cleared.concern_level == ""


def test_every_change_to_a_resident_is_kept_in_history(community, registry):
    services.resident_update(actor=community.admin, resident=registry.head_a,
                             phone="13800009999")
    history = registry.head_a.history.order_by("history_date")
    assert [h.phone for h in history] == ["13800001111", "13800009999"]
    assert not hasattr(history.first(), "id_number_token")


def test_dual_report_needs_party_membership(community, registry):
    with pytest.raises(ValidationError) as error:
        services.resident_update(actor=community.admin, resident=registry.head_a,
                                 dual_report=True)
    assert "dual_report" in error.value.message_dict


def test_a_building_belongs_to_the_lowest_grid(community):
    with pytest.raises(ValidationError) as error:
        services.building_create(actor=community.admin, node=community.g4a, estate="枫丹",
                                 name="9栋", floors=6)
    assert "node" in error.value.message_dict
    services.building_create(actor=community.admin, node=community.g4x, estate="六合",
                             name="1栋", floors=6)


def test_a_dwelling_must_fit_its_building(community, registry):
    with pytest.raises(ValidationError) as error:
        services.dwelling_create(actor=community.admin, building=registry.building_a,
                                 entrance=3, floor=9, number="901", use="residential")
    assert {"entrance", "floor"} <= set(error.value.message_dict)


def test_text_search_finds_residents_by_door_and_by_building_and_door(community, registry):
    by_door = set(resident_list_for(user=community.admin, text="501").values_list("name",
                                                                                   flat=True))
    assert by_door == {"李建华", "李小明"}
    by_both = set(resident_list_for(user=community.admin, text="2栋201").values_list("name",
                                                                                     flat=True))
    assert by_both == {"王芳"}


def test_moving_a_building_to_another_grid_moves_its_residents(community, registry, login):
    from django.urls import reverse

    client = login(community.admin)
    building = registry.building_a
    response = client.post(reverse("admin:residents_building_change", args=[building.pk]), {
        "node": community.g5b.pk, "estate": building.estate, "name": building.name,
        "address": "", "floors": building.floors, "entrances": building.entrances,
    })
    assert response.status_code == 302
    registry.head_a.refresh_from_db()
    assert registry.head_a.node == community.g5b
    assert set(resident_list_for(user=community.worker_b).values_list("name", flat=True)) >= {
        "李建华", "李小明"}


def test_a_dwelling_changed_in_admin_must_still_fit_its_building(community, registry, login):
    from django.urls import reverse

    client = login(community.admin)
    dwelling = registry.dwelling_a
    response = client.post(reverse("admin:residents_dwelling_change", args=[dwelling.pk]), {
        "building": registry.building_a.pk, "entrance": 1, "floor": 5, "number": "501",
        "use": "rental", "area": "",
        "premises-TOTAL_FORMS": "0", "premises-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    dwelling.refresh_from_db()
    assert dwelling.use == "rental"


def test_a_dwelling_above_the_top_floor_is_a_form_error_in_admin(community, registry, login):
    from django.urls import reverse

    response = login(community.admin).post(reverse("admin:residents_dwelling_add"), {
        "building": registry.building_a.pk, "entrance": 1, "floor": 40, "number": "4001",
        "use": "residential", "area": "",
        "premises-TOTAL_FORMS": "0", "premises-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "该楼栋的楼层为" in response.content.decode()
