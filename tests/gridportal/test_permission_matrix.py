"""The permission matrix itself: well formed, in the README as generated, and asked the same way
by lists, objects and menus."""

import pytest
from django.contrib.auth.models import Permission

from gridportal import permissions
from gridportal.management.commands.permissions_table import readme_path, readme_table
from gridportal.permissions import ADMIN, CAPABILITIES, ROLE_COLUMNS, Scope
from grids.models import Role
from residents.models import Resident
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.residents.factories import make_resident


def test_the_readme_table_is_the_one_the_module_generates():
    assert readme_table(readme_path().read_text(encoding="utf-8")) == \
        permissions.capability_table()


def test_every_role_has_a_column_and_every_grant_names_a_known_role():
    assert set(ROLE_COLUMNS) == {*Role.values, ADMIN}
    for capability in CAPABILITIES.values():
        assert set(capability.grants) <= set(Role.values), capability.code
        assert all(isinstance(scope, Scope) for scope in capability.grants.values())
        area, _, verb = capability.code.partition(".")
        assert area in {"grids", "residents", "tickets", "committees"} and verb


@pytest.mark.django_db
def test_no_capability_shadows_a_django_permission():
    # A capability named like a model permission would grant the admin's add/change/delete.
    django_perms = {f"{app}.{codename}" for app, codename in
                    Permission.objects.values_list("content_type__app_label", "codename")}
    assert not django_perms & set(CAPABILITIES)
    needed = {capability.model_perm for capability in CAPABILITIES.values()
              if capability.model_perm}
    assert needed <= django_perms


@pytest.mark.django_db
def test_the_matrix_answers_the_same_for_an_object_a_list_and_a_menu(community, registry):
    police = UserFactory(username="police")
    AssignmentFactory(user=police, node=community.g4a, role=Role.POLICE_OFFICER)
    outside = make_resident(community.admin, node=community.g4x, name="外人")
    for user in (community.worker_a, community.hub1_head, police, community.center_staff):
        for code in ("residents.read_names", "residents.see_phone",
                     "residents.see_concern_reason", "residents.write"):
            listed = set(permissions.scope_queryset(Resident.objects.all(), user, code)
                         .values_list("pk", flat=True))
            for resident in (registry.head_a, registry.tenant_b, outside):
                assert permissions.has(user, code, resident) == (resident.pk in listed), (
                    user, code, resident)
                assert user.has_perm(code, resident) == (resident.pk in listed)
            assert (code in permissions.held(user)) == permissions.has(user, code) == \
                bool(listed)


@pytest.mark.django_db
def test_an_inactive_or_unassigned_user_holds_nothing(community):
    nobody = UserFactory(username="nobody")
    community.worker_a.is_active = False
    for user in (nobody, community.worker_a):
        assert permissions.held(user) == frozenset()
        assert not any(permissions.has(user, code) for code in CAPABILITIES)
    assert permissions.held(community.admin) == frozenset(CAPABILITIES)


@pytest.mark.django_db
def test_a_list_flag_scoped_by_its_reading_right_answers_as_the_object_check(community, registry):
    # A flag whose condition is the list's own scope is a constant; any other is computed.
    instructor = UserFactory(username="instructor")
    AssignmentFactory(user=instructor, node=community.g4a, role=Role.PARTY_INSTRUCTOR)
    make_resident(community.admin, node=community.g4x, name="外人")
    codes = {"can_see_id": "residents.see_id_masked", "can_see_phone": "residents.see_phone",
             "reason": "residents.see_concern_reason", "can_edit": "residents.write"}
    for user in (community.worker_a, community.hub1_head, instructor, community.center_staff,
                 community.admin):
        listed = permissions.scope_queryset(Resident.objects.all(), user, "residents.read_names")
        rows = permissions.annotate_rights(listed, user, scoped_by="residents.read_names",
                                           **codes)
        assert rows.exists(), user
        for row in rows:
            for flag, code in codes.items():
                assert getattr(row, flag) == permissions.has(user, code, row), (user, flag, row)
