"""Celery tasks for committees: the daily joint-meeting cadence sweep (idempotent: each reminder
is a row with a unique key, so a second run reminds nobody twice)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def cadence_sweep_task() -> dict[str, int]:
    return services.cadence_sweep()
