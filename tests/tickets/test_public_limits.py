"""The report limits count what they should: one allowance per new report, whether it comes
from the page or the API, alone or with its retries; a refusal, a retry, a wrong form and a
reused key cost nothing.

The tests marked `postgres` send real requests from real threads, each with its own database
connection, at the same moment.
"""

import threading
from collections.abc import Callable
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from tests.conftest import REDIS_TEST_URL
from tickets import forms_public, services
from tickets.models import Ticket

from .factories import category

pytestmark = pytest.mark.django_db

API = "/api/v1/public/tickets/"
PHONE, OTHER_PHONE = "13712345678", "13987654321"
HOME, CAFE = "198.51.100.7", "203.0.113.9"
# Retries of one report: the first send and nine more with the same key and the same body.
SENDS = 10


@pytest.fixture(autouse=True)
def _fresh_rate_limits(fresh_rate_limits):
    yield


@pytest.fixture
def lights():
    return category("facilities")


@pytest.fixture
def rates(settings):
    """Set the report limits: rates(phone=2, address=3) means 2 and 3 an hour."""

    def _rates(*, phone: int = 5, address: int = 20) -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
            "public_report_phone": f"{phone}/hour", "public_report_ip": f"{address}/hour"}}

    return _rates


class Sent:
    """What a sender saw: `accepted` for a new ticket (201, or the page's redirect), `retry`
    for the first ticket again (200, or the same redirect), otherwise the status code."""

    def __init__(self, outcome: str | int, token: str = ""):
        self.outcome, self.token = outcome, token

    def __repr__(self) -> str:
        return f"Sent({self.outcome!r})"


def _body(community, lights, phone: str, **changes) -> dict:
    body = {"reporter_name": "张秀兰", "reporter_phone": phone, "node": community.g5a.pk,
            "address": "枫丹白鹭3栋2单元楼道", "category": lights.pk, "title": "楼道灯不亮",
            "description": "3楼楼道灯坏了一周，晚上很黑。"}
    return {**body, **changes}


def via_api(community, lights, key: str, *, phone: str = PHONE, address: str = HOME,
            **changes) -> Sent:
    response = APIClient().post(API, _body(community, lights, phone, **changes), format="json",
                                HTTP_IDEMPOTENCY_KEY=key, REMOTE_ADDR=address)
    if response.status_code in (200, 201):
        return Sent("accepted" if response.status_code == 201 else "retry",
                    response.json()["token"])
    return Sent(response.status_code)


def via_page(community, lights, key: str, *, phone: str = PHONE, address: str = HOME,
             **changes) -> Sent:
    """The page answers a new report and a retry alike, with the way to the tracking page."""
    data = {**_body(community, lights, phone, **changes), "idempotency_key": key, "website": ""}
    response = Client().post(reverse("public:report"), data, REMOTE_ADDR=address)
    if response.status_code != 302:
        return Sent(response.status_code)
    match = resolve(urlparse(response["Location"]).path)
    assert match.view_name == "public:track"
    return Sent("accepted", match.kwargs["token"])


SENDERS = [pytest.param(via_api, id="api"), pytest.param(via_page, id="page")]


def new_reports(send, community, lights, count: int, *, prefix: str, **options) -> list:
    """`count` distinct reports, each with a key of its own."""
    return [send(community, lights, f"{prefix}-{n:016d}", **options).outcome
            for n in range(count)]


def is_accepted(sent: Sent) -> bool:
    return sent.outcome in ("accepted", "retry")


# --- A refusal costs nothing --------------------------------------------------------------


@pytest.mark.parametrize("send", SENDERS)
def test_a_report_refused_by_the_address_limit_costs_the_phone_nothing(
        send, community, lights, rates):
    rates(phone=2, address=2)
    assert new_reports(send, community, lights, 2, prefix="home", phone=OTHER_PHONE,
                       address=HOME) == ["accepted"] * 2
    assert send(community, lights, "home-refused-00001", address=HOME).outcome == 429

    # From another address the phone still has both its reports.
    assert new_reports(send, community, lights, 3, prefix="cafe", address=CAFE) == [
        "accepted", "accepted", 429]


@pytest.mark.parametrize("send", SENDERS)
def test_a_report_refused_by_the_phone_limit_costs_the_address_nothing(
        send, community, lights, rates):
    rates(phone=2, address=2)
    assert new_reports(send, community, lights, 2, prefix="home", address=HOME) == [
        "accepted"] * 2
    assert send(community, lights, "cafe-refused-00001", address=CAFE).outcome == 429

    # The address that was refused for the phone still has both its reports.
    assert new_reports(send, community, lights, 3, prefix="cafe", phone=OTHER_PHONE,
                       address=CAFE) == ["accepted", "accepted", 429]


@pytest.mark.parametrize("send", SENDERS)
def test_a_wrong_form_and_a_reused_key_cost_nothing(send, community, lights, rates):
    rates(phone=2, address=2)
    first = send(community, lights, "first-report-00001")
    assert send(community, lights, "wrong-phone-000001", phone="12345").outcome in (200, 400)
    assert send(community, lights, "first-report-00001", title="垃圾没人清运").outcome == 422

    assert first.outcome == "accepted"
    assert new_reports(send, community, lights, 2, prefix="next") == ["accepted", 429]


# --- A retry answers the first ticket and costs nothing ------------------------------------


@pytest.mark.parametrize("send", SENDERS)
def test_retries_answer_the_first_ticket_and_cost_nothing(send, community, lights, rates):
    rates(phone=3)
    first = send(community, lights, "retried-report-001")
    retries = [send(community, lights, "retried-report-001") for _n in range(4)]

    assert {sent.token for sent in retries} == {first.token}
    assert all(is_accepted(sent) for sent in retries)
    assert new_reports(send, community, lights, 3, prefix="next") == ["accepted", "accepted", 429]
    assert Ticket.objects.count() == 3


def test_the_api_tells_a_retry_from_a_new_report(community, lights):
    assert via_api(community, lights, "retried-report-002").outcome == "accepted"
    assert via_api(community, lights, "retried-report-002").outcome == "retry"


@pytest.mark.parametrize("send", SENDERS)
def test_a_retry_after_the_phone_quota_is_spent_still_answers_its_ticket(
        send, community, lights, rates):
    rates(phone=2)
    first = send(community, lights, "spent-quota-000001")
    send(community, lights, "spent-quota-000002")
    assert send(community, lights, "spent-quota-000003").outcome == 429

    retry = send(community, lights, "spent-quota-000001", address=CAFE)

    assert is_accepted(retry) and retry.token == first.token


# --- A report another request is still sending ---------------------------------------------


def hold_claim(key: str) -> None:
    """What a request sending this report right now holds."""
    assert cache.add(forms_public.report_claim_key(key), "another request", 60)


@pytest.mark.parametrize("send", SENDERS)
def test_a_retry_takes_over_when_the_request_it_waited_for_was_refused(
        send, community, lights, rates, monkeypatch):
    rates(phone=1)
    hold_claim("handed-over-000001")
    pauses: list[int] = []

    def first_request_gives_up() -> None:
        pauses.append(1)
        cache.delete(forms_public.report_claim_key("handed-over-000001"))

    monkeypatch.setattr(forms_public, "_pause", first_request_gives_up)

    sent = send(community, lights, "handed-over-000001")

    assert pauses and sent.outcome == "accepted" and Ticket.objects.count() == 1
    # It was counted as the new report it is.
    assert send(community, lights, "handed-over-000002", address=CAFE).outcome == 429


def test_the_api_answers_409_when_the_first_request_takes_too_long(
        community, lights, monkeypatch):
    monkeypatch.setattr(forms_public, "WAIT_SECONDS", 0.2)
    hold_claim("slow-request-00001")

    response = APIClient().post(API, _body(community, lights, PHONE), format="json",
                                HTTP_IDEMPOTENCY_KEY="slow-request-00001")

    assert response.status_code == 409 and response.json()["detail"]
    assert not Ticket.objects.exists()


def test_the_page_asks_to_send_again_when_the_first_request_takes_too_long(
        client, community, lights, monkeypatch):
    monkeypatch.setattr(forms_public, "WAIT_SECONDS", 0.2)
    hold_claim("slow-request-00002")
    data = {**_body(community, lights, PHONE), "idempotency_key": "slow-request-00002",
            "website": ""}

    response = client.post(reverse("public:report"), data)

    assert response.status_code == 409
    assert "仍在提交中" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_schema_documents_the_answers_to_a_report(community, api_client):
    api_client.force_authenticate(community.admin)
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    answers = schema.json()["paths"][API]["post"]["responses"]
    assert {"200", "201", "409", "422", "429"} <= set(answers)


# --- At the same moment, on the real database server -----------------------------------------


def at_once(calls: list[Callable[[], Sent]]) -> list[Sent | str]:
    """Run each call in a thread of its own, all released together."""
    barrier = threading.Barrier(len(calls))
    results: list[Sent | str] = ["not run"] * len(calls)

    def run(index: int, call: Callable[[], Sent]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the assertions below show it
            results[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture(params=[pytest.param("locmem"),
                        pytest.param("redis", marks=pytest.mark.redis)])
def report_cache(request, settings):
    """The default cache the limits and claims live in: one process's memory (`make run`) or
    the Redis server every web worker shares (production)."""
    if request.param == "redis":
        settings.CACHES = {"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL.rsplit("/", 1)[0] + "/14"}}
    cache.clear()
    yield request.param
    cache.clear()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("send", SENDERS)
def test_ten_simultaneous_retries_make_one_ticket_and_cost_one_report(
        send, community, lights, report_cache):
    key = "simultaneous-00001"
    sent = at_once([lambda: send(community, lights, key)] * SENDS)

    assert all(isinstance(s, Sent) and is_accepted(s) for s in sent), sent
    assert len({s.token for s in sent}) == 1 and Ticket.objects.count() == 1
    if send is via_api:
        assert sorted(s.outcome for s in sent) == ["accepted"] + ["retry"] * (SENDS - 1)
    # The phone has four of its five reports left.
    assert new_reports(send, community, lights, 5, prefix="later") == ["accepted"] * 4 + [429]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("send", SENDERS)
def test_ten_simultaneous_sends_of_a_refused_report_create_nothing_and_cost_nothing(
        send, community, lights, rates):
    rates(phone=2, address=2)
    assert new_reports(send, community, lights, 2, prefix="spent", address=CAFE) == [
        "accepted"] * 2

    sent = at_once([lambda: send(community, lights, "refused-at-once-01")] * SENDS)

    assert [getattr(s, "outcome", s) for s in sent] == [429] * SENDS
    assert Ticket.objects.count() == 2
    # The address they came from was not charged for them.
    assert new_reports(send, community, lights, 2, prefix="home", phone=OTHER_PHONE) == [
        "accepted"] * 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_retries_sent_before_the_first_report_is_saved_answer_it_past_the_quota(
        community, lights, rates, monkeypatch):
    """The first report is written but not yet committed when nine retries arrive; the phone
    has just this one report left. All ten answer the one ticket."""
    rates(phone=3)
    assert new_reports(via_api, community, lights, 2, prefix="earlier") == ["accepted"] * 2
    written, commit = threading.Event(), threading.Event()
    real_create = services.ticket_create

    def held_before_commit(**fields):
        ticket = real_create(**fields)
        if not written.is_set():
            written.set()
            commit.wait(timeout=30)
        return ticket

    monkeypatch.setattr(services, "ticket_create", held_before_commit)
    waiting: set[int] = set()
    seen_waiting = threading.Condition()
    real_pause = getattr(forms_public, "_pause", lambda: None)

    def pause() -> None:
        with seen_waiting:
            waiting.add(threading.get_ident())
            seen_waiting.notify_all()
        real_pause()

    monkeypatch.setattr(forms_public, "_pause", pause, raising=False)
    key = "before-commit-0001"
    results: list[Sent | str] = []

    def send() -> None:
        try:
            results.append(via_api(community, lights, key))
        except Exception as error:  # noqa: BLE001 - the assertions below show it
            results.append(repr(error))
        finally:
            connections.close_all()

    first = threading.Thread(target=send)
    first.start()
    assert written.wait(timeout=30)
    retries = [threading.Thread(target=send) for _n in range(SENDS - 1)]
    for thread in retries:
        thread.start()
    with seen_waiting:
        seen_waiting.wait_for(lambda: len(waiting) == SENDS - 1, timeout=10)
    commit.set()
    for thread in (first, *retries):
        thread.join(timeout=60)

    assert sorted(getattr(s, "outcome", s) for s in results) == (
        ["accepted"] + ["retry"] * (SENDS - 1))
    assert len(waiting) == SENDS - 1
    assert len({s.token for s in results}) == 1
    assert Ticket.objects.count() == 3
    assert via_api(community, lights, "after-the-quota-01").outcome == 429
