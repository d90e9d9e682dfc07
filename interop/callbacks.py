"""Status call-backs: each public step of a ticket made from a client's work order is posted,
signed, to the client's call-back URL.

- `record_callback` (the receiver of tickets' `ticket_event_recorded`) writes a CallbackDelivery
  in the step's own transaction (an outbox) and queues its delivery after the commit.
- `deliver_due` sends one work order's due call-backs in order, claiming each with a
  conditional update so that two workers never send one twice, and never a later step before
  an earlier one. A refused call-back is retried with back-off; one still refused after
  CALLBACK_GIVE_UP_HOURS is given up (FAILED) and the next ones go.
- `verify_signature` is what a receiver runs on each call-back (README: "12345 hotline link").

Body: {"delivery_id", "work_order", "reference", "step", "status", "note", "at", "sequence"};
headers X-Gridportal-Timestamp (unix seconds at sending), X-Gridportal-Signature
("sha256=" + hex HMAC-SHA256(secret, f"{timestamp}.{body}")) and X-Gridportal-Delivery.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from tickets.models import TicketEvent

from .models import CallbackDelivery, DeliveryState, WorkOrderLink

logger = logging.getLogger(__name__)

# The ticket actions a client is told of, and the step each is called.
STEPS = {
    "accept": "accepted",
    "resolve": "resolved",
    "reply": "replied",
    "evaluate": "evaluated",
    "rate": "evaluated",
    "return": "returned",
    "reject": "returned",
    # The rating window ended without an evaluation: the hotline closes its work order too.
    "close_unevaluated": "closed",
}
TIMESTAMP_HEADER = "X-Gridportal-Timestamp"
SIGNATURE_HEADER = "X-Gridportal-Signature"
DELIVERY_HEADER = "X-Gridportal-Delivery"
REPLAY_WINDOW = 300  # seconds a receiver accepts between the timestamp and its clock


# --- Signing ----------------------------------------------------------------------------------

def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def sign(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """The signature header's value: "sha256=" + hex HMAC-SHA256(secret, "{timestamp}.{body}")."""
    message = f"{timestamp}.".encode() + _as_bytes(body)
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes | str, timestamp: str | int | None,
                     signature: str | None, now: float | dt.datetime,
                     window: int = REPLAY_WINDOW) -> bool:
    """Whether a call-back is genuine and fresh: `signature` (the X-Gridportal-Signature header)
    signs `body` (the raw bytes received) with `timestamp` (X-Gridportal-Timestamp), and that
    timestamp is within `window` seconds of `now` (unix seconds or an aware datetime): an old
    call-back replayed, or a body changed on the way, fails."""
    try:
        stamp = int(str(timestamp))
    except ValueError:
        return False
    seconds = now.timestamp() if isinstance(now, dt.datetime) else float(now)
    if abs(seconds - stamp) > window or not signature:
        return False
    # As bytes: compare_digest refuses a str with non-ASCII letters (a forged header may hold any).
    return hmac.compare_digest(sign(secret, stamp, body).encode(), str(signature).encode())


# --- Recording (inside the step's transaction) ------------------------------------------------

def record_callback(event: TicketEvent) -> CallbackDelivery | None:
    """The call-back of a step, written with the step, for a ticket linked to a client with a
    call-back URL; None for any other step (no query for an action clients are not told of,
    one otherwise)."""
    step = STEPS.get(event.action)
    if step is None:
        return None
    link = (WorkOrderLink.objects.filter(ticket_id=event.ticket_id, client__revoked=False)
            .exclude(client__callback_url="")
            .exclude(client__expiry_date__lt=timezone.now())  # a key no longer valid: told nothing
            .annotate(recorded=Count("deliveries")).first())
    if link is None:
        return None
    payload = {
        "work_order": link.number, "reference": event.ticket.reference, "step": step,
        "status": event.to_status, "note": event.note if event.public else "",
        "at": timezone.localtime(event.created_at).isoformat(),
        "sequence": link.recorded + 1,
    }
    delivery = CallbackDelivery.objects.create(link=link, event=event, step=step,
                                               payload=payload, next_attempt_at=timezone.now())
    link_id = link.pk
    transaction.on_commit(lambda: enqueue(link_id), robust=True)
    return delivery


def enqueue(link_id: int) -> None:
    """Queue the delivery of a work order's call-backs (the beat sweep catches a lost one)."""
    from .tasks import deliver_callbacks_task

    deliver_callbacks_task.delay(link_id)


# --- Delivery ---------------------------------------------------------------------------------

def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th refused try: the first wait, doubling, capped."""
    first, cap = settings.CALLBACK_RETRY_FIRST, settings.CALLBACK_RETRY_MAX
    return dt.timedelta(seconds=min(cap, first * 2 ** min(attempts - 1, 30)))


def tried_for(attempts: int) -> dt.timedelta:
    """How long a call-back has been retried once it has been refused `attempts` times."""
    return sum((backoff(n) for n in range(1, attempts + 1)), dt.timedelta())


def _claim_seconds() -> float:
    """How long a claimed call-back is left to its worker before another may take it."""
    return settings.CALLBACK_TIMEOUT * 3 + 30


def _claim_next(link_id: int) -> CallbackDelivery | None:
    """The work order's first pending call-back, claimed for this worker, when it is due; None
    when none is due or another worker holds it (the later ones wait behind it)."""
    first = (CallbackDelivery.objects.filter(link_id=link_id, state=DeliveryState.PENDING)
             .select_related("link__client").order_by("pk").first())
    now = timezone.now()
    if first is None or (first.next_attempt_at is not None and first.next_attempt_at > now):
        return None
    unchanged = (Q(next_attempt_at__isnull=True) if first.next_attempt_at is None
                 else Q(next_attempt_at=first.next_attempt_at))
    claimed = (CallbackDelivery.objects.filter(unchanged, pk=first.pk,
                                                state=DeliveryState.PENDING)
               .update(next_attempt_at=now + dt.timedelta(seconds=_claim_seconds())))
    return first if claimed else None


def body_of(delivery: CallbackDelivery) -> bytes:
    return json.dumps({"delivery_id": delivery.pk, **delivery.payload}, ensure_ascii=False,
                      separators=(",", ":")).encode()


def _post(delivery: CallbackDelivery) -> tuple[int | None, str]:
    """Send one call-back: the answer's status (None when there was none) and an error."""
    client = delivery.link.client
    if not client.callback_url:
        return None, "No call-back URL."
    body = body_of(delivery)
    timestamp = int(timezone.now().timestamp())
    headers = {"Content-Type": "application/json; charset=utf-8",
               TIMESTAMP_HEADER: str(timestamp),
               SIGNATURE_HEADER: sign(client.callback_secret, timestamp, body),
               DELIVERY_HEADER: str(delivery.pk), "User-Agent": "gridportal-callbacks/1"}
    try:
        response = requests.post(client.callback_url, data=body, headers=headers,
                                 timeout=settings.CALLBACK_TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, response.text[:300]


def _record_answer(delivery: CallbackDelivery, status: int | None, error: str) -> str:
    """Save the outcome of one try; returns the call-back's state after it."""
    now = timezone.now()
    attempts = delivery.attempts + 1
    if status is not None and 200 <= status < 300:
        changes = {"state": DeliveryState.DELIVERED, "delivered_at": now,
                   "next_attempt_at": None, "last_error": ""}
    elif tried_for(attempts) >= dt.timedelta(hours=settings.CALLBACK_GIVE_UP_HOURS):
        changes = {"state": DeliveryState.FAILED, "next_attempt_at": None, "last_error": error}
    else:
        changes = {"next_attempt_at": now + backoff(attempts), "last_error": error}
    CallbackDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
        attempts=attempts, last_status=status, **changes)
    return str(changes.get("state", DeliveryState.PENDING))


def deliver_due(link_id: int) -> tuple[int, dt.datetime | None]:
    """Send a work order's due call-backs, oldest first, stopping at the first one refused.
    Returns how many were delivered, and when to try again (None: nothing refused now)."""
    delivered = 0
    while (delivery := _claim_next(link_id)) is not None:
        status, error = _post(delivery)
        state = _record_answer(delivery, status, error)
        if state == DeliveryState.DELIVERED:
            delivered += 1
        elif state == DeliveryState.PENDING:
            logger.info("Call-back %s to %s refused (%s %s); retried later.", delivery.pk,
                        delivery.link.client.name, status, error)
            retry_at = (CallbackDelivery.objects.filter(pk=delivery.pk)
                        .values_list("next_attempt_at", flat=True).first())
            return delivered, retry_at
        else:
            logger.warning("Call-back %s to %s given up after %s attempts.", delivery.pk,
                           delivery.link.client.name, delivery.attempts + 1)
    return delivered, None


def due_work_orders(now: dt.datetime, limit: int = 1000) -> list[int]:
    """The work orders (link ids) with a pending call-back due at `now` (by index)."""
    return list(CallbackDelivery.objects.filter(state=DeliveryState.PENDING,
                                                next_attempt_at__lte=now)
                .order_by("link_id").values_list("link_id", flat=True).distinct()[:limit])


def retry_failed(deliveries) -> int:
    """Give failed call-backs a new round of tries, now; returns how many."""
    links = set(deliveries.filter(state=DeliveryState.FAILED).values_list("link_id", flat=True))
    count = deliveries.filter(state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now())
    for link_id in links:
        transaction.on_commit(lambda link_id=link_id: enqueue(link_id), robust=True)
    return count
