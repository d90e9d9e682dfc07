"""The demo's outside systems: after `make run`, the README's example sessions work with the
printed keys; outside demo mode nothing is seeded."""

import pytest
from django.test import override_settings

from grids.demo import seed_grids
from interop.clients import client_for_key
from interop.demo import demo_key, seed_clients
from interop.models import ApiClient
from tests.tickets.factories import category

pytestmark = pytest.mark.django_db


@override_settings(DEMO_MODE=True, DEMO_PASSWORD="demo-pass-42")
def test_the_demo_city_app_posts_an_open311_request_with_its_printed_key(client):
    seed_grids()
    category("facilities", name="设施维修")
    clients = seed_clients()
    keys = {c.name: c.key for c in clients}
    assert keys["示范城市App"] == demo_key("demo311a", "demo-pass-42")
    app = client_for_key(keys["示范城市App"])
    hotline = client_for_key(keys["12345热线（示范）"])
    assert app.open311 and not app.work_orders
    assert hotline.work_orders and not hotline.open311 and hotline.channel == "hotline"
    assert [node.code for node in app.jurisdictions.all()] == ["ST"]

    response = client.post("/open311/v2/requests.json", {
        "jurisdiction_id": "SJC", "api_key": keys["示范城市App"], "service_code": "facilities",
        "address_string": "枫丹白鹭1栋", "description": "楼道灯不亮", "device_id": "phone-1"})
    assert response.status_code == 201, response.content
    assert response.json()[0]["service_request_id"]

    # A second run adds nothing and prints the same keys.
    again = seed_clients()
    assert [c.key for c in again] == [c.key for c in clients]
    assert not any(c.created for c in again)
    assert ApiClient.objects.count() == 2


@override_settings(DEMO_MODE=False)
def test_outside_demo_mode_no_key_is_seeded():
    seed_grids()
    assert seed_clients() == []
    assert not ApiClient.objects.exists()
