"""The nightly tree check, delivered through a real broker to a real Celery worker."""

import uuid

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail

from grids.models import GridNode
from grids.tasks import check_tree_task
from tests.conftest import REDIS_TEST_URL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def celery_app_on(settings, tmp_path):
    """A Celery app configured like the portal's, on the broker the test names."""
    from gridportal.celery import app as portal_app

    settings.ADMINS = [("Admin", "admin@example.org")]
    apps = []

    def _make(broker: str) -> Celery:
        app = Celery("gridportal-test")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        # A queue of its own, so that another test run on the same Redis cannot take its tasks.
        conf = {"broker_url": broker, "task_ignore_result": False,
                "broker_transport_options": {},
                "task_default_queue": f"gridportal-test-{uuid.uuid4().hex}"}
        if broker == "filesystem://":
            for folder in ("queue", "processed", "control"):
                (tmp_path / folder).mkdir()
            conf["broker_transport_options"] = {
                "data_folder_in": str(tmp_path / "queue"),
                "data_folder_out": str(tmp_path / "queue"),
                "processed_folder": str(tmp_path / "processed"),
                "control_folder": str(tmp_path / "control"),
            }
            conf["result_backend"] = "cache+memory://"
        else:
            conf["result_backend"] = broker
        app.conf.update(conf)
        app.set_current()
        app.set_default()
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.close()
    portal_app.set_current()
    portal_app.set_default()


def _damage_and_check_through(app: Celery, community) -> None:
    GridNode.objects.filter(pk=community.g5b.pk).update(rght=1)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = check_tree_task.delay()
        assert result.get(timeout=30) > 0
    assert len(mail.outbox) == 1
    assert "check_tree --repair" in mail.outbox[0].body


def test_tree_check_reaches_a_worker_through_the_file_broker_used_by_make_run(
    celery_app_on, community
):
    _damage_and_check_through(celery_app_on("filesystem://"), community)


@pytest.mark.redis
def test_tree_check_reaches_a_worker_through_redis(celery_app_on, community):
    _damage_and_check_through(celery_app_on(REDIS_TEST_URL), community)


def test_a_sound_tree_sends_no_mail(community, settings):
    settings.ADMINS = [("Admin", "admin@example.org")]
    assert check_tree_task() == 0
    assert mail.outbox == []


def test_beat_schedules_the_nightly_check(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "grids.tasks.check_tree_task" in tasks
