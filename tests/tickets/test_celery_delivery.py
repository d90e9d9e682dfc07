"""A reminder travels through the real Redis broker to a real Celery worker."""

import datetime as dt

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker

from tests.tickets.factories import make_ticket
from tickets.models import Notification, Reminder, SLAPolicy, Whistle
from tickets.sweep import sweep
from tickets.tasks import deliver_reminder_task

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_worker_on_redis_delivers_a_due_soon_reminder(community, redis_app):
    SLAPolicy.objects.update_or_create(whistle=Whistle.ROUTINE, node_kind="grid5", defaults={
        "accept_hours": 4, "contact_hours": 8, "resolve_amount": 8, "resolve_unit": "hours"})
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False):
        ticket = make_ticket(node=community.g5a)
    # The new-ticket notice queued by make_ticket is not this test's business; a worker taking
    # it while the sweep writes would meet SQLite's table lock (the test database is shared
    # in memory between threads).
    redis_app.control.purge()
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # The sweep records the reminder and, after its commit, queues the delivery on Redis.
        assert sweep(start + dt.timedelta(hours=3, minutes=1)) == {"accept:due_soon": 1}
        reminder = Reminder.objects.get(ticket=ticket)
        # Queued behind it on the same worker: a repeat delivery finds nothing left to send.
        assert deliver_reminder_task.delay(reminder.pk).get(timeout=30) == 0
    assert Notification.objects.filter(user=community.worker_a,
                                       key__startswith=f"reminder:{reminder.pk}:").count() == 1
