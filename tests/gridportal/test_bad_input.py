"""Bad input in an address or a query answers 4xx, never 500.

PostgreSQL refuses NUL (0x00) in a text literal: a NUL that reached a text lookup raised
ValueError there (500). These tests matter most on PostgreSQL, where CI runs them too.
"""

import pytest
from rest_framework.test import APIClient

from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(community):
    return make_ticket(node=community.g5a)


@pytest.mark.parametrize("path", ["/board/SJC%00/", "/track/abc%00def/", "/track/%00/",
                                  "/api/v1/public/tickets/abc%00def/"])
def test_a_nul_in_a_public_address_is_not_found(client, community, ticket, path):
    response = client.get(path)
    assert response.status_code == 404


def test_a_nul_in_a_public_api_address_is_a_json_404(community, ticket):
    response = APIClient().get("/api/v1/public/tickets/abc%00def/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_nul_in_an_address_is_not_found_for_staff_too(login, community, ticket):
    client = login(community.center_staff)
    assert client.get("/board/SJC%00/").status_code == 404
    assert client.get(f"/track/{ticket.tracking_token}%00/").status_code == 404


def test_a_nul_in_an_api_query_names_the_parameter(community, ticket, api_client):
    api_client.force_authenticate(community.center_staff)
    response = api_client.get("/api/v1/tickets/", {"text": "灯\x00"})
    assert response.status_code == 400 and "text" in response.json()


def test_a_nul_in_an_admin_list_filter_is_a_bad_request(login, community, ticket):
    client = login(community.admin)
    response = client.get("/admin/grids/gridnode/", {"kind__exact": "grid\x00"})
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_a_nul_in_a_page_query_is_a_bad_request_page(login, community):
    response = login(community.worker_a).get("/tickets/", {"text": "灯\x00"})
    assert response.status_code == 400
    assert "该地址中含有无法识别的内容" in response.content.decode()


# --- JSON nested too deeply -----------------------------------------------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _post_raw(client, path: str, body: str, **headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("depth", [5000, 100])
def test_json_nested_deeply_is_a_parse_error_on_every_api(community, ticket, api_client, depth):
    api_client.force_authenticate(community.center_staff)
    for path in ("/api/v1/tickets/", f"/api/v1/tickets/{ticket.pk}/transitions/"):
        for body in (_nested(depth), '{"title": ' + _nested(depth) + "}"):
            response = _post_raw(api_client, path, body)
            assert response.status_code == 400, (path, response.status_code)
            assert "detail" in response.json()
    public = _post_raw(APIClient(), "/api/v1/public/tickets/", _nested(depth),
                       HTTP_IDEMPOTENCY_KEY="k" * 20)
    assert public.status_code == 400 and "detail" in public.json()


def test_json_of_ordinary_depth_is_still_read(community, ticket, api_client):
    api_client.force_authenticate(community.center_staff)
    body = '{"action": "accept", "note": "", "extra": ' + '{"a": ' * 20 + "1" + "}" * 20 + "}"
    response = _post_raw(api_client, f"/api/v1/tickets/{ticket.pk}/transitions/", body)
    assert response.status_code == 200, response.json()


# --- Numbers that only look like numbers ----------------------------------------------------


@pytest.mark.parametrize(("path", "name"), [("/tickets/", "before"),
                                            ("/committees/", "community")])
@pytest.mark.parametrize("value", ["²", "١٢", "99999999999999999999", "-1"])
def test_a_page_ignores_a_number_it_cannot_use(login, community, ticket, path, name, value):
    # '²'.isdigit() is true but int('²') fails: that answered 500.
    response = login(community.center_staff).get(path, {name: value})
    assert response.status_code == 200


# --- An API address that leads nowhere -----------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/tickets/1.5/", "/api/v1/no-such-thing/",
                                  "/api/v1/tickets/1/transitions/extra/"])
def test_an_api_address_that_leads_nowhere_is_a_json_404(community, api_client, path):
    api_client.force_authenticate(community.center_staff)
    response = api_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}


def test_a_page_address_that_leads_nowhere_is_the_404_page(login, community):
    response = login(community.worker_a).get("/no-such-page/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]
