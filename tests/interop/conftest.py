"""A city app with its Open311 key in the test community (tests/conftest.py), the community's
boundaries drawn, and two public services."""

from types import SimpleNamespace

import pytest

from interop.models import ApiClient
from tests.grids.factories import draw_boundaries
from tests.tickets.factories import category, department

IN_G5A = {"lat": "25.005", "long": "102.705"}
IN_OTHER = {"lat": "25.01", "long": "102.74"}  # 六合社区, another community of the street


def new_client(*roots, name="示范城市App", **fields):
    client, key = ApiClient.objects.create_key(name=name, **fields)
    client.jurisdictions.add(*roots)
    return client, key


@pytest.fixture
def city(community, registry, fresh_rate_limits):
    draw_boundaries(community)
    lights = category("lights", name="路灯照明")
    lights.departments.add(department())
    wish = category("wish", name="微心愿", is_wish=True)
    internal = category("staff-only", name="内部事项", internal=True)
    app, key = new_client(community.community, rate="1000/hour")
    return SimpleNamespace(community=community, registry=registry, lights=lights, wish=wish,
                           internal=internal, app=app, key=key, code=community.community.code)


def post_data(city, **changes) -> dict:
    data = {"api_key": city.key, "jurisdiction_id": city.code, "service_code": "lights",
            "description": "路灯不亮\n3号路灯从昨晚起不亮", **IN_G5A, "device_id": "phone-1",
            "first_name": "建华", "last_name": "李", "phone": "138 0000 1111",
            "email": "li@example.com", "account_id": "u-42"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
