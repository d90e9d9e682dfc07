"""Celery tasks for committees: they take ids, fetch afresh and call one service. The daily
joint-meeting cadence sweep records reminders; each is delivered by its own task after the
sweep commits (idempotent: a retried delivery finds its inbox notices already there)."""

from celery import shared_task

from . import services
from .models import CommitteeReminder


@shared_task(acks_late=True)
def cadence_sweep_task() -> dict[str, int]:
    return services.cadence_sweep()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def deliver_committee_reminder_task(reminder_id: int) -> int:
    reminder = CommitteeReminder.objects.select_related("committee").filter(
        pk=reminder_id).first()
    return services.reminder_deliver(reminder=reminder) if reminder is not None else 0
