"""A list row's link and badges, drawn without a reverse() or an include for each row."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tests.tickets.factories import make_ticket
from tickets.models import Status, Ticket, Whistle

pytestmark = pytest.mark.django_db


def test_each_row_of_the_queue_opens_its_own_ticket(community, login):
    tickets = [make_ticket(node=community.g5a, title=f"工单{n}") for n in range(3)]
    client = login(community.worker_a)
    body = client.get(reverse("tickets:queue")).content.decode()
    for ticket in tickets:
        assert body.count(f'href="{reverse("tickets:detail", args=[ticket.pk])}"') == 2
        page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
        assert ticket.reference in page


def test_each_of_my_tasks_opens_its_task_page(community, login):
    ticket = make_ticket(node=community.g5a)
    client = login(community.worker_a)
    body = client.get(reverse("tickets:my_tasks")).content.decode()
    link = reverse("tickets:task_detail", args=[ticket.pk])
    assert f'href="{link}"' in body
    assert client.get(link).status_code == 200


def test_the_queue_marks_late_stopped_and_whistled_tickets(community, login):
    now = timezone.now()
    late = make_ticket(node=community.g5a, title="超时未受理")
    waiting = make_ticket(node=community.g5a, title="待受理")
    stopped = make_ticket(node=community.g5a, title="暂停")
    loud = make_ticket(node=community.g5a, title="紧急")
    Ticket.objects.filter(pk=late.pk).update(accept_due_at=now - dt.timedelta(hours=1))
    Ticket.objects.filter(pk=waiting.pk).update(accept_due_at=now + dt.timedelta(hours=5))
    Ticket.objects.filter(pk=stopped.pk).update(status=Status.ON_HOLD)
    Ticket.objects.filter(pk=loud.pk).update(whistle=Whistle.EMERGENCY)
    body = login(community.worker_a).get(reverse("tickets:queue")).content.decode()
    rows = {title: row for row in re.findall(r"<tr>.*?</tr>", body, re.S)
            for title in ("超时未受理", "待受理", "暂停", "紧急") if title in row}
    with translation.override("zh-hans"):
        assert gettext("Accept overdue") in rows["超时未受理"]
        due = timezone.localtime(now + dt.timedelta(hours=5)).strftime("%m-%d %H:%M")
        assert f"{gettext('Accept by')} {due}" in rows["待受理"]
        assert gettext("Clock stopped") in rows["暂停"]
        assert f'whistle-emergency">{Whistle.EMERGENCY.label}<' in rows["紧急"]
        assert f'status-new">{Status.NEW.label}<' in rows["待受理"]
    assert "whistle-" not in rows["待受理"]


def test_badges_speak_the_language_of_each_page():
    ticket = Ticket(status=Status.NEW, whistle=Whistle.KEY,
                    accept_due_at=timezone.now() - dt.timedelta(hours=1))
    template = Template("{% load ticket_tags %}{% ticket_status ticket %} "
                        "{% ticket_deadline ticket %}")
    for language in ("zh-hans", "en", "zh-hans"):
        with translation.override(language):
            html = template.render(Context({"ticket": ticket, "now": timezone.now()}))
            assert f">{Status.NEW.label}<" in html
            assert f">{Whistle.KEY.label}<" in html
            assert f">{gettext('Accept overdue')}<" in html
