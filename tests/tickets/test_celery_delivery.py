"""A reminder travels through the real Redis broker to a real Celery worker."""

import datetime as dt
import uuid

import pytest
import time_machine
from celery import Celery
from celery.contrib.testing.worker import start_worker

from tests.conftest import REDIS_TEST_URL
from tests.tickets.factories import make_ticket
from tickets.models import Notification, Reminder, SLAPolicy, Whistle
from tickets.sweep import sweep
from tickets.tasks import deliver_reminder_task

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_app():
    from gridportal.celery import app as portal_app

    app = Celery("gridportal-redis-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # A queue of its own, so that another test run on the same Redis cannot take its tasks.
    app.conf.update(broker_url=REDIS_TEST_URL, result_backend=REDIS_TEST_URL,
                    task_ignore_result=False, broker_transport_options={},
                    task_default_queue=f"gridportal-test-{uuid.uuid4().hex}")
    app.set_current()
    app.set_default()
    yield app
    app.close()
    portal_app.set_current()
    portal_app.set_default()


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
