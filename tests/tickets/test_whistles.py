"""Whistling (吹哨) to a department: a rule per level of the tree. The street whistles to any
department; a community only where its street allows it; a grid escalates (上报) instead."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import department, make_ticket
from tickets import services
from tickets.models import Notification, Status, WhistleRule
from tickets.tasks import notify_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return department()


@pytest.fixture
def police(db):
    return department("pcs", "派出所")


@pytest.fixture
def dispatcher(community):
    user = UserFactory(username="street_dispatcher")
    AssignmentFactory(user=user, node=community.street, role=Role.DISPATCHER)
    return user


@pytest.fixture
def community_head(community):
    user = UserFactory(username="sjc_secretary")
    AssignmentFactory(user=user, node=community.community, role=Role.HEAD)
    return user


def whistle(ticket, actor, department, note="需要执法部门处置", action="whistle"):
    return services.ticket_transition(ticket=ticket, actor=actor, action=action, note=note,
                                      department=department)


def test_by_default_the_street_may_whistle_to_every_department(db):
    rule = WhistleRule.objects.get()
    assert (rule.node_kind, rule.node, rule.department, rule.active) == (
        "street", None, None, True)


def test_the_street_dispatcher_whistles_a_grid_ticket_to_a_department_at_once(
        community, dispatcher, city):
    ticket = make_ticket(node=community.g5a)
    ticket = whistle(ticket, dispatcher, city)
    assert (ticket.department, ticket.owner, ticket.status) == (city, community.street,
                                                                Status.NEW)
    assert list(ticket.summoned_departments.all()) == [city]
    event = ticket.events.get(action="whistle")
    assert event.actor == dispatcher
    assert event.data["department"] == "城管局" and event.data["origin"] == "示范街道"


def test_a_community_the_street_has_not_allowed_cannot_whistle_and_nothing_changes(
        community, community_head, city):
    ticket = make_ticket(node=community.g5a)
    with pytest.raises(ValidationError) as error:
        whistle(ticket, community_head, city, action="escalate")
    assert "城管局" in error.value.message_dict["department"][0]
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.department, ticket.escalation_level) == (community.g5a, None, 0)
    assert not ticket.summoned_departments.exists()
    assert list(ticket.events.values_list("kind", flat=True)) == ["created"]


def test_a_community_the_street_allows_whistles_to_the_allowed_department_only(
        community, community_head, city, police):
    WhistleRule.objects.create(node_kind="community", node=community.community, department=city)
    ticket = make_ticket(node=community.g5a)
    with pytest.raises(ValidationError):
        whistle(ticket, community_head, police)
    ticket = whistle(ticket, community_head, city, action="escalate")
    assert (ticket.department, ticket.owner) == (city, community.community)
    assert ticket.events.filter(action="whistle").count() == 1
    assert not ticket.events.filter(action="escalate").exists()


def test_a_grid_worker_escalates_one_node_and_is_offered_no_whistle(community, dispatcher, city):
    ticket = make_ticket(node=community.g5a)
    assert "whistle" not in services.allowed_actions(ticket=ticket, user=community.worker_a)
    assert "whistle" in services.allowed_actions(ticket=ticket, user=dispatcher)
    with pytest.raises(ValidationError):
        whistle(ticket, community.worker_a, city)
    ticket = services.ticket_transition(ticket=ticket, actor=community.worker_a,
                                        action="escalate", note="需要片区协调")
    assert (ticket.owner, ticket.department) == (community.g4a, None)


def test_only_the_departments_the_level_may_use_are_offered(community, community_head, city,
                                                            police, login):
    WhistleRule.objects.create(node_kind="community", node=community.community, department=city)
    ticket = make_ticket(node=community.g5a)
    page = login(community_head).get(reverse("tickets:detail", args=[ticket.pk]))
    html = page.content.decode()
    assert 'data-action="whistle"' in html and ">吹哨</button>" in html
    assert "城管局" in html and "派出所" not in html


def test_a_disallowed_department_posted_from_the_page_is_a_chinese_error(
        community, community_head, city, login):
    ticket = make_ticket(node=community.g5a)
    client = login(community_head)
    response = client.post(reverse("tickets:act", args=[ticket.pk]), {
        "action": "escalate", "department": city.pk, "note": "请城管处置"}, follow=True)
    assert response.status_code == 200
    assert "不能向城管局吹哨" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.department) == (community.g5a, None)


def test_the_liaison_hears_that_the_street_whistled_in_the_inbox_and_by_mail(
        community, dispatcher, city):
    liaison = UserFactory(username="liaison_cg", email="cg@example.org")
    city.liaisons.add(liaison)
    ticket = whistle(make_ticket(node=community.g5a, title="占道经营"), dispatcher, city)
    mail.outbox.clear()
    notify_task(ticket.events.get(action="whistle").pk)
    notice = Notification.objects.get(user=liaison)
    assert notice.text.startswith("示范街道吹哨")
    assert "占道经营" in notice.text and "请报到" in notice.text
    assert [m.subject for m in mail.outbox] == [notice.text[:120]]


def test_the_dispatcher_sees_each_departments_latest_report(community, dispatcher, city,
                                                            police, login):
    liaison = UserFactory(username="liaison_cg")
    city.liaisons.add(liaison)
    reported = whistle(make_ticket(node=community.g5a, title="占道经营"), dispatcher, city)
    reported = services.ticket_transition(ticket=reported, actor=liaison, action="accept")
    services.ticket_transition(ticket=reported, actor=liaison, action="start")
    services.ticket_transition(ticket=reported, actor=liaison, action="progress",
                               note="已到现场，责令商户整改")
    waiting = whistle(make_ticket(node=community.g5b, title="噪音扰民"), dispatcher, police)
    make_ticket(node=community.g5a, title="楼道灯不亮")  # not whistled: not listed

    page = login(dispatcher).get(reverse("tickets:whistled"))
    html = page.content.decode()
    assert page.status_code == 200
    city_part = html[html.index('data-department="cgj"'):html.index('data-department="pcs"')]
    police_part = html[html.index('data-department="pcs"'):]
    assert reported.reference in city_part and "已到现场，责令商户整改" in city_part
    assert "已报到" in city_part and "未报到" not in city_part
    assert waiting.reference in police_part and "未报到" in police_part
    assert "楼道灯不亮" not in html
    assert "示范街道" in city_part  # who whistled


def test_the_whistles_page_costs_the_same_queries_for_more_tickets(
        community, dispatcher, city, login, django_assert_max_num_queries):
    client = login(dispatcher)
    whistle(make_ticket(node=community.g5a), dispatcher, city)
    client.get(reverse("tickets:whistled"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("tickets:whistled"))
    for _ in range(4):
        whistle(make_ticket(node=community.g5b), dispatcher, city)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("tickets:whistled"))
