"""Staff at a desk: a phone call to the center as a channel, and finding a ticket in the queue
by its reference, 12345 work-order number, short code or the caller's phone."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.tickets.factories import category
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
