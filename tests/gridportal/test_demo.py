"""The demo community: `seed_demo` is slow-ish (thousands of residents), so each test here seeds
once and checks a whole story."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from shapely.geometry import Point, shape

from grids.integrity import find_tree_damage
from grids.models import Assignment, GridNode, NodeKind, Role, ServicePoint
from grids.phones import normalise_phone
from grids.selectors import staffing_gaps_for, visible_nodes
from residents import crypto, idnumbers
from residents.models import Building, Household, Premises, Resident, Visit
from residents.selectors import CATEGORIES, category_summary

pytestmark = pytest.mark.django_db
User = get_user_model()


def _count(community_code, kind):
    return GridNode.objects.get(code=community_code).get_descendants().filter(kind=kind).count()


def _counts():
    return (GridNode.objects.count(), User.objects.count(), Assignment.objects.count(),
            ServicePoint.objects.count(), Resident.objects.count(), Household.objects.count(),
            Visit.objects.count())


@override_settings(DEMO_MODE=True, DEMO_PASSWORD="demo-pass-42")
def test_demo_community_is_complete_idempotent_and_its_logins_work(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    # Two communities shaped like the real ones.
    assert (_count("SJC", NodeKind.HUB), _count("SJC", NodeKind.GRID4),
            _count("SJC", NodeKind.GRID5)) == (7, 7, 29)
    assert (_count("LH", NodeKind.GRID4), _count("LH", NodeKind.GRID5)) == (4, 10)
    sjc = GridNode.objects.get(code="SJC")
    assert ServicePoint.objects.filter(node__tree_id=sjc.tree_id, node__lft__gte=sjc.lft,
                                       node__rght__lte=sjc.rght).count() == 16
    assert find_tree_damage() == []
    for role in (Role.CENTER_STAFF, Role.HEAD, Role.WORKER, Role.DEPARTMENT_LIAISON,
                 Role.POLICE_OFFICER, Role.PROPERTY_STAFF, Role.PARTY_INSTRUCTOR):
        assert Assignment.objects.filter(role=role).exists(), role
    admin = User.objects.get(username="admin")
    assert set(staffing_gaps_for(user=admin).values_list("code", flat=True)) == {
        "SJC-G5-07", "SJC-G5-18", "LH-G5-09"}

    # About 2,000 households and 5,000 residents, every colour category present.
    assert 1800 <= Household.objects.count() <= 2600
    assert 4500 <= Resident.objects.count() <= 7000
    summary = category_summary(user=admin, node=GridNode.objects.get(code="ST"))
    assert all(summary[category] > 0 for category in CATEGORIES), summary
    assert Visit.objects.exists()
    # Every building stands on the map, inside its own grid's boundary.
    buildings = Building.objects.select_related("node")
    assert buildings.exists() and not buildings.filter(latitude__isnull=True).exists()
    assert [str(b) for b in buildings
            if not shape(b.node.boundary).contains(Point(b.longitude, b.latitude))] == []
    # Every phone number of the demo follows the portal's one phone rule, as stored.
    phones = [*Resident.objects.exclude(phone="").values_list("phone", flat=True),
              *Premises.objects.values_list("contact_phone", flat=True),
              *ServicePoint.objects.values_list("phone", flat=True)]
    assert phones and [p for p in phones if p and normalise_phone(p) != p] == []
    for resident in Resident.objects.order_by("?")[:50]:
        number = crypto.decrypt(resident.id_number_token)
        assert idnumbers.parse(number).value == number
        assert resident.id_number_hash == crypto.lookup_hash(number)

    # A second run adds nothing.
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before

    # The printed logins work, and each sees its own part of the tree.
    assert "demo-pass-42" in out and "sjc_g5_01_worker" in out
    from interop.demo import demo_key

    assert demo_key("demo311a", "demo-pass-42") in out  # the demo city app's Open311 key
    response = client.post(reverse("login"), {"username": "sjc_g5_01_worker",
                                              "password": "demo-pass-42"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    worker = User.objects.get(username="sjc_g5_01_worker")
    assert list(visible_nodes(worker).values_list("code", flat=True)) == ["SJC-G5-01"]
    head = User.objects.get(username="sjc_hub1_head")
    assert visible_nodes(head).filter(kind=NodeKind.GRID5).count() == 5
    body = client.get(reverse("residents:building_list")).content.decode()
    assert "栋" in body


@override_settings(DEMO_MODE=False, DEMO_PASSWORD="demo-pass-42")
def test_outside_demo_mode_no_password_is_printed_or_usable(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "demo-pass-42" not in out
    response = client.post(reverse("login"), {"username": "sjc_g5_01_worker",
                                              "password": "demo-pass-42"})
    assert response.status_code == 200  # the form again, with an error
    assert not User.objects.get(username="admin").has_usable_password()
    from interop.models import ApiClient

    assert not ApiClient.objects.exists()  # keys are issued in the admin, never seeded
