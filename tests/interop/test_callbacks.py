"""Each public step of a hotline ticket is called back to the hotline, signed, in order, once,
however long its receiver is down; a call-back never holds up the step."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from interop import callbacks
from interop.callbacks import sign, verify_signature
from interop.models import CallbackDelivery, WorkOrderLink
from interop.tasks import callbacks_sweep_task, deliver_callbacks_task
from tests.at_once import at_once
from tests.interop.test_work_orders_api import ORDER, URL, as_client
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 7, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SECRET = "s3cret"


def pushed_ticket(hotline) -> Ticket:
    response = as_client(hotline).post(URL, ORDER, format="json")
    assert response.status_code == 201
    return Ticket.objects.get(reference=response.json()["reference"])


def step(ticket, actor, action, **params) -> Ticket:
    """A step whose queued tasks stay on the (test) broker: its call-back is not sent."""
    return services.ticket_transition(ticket=ticket, actor=actor, action=action, **params)


def work_through(act, ticket, actor, traveller=None) -> None:
    """Accept, work, resolve, reply and record a satisfied evaluation, a minute apart."""
    for action, params in (("accept", {}), ("start", {}), ("contact", {"note": "已电话联系"}),
                           ("resolve", {"note": "已更换灯泡"}), ("reply", {"note": "灯已修好"}),
                           ("evaluate", {"satisfaction": "satisfied"})):
        act(ticket, actor, action, **params)
        if traveller is not None:
            traveller.shift(dt.timedelta(minutes=1))


def test_a_signature_holds_only_for_its_body_and_inside_its_window():
    body = b'{"step":"accepted"}'
    signature = sign(SECRET, 1_800_000_000, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_signature(SECRET, body, "1800000000", signature, now=1_800_000_100)
    assert not verify_signature(SECRET, b'{"step":"resolved"}', "1800000000", signature,
                                now=1_800_000_100)  # tampered body
    assert not verify_signature("other", body, "1800000000", signature, now=1_800_000_100)
    assert not verify_signature(SECRET, body, "1800000000", signature,
                                now=1_800_000_301)  # replayed after the window
    assert not verify_signature(SECRET, body, "1800000001", signature, now=1_800_000_100)
    assert not verify_signature(SECRET, body, "soon", signature, now=1_800_000_100)
    assert not verify_signature(SECRET, body, "1800000000", None, now=1_800_000_100)


def test_a_forged_header_with_any_characters_fails_verification_without_an_error():
    """A receiver passes whatever arrived; a header decoded as Latin-1 may hold any letter."""
    body = b'{"step":"accepted"}'
    forged = "sha256=" + "é" * 64
    assert not verify_signature(SECRET, body, "1800000000", forged, now=1_800_000_100)


def test_each_public_step_is_called_back_signed_and_in_order(hotline, receiver, community,
                                                             act):
    receiver.start()
    with time_machine.travel(START, tick=False) as traveller:
        ticket = pushed_ticket(hotline)
        work_through(act, ticket, community.admin, traveller)
    assert receiver.steps() == ["accepted", "resolved", "replied", "evaluated"]
    assert all(call["genuine"] for call in receiver.received)
    bodies = [call["body"] for call in receiver.received]
    assert [body["sequence"] for body in bodies] == [1, 2, 3, 4]
    assert [body["status"] for body in bodies] == ["accepted", "resolved", "replied", "closed"]
    assert bodies[1]["note"] == "已更换灯泡" and bodies[0]["note"] == ""
    assert {body["work_order"] for body in bodies} == {"GD2026120701"}
    assert {body["reference"] for body in bodies} == {ticket.reference}
    assert bodies[0]["at"] == "2026-12-07T09:00:00+08:00"
    assert [call["delivery"] for call in receiver.received] == [
        str(body["delivery_id"]) for body in bodies]
    assert set(CallbackDelivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_a_return_and_a_rejection_are_called_back_as_returned(hotline, receiver, community,
                                                              act):
    receiver.start()
    ticket = pushed_ticket(hotline)
    act(ticket, community.worker_a, "return", note="不属于本网格", reason="not_our_area")
    act(ticket, community.admin, "reject", note="非本社区事务")
    assert receiver.steps() == ["returned", "returned"]
    assert [call["body"]["note"] for call in receiver.received] == ["", "非本社区事务"]


def test_a_step_clients_are_not_told_of_costs_no_query(hotline, receiver, community,
                                                       django_assert_num_queries):
    ticket = pushed_ticket(hotline)
    event = step(ticket, community.admin, "comment", note="内部").events.last()
    with django_assert_num_queries(0):
        assert callbacks.record_callback(event) is None
    plain = make_ticket(node=community.g5a)
    accepted = step(plain, community.admin, "accept").events.last()
    with django_assert_num_queries(1):  # not a work order: one look
        assert callbacks.record_callback(accepted) is None


@pytest.mark.parametrize("answer", [500, None])
def test_a_receiver_that_fails_never_holds_up_the_step(hotline, receiver, community,
                                                       act, answer):
    if answer is not None:  # None: nobody listens (connection refused)
        receiver.answer = answer
        receiver.start()
    with time_machine.travel(START, tick=False):
        ticket = pushed_ticket(hotline)
        act(ticket, community.admin, "accept")
    assert Ticket.objects.get().status == "accepted"
    delivery = CallbackDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, answer)
    assert delivery.last_error
    assert delivery.next_attempt_at == START + dt.timedelta(seconds=30)


def test_a_receiver_down_for_ten_minutes_gets_every_call_back_once_in_order(
        hotline, receiver, community, act):
    with time_machine.travel(START, tick=False) as traveller:
        ticket = pushed_ticket(hotline)
        work_through(act, ticket, community.admin)
        # Ten minutes of refused connections, the beat sweep running every minute.
        for _minute in range(10):
            traveller.shift(dt.timedelta(minutes=1))
            callbacks_sweep_task.delay()
        first = CallbackDelivery.objects.order_by("pk").first()
        assert first.attempts >= 4 and first.state == "pending"
        # Nothing later went before it.
        assert CallbackDelivery.objects.filter(attempts__gt=0).count() == 1
        assert receiver.received == []
        receiver.start()
        for _minute in range(20):
            traveller.shift(dt.timedelta(minutes=1))
            callbacks_sweep_task.delay()
    assert receiver.steps() == ["accepted", "resolved", "replied", "evaluated"]
    assert [call["body"]["sequence"] for call in receiver.received] == [1, 2, 3, 4]
    assert all(call["genuine"] for call in receiver.received)
    back_up = int((START + dt.timedelta(minutes=10)).timestamp())
    for call in receiver.received:  # each signed when sent, after the receiver was back up
        sent_at = int(call["timestamp"])
        assert sent_at > back_up
        assert verify_signature(hotline.callback_secret, call["raw"], call["timestamp"],
                                call["signature"], now=sent_at + 299)
        # ... and an hour later the same call-back replayed is refused.
        assert not verify_signature(hotline.callback_secret, call["raw"], call["timestamp"],
                                    call["signature"], now=sent_at + 3600)
        tampered = call["raw"].replace(b"GD2026120701", b"GD2026120702")
        assert not verify_signature(hotline.callback_secret, tampered, call["timestamp"],
                                    call["signature"], now=sent_at)
    assert set(CallbackDelivery.objects.values_list("state", flat=True)) == {"delivered"}


@override_settings(CALLBACK_GIVE_UP_HOURS=0.02)  # 72 s: 30 s, then 60 s of waiting
def test_a_call_back_refused_too_long_is_given_up_and_the_next_ones_go(
        hotline, receiver, community, act, login, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False) as traveller:
        ticket = pushed_ticket(hotline)
        act(ticket, community.admin, "accept")
        traveller.shift(dt.timedelta(seconds=30))
        callbacks_sweep_task.delay()
        given_up = CallbackDelivery.objects.get()
        assert (given_up.state, given_up.attempts) == ("failed", 2)
        receiver.start()
        act(ticket, community.admin, "start")
        act(ticket, community.admin, "resolve", note="已修好")
        assert receiver.steps() == ["resolved"]
        # An administrator retries the given-up one from the admin.
        with django_capture_on_commit_callbacks(execute=True):
            response = login(community.admin).post(
                reverse("admin:interop_callbackdelivery_changelist"),
                {"action": "retry_now", "_selected_action": [given_up.pk]})
        assert response.status_code == 302
    assert receiver.steps() == ["resolved", "accepted"]
    assert [call["body"]["sequence"] for call in receiver.received] == [2, 1]
    assert set(CallbackDelivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_the_ticket_page_shows_the_call_back_log(hotline, receiver, community, act,
                                                 login):
    ticket = pushed_ticket(hotline)
    act(ticket, community.admin, "accept")
    page = login(community.center_staff).get(reverse("tickets:detail", args=[ticket.pk]))
    html = page.content.decode()
    assert 'id="callback-log"' in html and "GD2026120701" in html
    assert "callback-pending" in html
    plain = make_ticket(node=community.g5a)
    html = login(community.center_staff).get(
        reverse("tickets:detail", args=[plain.pk])).content.decode()
    assert 'id="callback-log"' not in html


def test_the_client_reads_its_call_back_log(hotline, receiver, community, act):
    receiver.start()
    ticket = pushed_ticket(hotline)
    act(ticket, community.admin, "accept")
    body = as_client(hotline).get(f"{URL}GD2026120701/").json()
    [log] = body["callbacks"]
    assert (log["step"], log["state"], log["attempts"], log["last_status"], log["sequence"]) == (
        "accepted", "delivered", 1, 200, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_call_back_once_and_in_order(hotline, receiver,
                                                                   community):
    ticket = pushed_ticket(hotline)
    for action, params in (("accept", {}), ("start", {}), ("resolve", {"note": "好了"}),
                           ("reply", {"note": "已回复"})):
        step(ticket, community.admin, action, **params)  # queued on the test broker: unsent
    assert CallbackDelivery.objects.filter(state="pending").count() == 3
    receiver.start()
    link_id = WorkOrderLink.objects.get().pk
    outcomes = at_once(lambda: callbacks.deliver_due(link_id))
    assert not [o for o in outcomes if isinstance(o, str)], outcomes  # neither raised
    callbacks.deliver_due(link_id)  # whatever a worker left when it met the other's claim
    assert receiver.steps() == ["accepted", "resolved", "replied"]
    assert [call["body"]["sequence"] for call in receiver.received] == [1, 2, 3]
    assert CallbackDelivery.objects.filter(state="delivered").count() == 3
    assert json.loads(receiver.received[0]["raw"])["step"] == "accepted"


def test_the_sweep_queues_only_work_orders_with_due_call_backs(hotline, community):
    with time_machine.travel(START, tick=False):
        ticket = pushed_ticket(hotline)
    hotline.callback_url = "http://127.0.0.1:9/none"
    hotline.save()
    with time_machine.travel(START, tick=False):
        step(ticket, community.admin, "accept")  # queued on the test broker: not sent
    link = WorkOrderLink.objects.get()
    assert callbacks.due_work_orders(START - dt.timedelta(seconds=1)) == []
    assert callbacks.due_work_orders(START) == [link.pk]
    assert deliver_callbacks_task.name == "interop.tasks.deliver_callbacks_task"


def test_the_ticket_page_of_a_work_order_costs_the_same_however_many_call_backs(
        hotline, receiver, community, act, login, django_assert_max_num_queries):
    receiver.start()
    ticket = pushed_ticket(hotline)
    act(ticket, community.admin, "accept")
    client = login(community.center_staff)
    url = reverse("tickets:detail", args=[ticket.pk])
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for action, params in (("start", {}), ("resolve", {"note": "好了"}),
                           ("reply", {"note": "已回复"})):
        act(ticket, community.admin, action, **params)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("callback-delivered") == 3


def test_a_step_that_rolls_back_is_never_called_back(hotline, receiver, community, act,
                                                     django_capture_on_commit_callbacks):
    """The call-back is written with the step: a step undone with its transaction (a later
    write of the same request failed) leaves no call-back and sends nothing; the step taken
    again is called back once."""
    from django.db import transaction

    receiver.start()
    ticket = pushed_ticket(hotline)
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(RuntimeError), transaction.atomic():
        step(ticket, community.admin, "accept")
        raise RuntimeError("a later write of the same request failed")
    assert not CallbackDelivery.objects.exists() and receiver.received == []
    act(Ticket.objects.get(pk=ticket.pk), community.admin, "accept")
    assert receiver.steps() == ["accepted"]
    assert CallbackDelivery.objects.get().payload["sequence"] == 1


@pytest.mark.parametrize("ended", ["revoked", "expired"])
def test_a_client_whose_key_ended_is_told_nothing_more(hotline, receiver, community, act,
                                                       ended):
    receiver.start()
    ticket = pushed_ticket(hotline)
    act(ticket, community.admin, "accept")
    assert receiver.steps() == ["accepted"]
    if ended == "revoked":
        hotline.revoked = True
    else:
        hotline.expiry_date = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    hotline.save()
    act(ticket, community.admin, "start")
    act(ticket, community.admin, "resolve", note="已更换灯泡")
    assert receiver.steps() == ["accepted"]
    assert CallbackDelivery.objects.count() == 1
