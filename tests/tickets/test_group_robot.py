"""The WeCom group robot hears about a node's tickets: a real HTTP server on loopback."""

import pytest

from tests.tickets.factories import make_ticket
from tests.tickets.robots import GroupRobot
from tickets.models import NodeWebhook, Notification
from tickets.tasks import notify_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def robot():
    with GroupRobot() as server:
        yield server.url, server.received


def test_a_new_ticket_is_posted_to_the_owning_grids_robot_once(community, robot):
    url, received = robot
    NodeWebhook.objects.create(node=community.g5a, url=url)
    ticket = make_ticket(node=community.g5a, title="楼道堆放杂物")
    event = ticket.events.get(kind="created")
    notify_task(event.pk)
    notify_task(event.pk)  # a retry posts nothing twice
    assert len(received) == 1
    assert received[0]["msgtype"] == "text"
    assert ticket.reference in received[0]["text"]["content"]
    assert Notification.objects.filter(user__isnull=True, ticket=ticket).count() == 1


def test_no_robot_no_post(community, robot):
    url, received = robot
    NodeWebhook.objects.create(node=community.g5b, url=url)
    notify_task(make_ticket(node=community.g5a).events.get(kind="created").pk)
    assert received == []
