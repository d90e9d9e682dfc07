"""The worker's phone: the home page's 我的任务 counts, the task page with one next step, one
note and one photo picker, photos on the timeline, and forms that say when photos must be chosen
again."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import category, department, make_ticket
from tickets import selectors, services
from tickets.models import Status, Ticket
from tickets.workflow import primary_step

pytestmark = pytest.mark.django_db

PHOTOS_AGAIN = "请重新选择照片"


def png(name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def buttons(page: str) -> list[str]:
    """The steps the task page offers, primary first marked with '*'."""
    found = re.findall(r'<button type="submit" name="action" value="([a-z_]+)"[^>]*?'
                       r'( data-primary)?>', page)
    return [("*" if primary else "") + name for name, primary in found]


def set_deadlines(ticket: Ticket, **deadlines) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(**deadlines)


# --- The next step -------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "contacted", "expected"), [
    (Status.NEW, False, "accept"),
    (Status.ACCEPTED, False, "contact"),
    (Status.ACCEPTED, True, "start"),
    (Status.IN_PROGRESS, True, "resolve"),
    (Status.ON_HOLD, True, "resume"),
    (Status.RESOLVED, True, "reply"),
    (Status.REPLIED, True, "evaluate"),
    (Status.FOLLOW_UP, True, "evaluate"),
])
def test_the_next_step_follows_the_workflow(status, contacted, expected):
    everything = ["accept", "start", "contact", "resolve", "resume", "reply", "evaluate",
                  "comment", "escalate"]
    assert primary_step(status=status, contacted=contacted, allowed=everything) == expected


def test_no_next_step_is_offered_that_the_user_may_not_take():
    assert primary_step(status=Status.NEW, contacted=False, allowed=["comment"]) is None


def test_a_new_task_offers_accept_as_the_one_primary_step_with_one_note_and_one_picker(
        community, login):
    ticket = make_ticket(node=community.g5a)
    page = page_of(login(community.worker_a).get(
        reverse("tickets:task_detail", args=[ticket.pk])))
    steps = buttons(page)
    assert steps[0] == "*accept" and sum(step.startswith("*") for step in steps) == 1
    assert {"return", "escalate", "comment"} <= set(steps), steps
    assert page.count("<textarea") == 1
    assert len(re.findall(r'<input type="file" name="photos" [^>]*accept="image/\*" '
                          r'capture="environment" multiple', page)) == 1
    assert 'class="action-form"' not in page  # no form per step any more
    # The return step reveals its reason only when chosen from the menu.
    assert re.search(r'<details class="step" data-step="return">.*?<select name="reason"', page,
                     re.S)


def test_accepted_then_contacted_the_primary_step_moves_on(community, login):
    ticket = make_ticket(node=community.g5a)
    client = login(community.worker_a)
    url = reverse("tickets:task_detail", args=[ticket.pk])
    client.post(reverse("tickets:act", args=[ticket.pk]), {"action": "accept", "next": url})
    assert buttons(page_of(client.get(url)))[0] == "*contact"
    client.post(reverse("tickets:act", args=[ticket.pk]),
                {"action": "contact", "note": "已电话联系居民", "next": url})
    steps = buttons(page_of(client.get(url)))
    assert steps[0] == "*start" and "resolve" in steps


def test_the_evaluation_is_asked_with_the_primary_step(community, login):
    ticket = make_ticket(node=community.g5a)
    for action, note in (("accept", ""), ("resolve", "已修好"), ("reply", "已修好，感谢")):
        services.ticket_transition(ticket=ticket, actor=community.worker_a, action=action,
                                   note=note)
    page = page_of(login(community.worker_a).get(
        reverse("tickets:task_detail", args=[ticket.pk])))
    primary = page[page.index('id="primary-step"'):page.index('id="more-steps"')]
    assert primary.count('name="satisfaction"') == 3 and 'value="evaluate"' in primary


def test_a_step_that_fails_keeps_its_note_and_says_the_photos_must_be_chosen_again(
        community, login):
    ticket = make_ticket(node=community.g5a)
    client = login(community.worker_a)
    url = reverse("tickets:task_detail", args=[ticket.pk])
    response = client.post(reverse("tickets:act", args=[ticket.pk]), {
        "action": "return", "note": "不是本网格的事", "photos": [png()], "next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = page_of(client.get(url))
    assert "不是本网格的事</textarea>" in page
    assert 'id="photos-dropped"' in page
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and not ticket.photos.exists()
    # Shown once: the next visit starts with an empty note.
    again = page_of(client.get(url))
    assert "不是本网格的事</textarea>" not in again and 'id="photos-dropped"' not in again


# --- Home: 我的任务 first ------------------------------------------------------------------


def test_home_leads_with_my_tasks_new_due_soon_and_overdue(community, login):
    now = timezone.now()
    soon = make_ticket(node=community.g5a, title="今天要签收")
    later = make_ticket(node=community.g5a, title="下周才到期")
    late = make_ticket(node=community.g5a, title="已经超时")
    services.ticket_transition(ticket=late, actor=community.worker_a, action="accept")
    make_ticket(node=community.g5b, title="邻居的")
    set_deadlines(soon, accept_due_at=now + dt.timedelta(hours=2))
    set_deadlines(later, accept_due_at=now + dt.timedelta(days=5))
    set_deadlines(late, resolve_due_at=now - dt.timedelta(hours=1))
    page = page_of(login(community.worker_a).get(reverse("home")))
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', page))
    assert counts == {"new": "2", "due_soon": "1", "overdue": "1"}
    tasks = reverse("tickets:my_tasks")
    for group in counts:
        assert f'href="{tasks}?show={group}"' in page
    assert page.index('id="my-task-counts"') < page.index('id="quick-actions"') < page.index(
        'id="my-nodes"')
    assert page.index("查找住户") < page.index("我的楼栋")


def test_the_home_counts_cost_the_same_queries_for_many_tasks(community, login):
    client = login(community.worker_a)
    make_ticket(node=community.g5a)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(12):
        make_ticket(node=community.g5a)
    with CaptureQueriesContext(connection) as many:
        page = page_of(client.get(reverse("home")))
    assert 'data-count="new">13<' in page
    assert len(many) == len(few)
    assert selectors.my_task_counts(user=community.worker_a)["total"] == 13


def test_my_tasks_narrow_to_the_group_counted_on_home(community, login):
    now = timezone.now()
    fresh = make_ticket(node=community.g5a, title="新来的")
    late = make_ticket(node=community.g5a, title="超时的")
    services.ticket_transition(ticket=late, actor=community.worker_a, action="accept")
    set_deadlines(fresh, accept_due_at=now + dt.timedelta(days=3))
    set_deadlines(late, resolve_due_at=now - dt.timedelta(hours=1))
    client = login(community.worker_a)
    url = reverse("tickets:my_tasks")
    assert "新来的" in page_of(client.get(url, {"show": "new"}))
    assert "超时的" not in page_of(client.get(url, {"show": "new"}))
    overdue = page_of(client.get(url, {"show": "overdue"}))
    assert "超时的" in overdue and "新来的" not in overdue
    assert "新来的" not in page_of(client.get(url, {"show": "due_soon"}))
    everything = page_of(client.get(url, {"show": "nonsense"}))
    assert "新来的" in everything and "超时的" in everything


def test_a_department_liaison_is_not_sent_to_the_registry_from_home(community, login):
    liaison = UserFactory(username="liaison")
    AssignmentFactory(user=liaison, node=community.street, role=Role.DEPARTMENT_LIAISON)
    department().liaisons.add(liaison)
    client = login(liaison)
    assert client.get(reverse("residents:household_lookup")).status_code == 403
    page = page_of(client.get(reverse("home")))
    assert 'id="my-task-counts"' in page
    assert reverse("residents:household_lookup") not in page


# --- Photos on the timeline ----------------------------------------------------------------


def test_a_residents_photos_show_on_the_timeline_for_staff_but_not_on_the_tracking_page(
        community, login):
    ticket = services.ticket_self_report(
        key="k-photo-1", node=community.g5a, category=category(), title="井盖松动",
        description="小区东门井盖松动", address="东门", reporter_name="王阿姨",
        reporter_phone="13712345678", photos=[png("a.png"), png("b.png")])
    photos = list(ticket.photos.order_by("pk"))
    assert len(photos) == 2 and not any(photo.public for photo in photos)
    urls = [reverse("tickets:photo", args=[ticket.pk, photo.pk]) for photo in photos]
    for user, page_name in ((community.center_staff, "tickets:detail"),
                            (community.worker_a, "tickets:task_detail")):
        client = login(user)
        page = page_of(client.get(reverse(page_name, args=[ticket.pk])))
        created = page[page.index('id="ticket-timeline"'):]
        created = created[:created.index("</li>")]
        for url in urls:
            assert f'href="{url}"' in created and f'src="{url}"' in created
            assert client.get(url)["Content-Type"] == "image/png"
    client.logout()
    public = page_of(client.get(reverse("public:track", args=[ticket.tracking_token])))
    assert "井盖松动" in public
    assert not any(url in public for url in urls)
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_photos_taken_when_entering_a_ticket_show_on_its_timeline(community, login):
    client = login(community.worker_a)
    client.post(reverse("tickets:quick_report"), {
        "category": category().pk, "node": community.g5a.pk, "title": "路面塌陷",
        "whistle": "routine", "photos": [png()]})
    ticket = Ticket.objects.get(title="路面塌陷")
    photo = ticket.photos.get()
    page = page_of(client.get(reverse("tickets:detail", args=[ticket.pk])))
    assert f'src="{reverse("tickets:photo", args=[ticket.pk, photo.pk])}"' in page


# --- Forms with photos ---------------------------------------------------------------------


def test_a_ticket_form_sent_back_with_errors_says_the_photos_must_be_chosen_again(
        community, login):
    client = login(community.center_staff)
    data = {"channel": "walk_in", "whistle": "routine", "category": category().pk,
            "title": "", "description": "楼道堆物", "node": community.g5a.pk}
    with_photo = page_of(client.post(reverse("tickets:create"), {**data, "photos": [png()]}))
    assert PHOTOS_AGAIN in with_photo and 'id="photos-again"' in with_photo
    without = page_of(client.post(reverse("tickets:create"), data))
    assert 'id="photos-again"' not in without
    assert not Ticket.objects.exists()


def test_a_quick_report_sent_back_says_the_photos_must_be_chosen_again(community, login):
    client = login(community.worker_a)
    page = page_of(client.post(reverse("tickets:quick_report"), {
        "category": category().pk, "node": community.g5a.pk, "title": "",
        "whistle": "routine", "photos": [png()]}))
    assert PHOTOS_AGAIN in page
    assert not Ticket.objects.exists()
