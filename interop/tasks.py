"""Celery tasks of the call-backs: ids in, rows fetched afresh, retries of their own."""

from celery import shared_task
from django.utils import timezone

from . import callbacks


@shared_task(ignore_result=True)
def deliver_callbacks_task(link_id: int) -> int:
    """Send one work order's due call-backs in order; when one is refused, come back when its
    back-off ends (the minute sweep would too)."""
    delivered, retry_at = callbacks.deliver_due(link_id)
    if retry_at is not None:
        wait = max(1, int((retry_at - timezone.now()).total_seconds()) + 1)
        deliver_callbacks_task.apply_async((link_id,), countdown=wait)
    return delivered


@shared_task(ignore_result=True)
def callbacks_sweep_task() -> int:
    """Every minute: queue each work order whose call-backs are due (a lost enqueue, a worker
    that was down, a back-off that ended)."""
    links = callbacks.due_work_orders(timezone.now())
    for link_id in links:
        deliver_callbacks_task.delay(link_id)
    return len(links)
