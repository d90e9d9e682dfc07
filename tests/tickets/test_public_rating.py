"""A resident rates the outcome of their report on the tracking page (你盯我办): once, after it was
dealt with, within the days the rating policy allows; the same through the public API."""

import datetime as dt
import html

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tests.tickets.factories import make_ticket
from tickets import kpis, services
from tickets.models import (
    EvaluationPolicy,
    Notification,
    Status,
    Ticket,
    TicketEvent,
    UnsatisfiedTo,
)
from tickets.tasks import notify_task
from tickets.throttles import RATINGS_PER_IP

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
DONE = "已更换3楼楼道灯，恢复照明。"
COMMENT = "师傅来得很快，灯已经亮了。"


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def _fresh_rate_limits(fresh_rate_limits):
    yield


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def resolved_ticket(community, *, reply=False) -> Ticket:
    worker = community.worker_a
    ticket = make_ticket(node=community.g5a, reporter_name="张秀兰",
                         reporter_phone="13712345678")
    for action, note in (("accept", ""), ("start", ""), ("resolve", DONE)):
        ticket = services.ticket_transition(ticket=ticket, actor=worker, action=action,
                                            note=note)
    if reply:
        ticket = services.ticket_transition(ticket=ticket, actor=worker, action="reply",
                                            note="您好，灯已修好。")
    return ticket


def rate_page(client, ticket, satisfaction="satisfied", comment=COMMENT):
    return client.post(reverse("public:rate", args=[ticket.tracking_token]),
                       {"satisfaction": satisfaction, "comment": comment})


def rate_api(ticket, satisfaction="satisfied", comment=COMMENT, client=None):
    client = client or APIClient()
    return client.post(f"/api/v1/public/tickets/{ticket.tracking_token}/rating/",
                       {"satisfaction": satisfaction, "comment": comment}, format="json")


def set_policy(**fields) -> None:
    EvaluationPolicy.objects.update_or_create(pk=EvaluationPolicy.objects.first().pk,
                                              defaults=fields)


def test_the_default_policy_gives_seven_days_and_sends_unsatisfied_back_to_the_owner():
    policy = EvaluationPolicy.objects.get()
    assert (policy.rating_days, policy.unsatisfied_to) == (7, UnsatisfiedTo.OWNER)


def test_a_resident_rates_a_resolved_report_satisfied_and_it_closes(client, community, frozen):
    ticket = resolved_ticket(community)
    page = text(client.get(reverse("public:track", args=[ticket.tracking_token])))
    assert 'id="rating-form"' in page
    assert zh("Satisfied") in page and zh("Basically satisfied") in page
    assert zh("Unsatisfied") in page

    response = rate_page(client, ticket)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.satisfaction == "satisfied"
    assert ticket.rated_at == START and ticket.closed_at == START
    assert ticket.rating_comment == COMMENT
    event = ticket.events.get(action="rate")
    assert event.public and event.actor is None and event.note == COMMENT
    page = text(client.get(response["Location"]))
    assert 'id="rating-form"' not in page
    line = zh("%(label)s: %(rating)s") % {"label": zh("Your rating"), "rating": zh("Satisfied")}
    assert line == "您的评价：满意"
    assert line in page and COMMENT in page


def test_basically_satisfied_after_the_reply_closes_it_too(community, frozen):
    ticket = resolved_ticket(community, reply=True)
    assert rate_api(ticket, "basically").status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction) == (Status.CLOSED, "basically")


def test_a_second_rating_is_refused_and_changes_nothing(client, community, frozen):
    ticket = resolved_ticket(community, reply=True)
    services.ticket_rate(ticket=ticket, satisfaction="unsatisfied", comment="还是不亮")
    ticket.refresh_from_db()
    before = (ticket.status, ticket.satisfaction, ticket.rating_comment, ticket.owner_id)
    again = zh("This report has already been rated. Each report can be rated once.")

    response = rate_api(ticket, "satisfied")
    assert response.status_code == 400 and response.json() == {"satisfaction": [again]}
    page = rate_page(client, ticket, "satisfied")
    assert page.status_code == 400 and again in text(page)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.rating_comment,
            ticket.owner_id) == before
    assert ticket.events.filter(action="rate").count() == 1


def test_a_rating_before_the_report_is_dealt_with_is_refused(client, community, frozen):
    ticket = make_ticket(node=community.g5a)
    response = rate_api(ticket)
    assert response.status_code == 400
    assert response.json() == {"satisfaction": [
        zh("You can rate this report once it has been dealt with.")]}
    page = client.get(reverse("public:track", args=[ticket.tracking_token]))
    assert 'id="rating-form"' not in text(page)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.satisfaction == "" and ticket.rated_at is None


def test_the_days_to_rate_are_set_by_the_policy_and_a_late_rating_is_refused(
        client, community, frozen):
    set_policy(rating_days=3)
    late, in_time = resolved_ticket(community), resolved_ticket(community)
    frozen.move_to(START + dt.timedelta(days=3, minutes=1))
    response = rate_api(late)
    assert response.status_code == 400
    assert response.json() == {"satisfaction": [
        zh("The time to rate this report ended on %(date)s.") % {"date": "2026-06-04"}]}
    assert 'id="rating-form"' not in text(
        client.get(reverse("public:track", args=[late.tracking_token])))
    late.refresh_from_db()
    assert late.status == Status.RESOLVED and late.rated_at is None

    set_policy(rating_days=7)
    assert rate_api(in_time).status_code == 200


def test_unsatisfied_reopens_the_work_at_the_owner_and_tells_its_worker(
        community, frozen, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(community, reply=True)
    with django_capture_on_commit_callbacks() as queued:
        response = rate_api(ticket, "unsatisfied", "灯还是一闪一闪的")
    assert response.status_code == 200
    assert response.json()["rating"]["satisfaction"] == "unsatisfied"
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.owner == community.g5a
    assert ticket.resolved_at is None and ticket.satisfaction == "unsatisfied"
    assert len(queued) == 1
    event = ticket.events.get(action="rate")
    assert notify_task(event.pk) == 1
    notice = Notification.objects.get(user=community.worker_a, ticket=ticket)
    assert ticket.reference in notice.text


def test_unsatisfied_goes_to_the_supervisor_when_the_policy_says_so(community, frozen):
    set_policy(unsatisfied_to=UnsatisfiedTo.SUPERVISOR)
    ticket = resolved_ticket(community)
    assert rate_api(ticket, "unsatisfied", "没修好").status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.owner == community.g4a
    assert ticket.assignee is None and ticket.resolved_at is None
    assert ticket.accept_due_at > START
    event = ticket.events.get(action="rate")
    assert (event.data["from_owner"], event.data["to_owner"]) == (community.g5a.name,
                                                                  community.g4a.name)


def test_a_wrong_answer_or_a_long_comment_is_a_400_naming_the_field(community, frozen):
    ticket = resolved_ticket(community)
    wrong = rate_api(ticket, "excellent")
    assert wrong.status_code == 400 and list(wrong.json()) == ["satisfaction"]
    assert wrong.json()["satisfaction"] == [
        zh("Choose satisfied, basically satisfied or unsatisfied.")]
    long = rate_api(ticket, "satisfied", "很" * 501)
    assert long.status_code == 400 and list(long.json()) == ["comment"]
    assert rate_api(ticket, "").status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.rated_at is None


def test_the_page_says_which_answer_is_missing(client, community, frozen):
    ticket = resolved_ticket(community)
    response = rate_page(client, ticket, satisfaction="")
    assert response.status_code == 400
    assert zh("Choose satisfied, basically satisfied or unsatisfied.") in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_staff_cannot_rate_in_the_residents_place(community, frozen):
    ticket = resolved_ticket(community)
    assert "rate" not in services.allowed_actions(ticket=ticket, user=community.admin)
    with pytest.raises(PermissionDenied):
        services.ticket_transition(ticket=ticket, actor=community.worker_a, action="rate",
                                   satisfaction="satisfied")
    ticket.refresh_from_db()
    assert ticket.rated_at is None


def test_the_rating_feeds_the_satisfaction_rate_and_the_grid_ranking(community, frozen):
    for answer in ("satisfied", "basically", "unsatisfied", "satisfied"):
        assert rate_api(resolved_ticket(community), answer).status_code == 200
    report = kpis.ticket_kpis(user=community.center_staff)
    assert (report.summary.evaluated, report.summary.satisfied) == (4, 3)
    assert str(report.summary.satisfaction_rate) == "75.0"
    g5a = next(row for row in report.grids if row.pk == community.g5a.pk)
    assert str(g5a.figures.satisfaction_rate) == "75.0"


def test_ratings_are_limited_per_address(client, community, frozen):
    ticket = resolved_ticket(community)
    api = APIClient()
    allowed = int(RATINGS_PER_IP.split("/")[0])
    for _ in range(allowed):
        assert rate_api(ticket, "excellent", client=api).status_code == 400
    refused = rate_api(ticket, "satisfied", client=api)
    assert refused.status_code == 429
    page = rate_page(client, ticket)  # the page shares the address's allowance
    assert page.status_code == 429
    ticket.refresh_from_db()
    assert ticket.rated_at is None


def test_staff_see_the_residents_rating_and_comment_on_the_ticket_page(client, community, frozen):
    ticket = resolved_ticket(community)
    rate_page(client, ticket, "basically", COMMENT)
    client.force_login(community.worker_a)
    page = text(client.get(reverse("tickets:detail", args=[ticket.pk])))
    assert zh("Resident's rating") in page and COMMENT in page
    assert zh("Basically satisfied") in page
    assert zh("Rated by the resident") in page  # the timeline's line
    assert TicketEvent.objects.filter(ticket=ticket, action="rate", public=True).exists()
