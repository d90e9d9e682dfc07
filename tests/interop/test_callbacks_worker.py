"""Call-backs travel through the real Redis broker to a real Celery worker and on to the
hotline's receiver."""

import pytest
from celery.contrib.testing.worker import start_worker

from interop.models import CallbackDelivery
from tests.interop.test_callbacks import pushed_ticket, step
from tests.processes import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_worker_on_redis_delivers_each_step_to_the_receiver(hotline, receiver, community,
                                                              redis_app):
    receiver.start()
    ticket = pushed_ticket(hotline)
    redis_app.control.purge()
    # Each step commits, then queues its call-back's delivery on Redis. (The steps go before
    # the worker starts: the test database, SQLite in memory, is shared between threads and
    # would meet a worker's write with a table lock.)
    step(ticket, community.admin, "accept")
    step(ticket, community.admin, "start")
    step(ticket, community.admin, "resolve", note="已更换灯泡")
    assert receiver.received == []
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        wait_for("the worker to deliver both call-backs", lambda: len(receiver.received) >= 2)
        wait_for("the deliveries to be recorded", lambda: not CallbackDelivery.objects.filter(
            state="pending").exists())
    assert receiver.steps() == ["accepted", "resolved"]
    assert all(call["genuine"] for call in receiver.received)
    assert [call["body"]["sequence"] for call in receiver.received] == [1, 2]
    assert set(CallbackDelivery.objects.values_list("state", flat=True)) == {"delivered"}
