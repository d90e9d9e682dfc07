import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from tests.tickets.factories import category, make_ticket
from tickets import services
from tickets.models import Status, Ticket, TicketPhoto

pytestmark = pytest.mark.django_db


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def test_the_queue_shows_only_the_workers_tickets(community, login):
    make_ticket(node=community.g5a, title="我的工单")
    make_ticket(node=community.g5b, title="邻居的工单")
    body = login(community.worker_a).get(reverse("tickets:queue")).content.decode()
    assert "我的工单" in body and "邻居的工单" not in body


def test_the_queue_costs_a_fixed_number_of_queries(community, login):
    client = login(community.hub1_head)
    for _ in range(3):
        make_ticket(node=community.g5a)
    client.get(reverse("tickets:queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tickets:queue"))
    for _ in range(30):
        make_ticket(node=community.g5b)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("tickets:queue"))
    assert len(many) == len(few) <= 10


def test_the_queue_pages_by_keyset(community, login):
    for n in range(55):
        make_ticket(node=community.g5a, title=f"工单{n:02d}")
    client = login(community.admin)
    first = client.get(reverse("tickets:queue")).content.decode()
    assert "工单54" in first and "工单04" not in first
    before = Ticket.objects.order_by("-id")[49].pk
    second = client.get(reverse("tickets:queue"), {"before": before}).content.decode()
    assert "工单04" in second and "工单54" not in second


def test_the_ticket_page_costs_at_most_thirteen_queries(community, login):
    ticket = make_ticket(node=community.g5a)
    for note in ("一", "二", "三"):
        services.ticket_transition(ticket=ticket, actor=community.admin, action="comment",
                                   note=note)
    client = login(community.worker_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert response.status_code == 200
    # Twelve for the page, one for the panels other apps add (is it a client's work order?).
    assert len(queries) <= 13


def test_staff_enter_a_ticket_with_a_photo(community, registry, login):
    client = login(community.center_staff)
    response = client.post(reverse("tickets:create"), {
        "channel": "walk_in", "whistle": "routine", "category": category().pk,
        "title": "下水道堵塞", "description": "1栋门口下水道堵了", "node": community.g5a.pk,
        "building": registry.building_a.pk, "reporter_name": "张阿姨",
        "reporter_phone": "13811112222", "photos": [png()],
    })
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="下水道堵塞")
    assert ticket.owner == community.g5a and ticket.photos.count() == 1


def test_a_bad_phone_on_the_entry_form_is_a_field_error(community, login):
    client = login(community.center_staff)
    response = client.post(reverse("tickets:create"), {
        "channel": "walk_in", "whistle": "routine", "category": category().pk, "title": "x",
        "description": "y", "node": community.g5a.pk, "reporter_phone": "12ab"})
    assert response.status_code == 200 and not Ticket.objects.exists()


def test_a_worker_accepts_resolves_with_a_photo_and_replies_on_the_phone(community, login):
    ticket = make_ticket(node=community.g5a, title="路灯不亮")
    client = login(community.worker_a)
    tasks = client.get(reverse("tickets:my_tasks")).content.decode()
    assert "路灯不亮" in tasks
    task_url = reverse("tickets:task_detail", args=[ticket.pk])
    act_url = reverse("tickets:act", args=[ticket.pk])
    for data in ({"action": "accept"}, {"action": "start"},
                 {"action": "resolve", "note": "已更换灯泡", "photos": [png()]},
                 {"action": "reply", "note": "路灯已修好，感谢反映"}):
        response = client.post(act_url, {**data, "next": task_url})
        assert response.status_code == 302 and response["Location"] == task_url
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED
    photo = TicketPhoto.objects.get(ticket=ticket)
    assert photo.public and photo.event.action == "resolve"
    page = client.get(task_url).content.decode()
    assert reverse("tickets:photo", args=[ticket.pk, photo.pk]) in page


def test_a_conflicting_step_is_explained_not_crashed(community, login):
    ticket = make_ticket(node=community.g5a)
    services.ticket_transition(ticket=ticket, actor=community.admin, action="accept")
    client = login(community.worker_a)
    response = client.post(reverse("tickets:act", args=[ticket.pk]), {"action": "accept"},
                           follow=True)
    assert response.status_code == 200
    assert "不能" in response.content.decode() or "cannot" in response.content.decode()


def test_photos_are_scoped_with_their_ticket(community, login):
    mine = make_ticket(node=community.g5a)
    theirs = make_ticket(node=community.g5b)
    photo = services.ticket_photo_add(ticket=theirs, actor=None, photo=png())
    client = login(community.worker_a)
    assert client.get(reverse("tickets:photo", args=[theirs.pk, photo.pk])).status_code == 404
    assert client.get(reverse("tickets:photo", args=[mine.pk, photo.pk])).status_code == 404


def test_resident_written_text_is_escaped(community, login):
    ticket = make_ticket(node=community.g5a, title="<script>alert(1)</script>",
                         description="<img src=x onerror=alert(1)>")
    body = login(community.worker_a).get(reverse("tickets:detail", args=[ticket.pk])).content
    assert b"<script>alert(1)</script>" not in body and b"<img src=x" not in body


def test_the_bell_counts_unread_notifications(community, login):
    from tickets.models import Notification

    Notification.objects.create(user=community.worker_a, text="新工单")
    client = login(community.worker_a)
    assert 'id="inbox-bell"' in client.get(reverse("home")).content.decode()
    client.post(reverse("tickets:inbox"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_household_card_lists_its_open_tickets(community, registry, login):
    open_ticket = make_ticket(dwelling=registry.dwelling_a, title="漏水")
    body = login(community.worker_a).get(
        reverse("residents:household_detail", args=[registry.household_a.pk])).content.decode()
    assert "漏水" in body and reverse("tickets:detail", args=[open_ticket.pk]) in body


def test_a_worker_reports_a_problem_from_patrol_with_a_photo(community, login):
    client = login(community.worker_a)
    assert client.get(reverse("tickets:quick_report")).status_code == 200
    response = client.post(reverse("tickets:quick_report"), {
        "category": category().pk, "node": community.g5a.pk, "title": "井盖缺失",
        "whistle": "key", "photos": [png()]})
    ticket = Ticket.objects.get(title="井盖缺失")
    assert response["Location"] == reverse("tickets:task_detail", args=[ticket.pk])
    assert (ticket.channel, ticket.owner, ticket.photos.count()) == ("patrol", community.g5a, 1)
    refused = client.post(reverse("tickets:quick_report"), {
        "category": category().pk, "node": community.g5b.pk, "title": "越界", "whistle": "key"})
    assert refused.status_code == 200 and not Ticket.objects.filter(title="越界").exists()


def test_the_ticket_admin_is_scoped_and_escapes_resident_text(community, login):
    mine = make_ticket(node=community.g5a, title="<b>加粗</b>")
    make_ticket(node=community.other, title="六合的工单")
    staff = community.center_staff
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    body = login(staff).get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert mine.reference in body and "六合的工单" not in body
    assert "<b>加粗</b>" not in body and "&lt;b&gt;加粗&lt;/b&gt;" in body
