"""The inbox and its e-mail copy: each told once, even when a delivery is cut short between the
two (a worker killed after writing the inbox row and before sending the mail)."""

import pytest
from django.core import mail

from tests.tickets.factories import make_ticket
from tickets.inbox import inbox_and_mail
from tickets.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(community):
    community.worker_a.email = "worker_a@example.org"
    community.worker_a.save()
    return community.worker_a


def test_a_delivery_writes_the_inbox_and_mails_once_however_often_it_runs(community, worker):
    ticket = make_ticket(node=community.g5a)
    mail.outbox.clear()
    for _ in range(3):
        inbox_and_mail(users={worker, community.worker_b}, text="工单即将超时",
                       key_prefix="reminder:1", ticket=ticket)
    assert Notification.objects.filter(key__startswith="reminder:1:").count() == 2
    assert [m.to for m in mail.outbox] == [["worker_a@example.org"]]


def test_a_delivery_cut_short_before_the_mail_sends_it_when_it_runs_again(community, worker):
    ticket = make_ticket(node=community.g5a)
    Notification.objects.create(user=worker, ticket=ticket, text="工单即将超时",
                                key=f"reminder:2:{worker.pk}")  # the row, and no mail yet
    mail.outbox.clear()
    assert inbox_and_mail(users={worker}, text="工单即将超时", key_prefix="reminder:2",
                          ticket=ticket) == 0
    assert [m.to for m in mail.outbox] == [["worker_a@example.org"]]
    inbox_and_mail(users={worker}, text="工单即将超时", key_prefix="reminder:2", ticket=ticket)
    assert len(mail.outbox) == 1
    assert Notification.objects.get(key=f"reminder:2:{worker.pk}").mailed_at is not None
