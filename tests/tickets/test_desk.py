"""Staff at a desk: a phone call to the center as a channel, and finding a ticket in the queue
by its reference, 12345 work-order number, short code or the caller's phone."""

import pytest
from django.urls import reverse
from django.utils import translation

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import category, make_ticket
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def test_a_phone_call_to_the_center_is_a_channel_named_in_chinese(community, login):
    with translation.override("zh-hans"):
        assert str(Channel("phone_call").label) == "来电"
    client = login(community.center_staff)
    response = client.post(reverse("tickets:create"), {
        "channel": "phone_call", "whistle": "routine", "category": category().pk,
        "title": "电梯困人", "description": "来电反映3栋电梯停在两层之间", "node": community.g5a.pk,
        "reporter_name": "李先生", "reporter_phone": "13811112222"})
    assert response.status_code == 302
    assert Ticket.objects.get(title="电梯困人").channel == Channel.PHONE_CALL


def _queue(client, **params) -> str:
    response = client.get(reverse("tickets:queue"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_queue_finds_a_ticket_by_reference_work_order_or_short_code(community, login):
    wanted = make_ticket(node=community.g5a, title="电梯异响", external_number="GD2026-0042")
    make_ticket(node=community.g5a, title="路灯不亮")
    client = login(community.worker_a)
    for typed in (wanted.reference, wanted.reference.lower().replace("-", " "),
                  "GD2026-0042", "gd2026-0042", wanted.short_code.lower()):
        body = _queue(client, text=typed)
        assert "电梯异响" in body and "路灯不亮" not in body, typed


def test_the_queue_finds_only_tickets_in_the_users_area(community, login):
    elsewhere = make_ticket(node=community.g5b, title="邻居的电梯", external_number="GD9")
    body = _queue(login(community.worker_a), text=elsewhere.reference)
    assert "邻居的电梯" not in body
    assert "邻居的电梯" not in _queue(login(community.worker_a), text="GD9")


def test_the_queue_finds_a_callers_tickets_by_phone_by_post_only(community, login, registry):
    make_ticket(node=community.g5a, title="楼上漏水", reporter_phone="13812345678")
    make_ticket(node=community.g5a, title="居民来电", resident=registry.head_a)
    make_ticket(node=community.g5a, title="别人的事", reporter_phone="13700000000")
    make_ticket(node=community.g5b, title="邻居网格", reporter_phone="13812345678")
    client = login(community.worker_a)
    response = client.post(reverse("tickets:queue"), {"phone": "138 1234 5678"})
    assert response.status_code == 302
    assert "1381234" not in response["Location"] and "search=" in response["Location"]
    body = client.get(response["Location"]).content.decode()
    assert "楼上漏水" in body and "别人的事" not in body and "邻居网格" not in body
    response = client.post(reverse("tickets:queue"), {"phone": registry.head_a.phone})
    assert "居民来电" in client.get(response["Location"]).content.decode()
    # The phone never rides in a URL: a GET with ?phone= filters nothing by it.
    assert "别人的事" in _queue(client, phone="13812345678")


def test_a_bad_phone_in_the_queue_search_is_a_field_error_in_chinese(community, login):
    response = login(community.worker_a).post(reverse("tickets:queue"), {"phone": "12ab"})
    assert response.status_code == 200
    assert "请输入以 1 开头的 11 位手机号码" in response.content.decode()


def test_a_caller_is_found_only_where_the_user_may_see_the_contact(community, login):
    from tickets.selectors import ticket_list_for

    make_ticket(node=community.g5a, title="楼上漏水", reporter_phone="13812345678")
    assert ticket_list_for(user=community.worker_a, phone="13812345678").count() == 1
    volunteer = UserFactory(username="volunteer_a")
    AssignmentFactory(user=volunteer, node=community.g5a, role=Role.VOLUNTEER)
    mine = make_ticket(actor=volunteer, node=community.g5a, title="志愿者上报",
                       reporter_phone="13812345678")
    assert ticket_list_for(user=volunteer).filter(pk=mine.pk).exists()
    assert not ticket_list_for(user=volunteer, phone="13812345678").exists()


def test_the_api_finds_by_number_in_the_query_and_by_phone_in_the_body(community, api_client):
    wanted = make_ticket(node=community.g5a, title="电梯异响", external_number="GD7",
                         reporter_phone="0871-65123456")
    make_ticket(node=community.g5a, title="路灯不亮")
    api_client.force_authenticate(community.worker_a)
    for typed in (wanted.reference, "GD7", wanted.short_code):
        rows = api_client.get("/api/v1/tickets/", {"text": typed}).json()["results"]
        assert [row["title"] for row in rows] == ["电梯异响"], typed
    rows = api_client.post("/api/v1/tickets/search/", {"phone": "087165123456"},
                           format="json").json()
    assert [row["title"] for row in rows] == ["电梯异响"]
    response = api_client.post("/api/v1/tickets/search/", {"phone": "12ab"}, format="json")
    assert response.status_code == 400 and "phone" in response.json()
