"""Every admin changelist costs the same number of queries whatever its length.

For each model registered in the admin, an administrator opens its changelist with 5 rows and
again with 50 (every optional field filled, so each row brings related rows of its own): the
page answers 200 both times, with the same number of queries.
"""

import datetime as dt
import itertools

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from model_bakery import baker

from tests.grids.factories import UserFactory

pytestmark = pytest.mark.django_db

FEW, MANY = 5, 50
# django-mptt's tree foreign key is a foreign key to baker.
baker.generators.add("mptt.fields.TreeForeignKey", "model_bakery.random_gen.gen_related")


def _registered():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def _count(label: str) -> int:
    from django.apps import apps

    return apps.get_model(label)._base_manager.count()


def _volunteers(count: int):
    """Half named by a resident, half by a user (one of the two, never both)."""
    by_resident = baker.make("committees.Volunteer", _quantity=(count + 1) // 2,
                             _fill_optional=True, user=None)
    by_user = baker.make("committees.Volunteer", _quantity=count // 2, _fill_optional=True,
                         resident=None)
    return [*by_resident, *by_user]


def _members(count: int):
    baker.make("committees.Member", _quantity=(count + 1) // 2, _fill_optional=True,
               user=None, contact_name="")
    baker.make("committees.Member", _quantity=count // 2, _fill_optional=True,
               resident=None, contact_name="")


def _calendar_days(count: int):
    from tickets.models import CalendarDay

    start = dt.date(2030, 1, 1) + dt.timedelta(days=_count("tickets.CalendarDay"))
    # Each day's arrangement has a year of its own (the year is unique: random ones collide).
    arrangements = RECIPES["tickets.HolidayArrangement"](count)
    baker.make(CalendarDay, _quantity=count, _fill_optional=True,
               arrangement=iter(arrangements),
               date=(start + dt.timedelta(days=offset) for offset in range(count)))


def _sla_policies(count: int):
    """One policy per whistle class and node kind: as many as there are pairs."""
    from grids.models import NodeKind
    from tickets.models import SLAPolicy, Whistle

    taken = set(SLAPolicy.objects.values_list("whistle", "node_kind"))
    free = [pair for pair in itertools.product(Whistle.values, NodeKind.values)
            if pair not in taken][:count]
    baker.make(SLAPolicy, _quantity=len(free), _fill_optional=True,
               whistle=(whistle for whistle, _ in free), node_kind=(kind for _, kind in free))


def _routing_roles(count: int):
    """One row per role: as many as there are roles."""
    from grids.models import Role, RoutingRole

    taken = set(RoutingRole.objects.values_list("role", flat=True))
    free = [role for role in Role.values if role not in taken][:count]
    baker.make(RoutingRole, _quantity=len(free), _fill_optional=True, role=iter(free))


def _api_clients(count: int):
    # Keys are made by the key manager (a prefix and a hash), as the admin makes them.
    from interop.models import ApiClient

    start = _count("interop.ApiClient")
    return [ApiClient.objects.create_key(name=f"client {start + number}", contact="12345")[0]
            for number in range(count)]


def _work_orders(count: int):
    return baker.make("interop.WorkOrderLink", _quantity=count, _fill_optional=True,
                      client=iter(_api_clients(count)))


# Rows that keep a model's constraints; every other model takes baker's rows as they come.
RECIPES = {
    "committees.Volunteer": _volunteers,
    "committees.ServiceHours": lambda count: baker.make(
        "committees.ServiceHours", _quantity=count, _fill_optional=True, hours=2,
        volunteer=iter(_volunteers(count))),
    "committees.Member": _members,
    "committees.Match": lambda count: baker.make(
        "committees.Match", _quantity=count, _fill_optional=True, resource=None),
    "grids.Assignment": lambda count: baker.make(
        "grids.Assignment", _quantity=count, _fill_optional=True, ends_on=None),
    "residents.Resident": lambda count: baker.make(
        "residents.Resident", _quantity=count, _fill_optional=True, residence_type="floating",
        dual_report=False, concern=True),
    "grids.GridNode": lambda count: baker.make(
        "grids.GridNode", _quantity=count, _fill_optional=True, latitude=25.04,
        longitude=102.71),
    "tickets.HolidayArrangement": lambda count: baker.make(
        "tickets.HolidayArrangement", _quantity=count, _fill_optional=True,
        year=iter(range(3000 + _count("tickets.HolidayArrangement"), 3100))),
    "tickets.CalendarDay": _calendar_days,
    "tickets.SLAPolicy": _sla_policies,
    "grids.RoutingRole": _routing_roles,
    "interop.ApiClient": _api_clients,
    "interop.WorkOrderLink": lambda count: _work_orders(count),
    "interop.Open311Submission": lambda count: baker.make(
        "interop.Open311Submission", _quantity=count, _fill_optional=True,
        client=iter(_api_clients(count))),
    "interop.CallbackDelivery": lambda count: baker.make(
        "interop.CallbackDelivery", _quantity=count, _fill_optional=True,
        link=iter(_work_orders(count))),
}


def make_rows(model, count: int) -> None:
    recipe = RECIPES.get(model._meta.label)
    if recipe is not None:
        recipe(count)
    else:
        baker.make(model, _quantity=count, _fill_optional=True)


def _changelist_queries(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries), [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("model", _registered(), ids=lambda model: model._meta.label)
def test_admin_changelist_costs_the_same_queries_for_5_rows_as_for_50(client, model):
    # Rows the migrations seed (the holiday calendar, deadline policies, categories) would
    # fill the page whatever the test adds.
    model._base_manager.all().delete()
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    make_rows(model, FEW)
    few, _ = _changelist_queries(client, url)
    make_rows(model, MANY - FEW)
    rows = model._default_manager.count()
    many, sql = _changelist_queries(client, url)
    assert rows > FEW
    assert many == few, (
        f"{model._meta.label}: {few} queries with {FEW} rows, {many} with {MANY}; the last: "
        + "\n".join(sql[-5:]))
