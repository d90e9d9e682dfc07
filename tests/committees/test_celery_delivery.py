"""A committee reminder travels through the real Redis broker to a real Celery worker."""

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker

from committees import services
from committees.models import CommitteeReminder, MeetingStatus, Position
from committees.tasks import deliver_committee_reminder_task
from tickets.models import Notification

from .factories import CommitteeFactory, MeetingFactory, MemberFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_worker_on_redis_tells_the_director_of_an_overdue_joint_meeting(community,
                                                                           redis_app):
    committee = CommitteeFactory(community=community.community, name="诉源治理委员会")
    MemberFactory(committee=committee, user=community.hub2_head, contact_name="",
                  position=Position.DIRECTOR)
    MeetingFactory(committee=committee, held_on=dt.date(2026, 1, 15), status=MeetingStatus.HELD)
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # The sweep records the reminder and, after its commit, queues the delivery on Redis.
        assert services.cadence_sweep(today=dt.date(2026, 5, 1)) == {"reminded": 0,
                                                                      "flagged": 1}
        reminder = CommitteeReminder.objects.get()
        # Queued behind it on the same worker: a repeat delivery finds nothing left to send.
        assert deliver_committee_reminder_task.delay(reminder.pk).get(timeout=30) == 0
    notice = Notification.objects.get(user=community.hub2_head)
    assert notice.key == f"committee-reminder:{reminder.pk}:{community.hub2_head.pk}"
    assert "诉源治理委员会" in notice.text
