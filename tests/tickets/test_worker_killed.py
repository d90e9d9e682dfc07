"""A real Celery worker on the real Redis is killed (SIGKILL) in the middle of a reminder's
delivery: once a worker runs again, the reminder is delivered, and nobody is told twice.

The worker is a separate process (`celery -A gridportal worker`) reading the test database, so
the test needs PostgreSQL as well as Redis (SQLite's test database lives in this process's
memory). What makes it hold: late acknowledgement (the message stays on Redis, unacknowledged,
until the task returns), a visibility timeout after which Redis gives such a message to another
worker, and deliveries keyed per recipient (tickets.inbox).
"""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import REDIS_TEST_URL
from tests.processes import database_url, wait_for
from tests.tickets.factories import make_ticket
from tests.tickets.robots import GroupRobot
from tickets.models import (
    NodeWebhook,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStage,
)
from tickets.tasks import deliver_reminder_task

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(queue: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": REDIS_TEST_URL,
           "CELERY_VISIBILITY_TIMEOUT": "3", "VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "gridportal.settings", "CELERY_TASK_ALWAYS_EAGER": "0"}
    log = (tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gridportal", "worker", "--pool=solo",
         "-Q", queue, "-n", f"killed-{uuid.uuid4().hex[:8]}@%h", "--without-mingle",
         "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _wait_for(condition, seconds: float, what: str, tmp_path: Path) -> None:
    try:
        wait_for(what, condition, seconds)
    except AssertionError:
        logs = "\n".join(p.read_text(errors="replace")[-3000:]
                         for p in tmp_path.glob("worker-*.log"))
        pytest.fail(f"{what} did not happen; worker logs:\n{logs}")


@pytest.fixture
def robot():
    with GroupRobot(hang_first=True) as server:
        yield server


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_nothing(
        community, redis_app, robot, tmp_path):
    ticket = make_ticket(node=community.g5a)
    NodeWebhook.objects.create(node=community.g5a, url=robot.url)
    reminder = Reminder.objects.create(ticket=ticket, stage=ReminderStage.ACCEPT,
                                       kind=ReminderKind.OVERDUE)
    queue = redis_app.conf.task_default_queue
    redis_app.control.purge()

    first = _start_worker(queue, tmp_path)
    try:
        deliver_reminder_task.apply_async((reminder.pk,), queue=queue)
        # The worker has written the inbox and waits on the group robot: kill it there.
        _wait_for(robot.first_arrived.is_set, 90, "the first delivery reaching the robot",
                  tmp_path)
        told = Notification.objects.filter(key__startswith=f"reminder:{reminder.pk}:")
        assert told.filter(user=community.worker_a).count() == 1
        assert not told.filter(user=None).exists()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)

    second = _start_worker(queue, tmp_path)
    try:
        # Redis gives the unacknowledged message to the new worker after the visibility
        # timeout; the delivery runs again and the robot now answers.
        _wait_for(lambda: told.filter(user=None).exists(), 90,
                  "the redelivered reminder reaching the group", tmp_path)
    finally:
        _stop(second)

    assert len(robot.received) == 2  # the post the killed worker never saw answered, and the retry
    assert told.filter(user=community.worker_a).count() == 1
    assert told.filter(user=None).count() == 1
    assert told.count() == len({n.key for n in told})
