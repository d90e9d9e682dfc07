import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import category, department, make_ticket
from tickets import services
from tickets.models import SLAPolicy, Status, TicketEvent, Whistle
from tickets.services import TransitionConflict

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def act(ticket, actor, action, note="", **params):
    return services.ticket_transition(ticket=ticket, actor=actor, action=action, note=note,
                                      **params)


def test_default_policies_follow_public_12345_practice(db):
    emergency = SLAPolicy.objects.get(whistle=Whistle.EMERGENCY, node_kind="grid5")
    routine = SLAPolicy.objects.get(whistle=Whistle.ROUTINE, node_kind="grid5")
    assert (emergency.contact_hours, emergency.resolve_unit) == (2, "hours")
    assert (routine.resolve_amount, routine.resolve_unit) == (7, "working_days")
    assert SLAPolicy.objects.get(whistle=Whistle.KEY_CITY, node_kind="hub").resolve_amount == 15


def test_a_ticket_goes_to_the_lowest_grid_with_a_worker(community, registry):
    ticket = make_ticket(dwelling=registry.dwelling_a)
    assert ticket.owner == community.g5a
    assert ticket.node == community.g5a and ticket.building == registry.building_a


def test_without_a_worker_below_the_ticket_climbs_to_the_first_node_with_one(community):
    AssignmentFactory(user=UserFactory(username="g4b_worker"), node=community.g4b,
                      role=Role.WORKER)
    ticket = make_ticket(node=community.g5c)  # g5c has no worker
    assert ticket.owner == community.g4b


def test_with_no_worker_anywhere_the_community_center_owns_it(community):
    assert make_ticket(node=community.g4x).owner == community.other


def test_a_category_rule_routes_elevators_to_the_hubs_property_staff(community, registry):
    AssignmentFactory(user=UserFactory(username="property"), node=community.hub1,
                      role=Role.PROPERTY_STAFF)
    elevator = category("elevator", route_to_kind="hub", route_to_role=Role.PROPERTY_STAFF)
    assert make_ticket(dwelling=registry.dwelling_a, category=elevator).owner == community.hub1


def test_deadlines_count_working_days_across_national_day(community):
    SLAPolicy.objects.update_or_create(whistle=Whistle.ROUTINE, node_kind="grid5", defaults={
        "accept_hours": 24, "contact_hours": 24, "resolve_amount": 3,
        "resolve_unit": "working_days"})
    with time_machine.travel(dt.datetime(2026, 9, 29, 10, tzinfo=SHANGHAI), tick=False):
        ticket = make_ticket(node=community.g5a)
    assert timezone.localtime(ticket.resolve_due_at).date() == dt.date(2026, 10, 9)
    assert ticket.accept_due_at - ticket.created_at <= dt.timedelta(hours=24, seconds=1)


def test_emergency_deadlines_are_counted_in_hours(community):
    SLAPolicy.objects.update_or_create(whistle=Whistle.EMERGENCY, node_kind="grid5", defaults={
        "accept_hours": 1, "contact_hours": 2, "resolve_amount": 2, "resolve_unit": "hours"})
    with time_machine.travel(dt.datetime(2026, 10, 3, 22, tzinfo=SHANGHAI), tick=False):
        ticket = make_ticket(node=community.g5a, whistle=Whistle.EMERGENCY)
    assert timezone.localtime(ticket.resolve_due_at) == dt.datetime(2026, 10, 4, 0,
                                                                    tzinfo=SHANGHAI)


def test_the_full_lifecycle_to_a_satisfied_close(community):
    ticket = make_ticket(node=community.g5a)
    worker = community.worker_a
    ticket = act(ticket, worker, "accept")
    assert ticket.status == Status.ACCEPTED and ticket.assignee == worker
    ticket = act(ticket, worker, "start")
    ticket = act(ticket, worker, "contact", note="已电话联系居民")
    ticket = act(ticket, worker, "resolve", note="已更换灯泡")
    ticket = act(ticket, worker, "reply", note="您反映的楼道灯已修好")
    ticket = act(ticket, worker, "follow_up", note="次日回访")
    assert ticket.status == Status.FOLLOW_UP
    ticket = act(ticket, worker, "evaluate", satisfaction="satisfied")
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions == ["", "accept", "start", "contact", "resolve", "reply", "follow_up",
                       "evaluate"]
    public = list(ticket.events.filter(public=True).values_list("action", flat=True))
    assert "resolve" in public and "contact" not in public


def test_an_unsatisfied_resident_reopens_the_work(community):
    ticket = make_ticket(node=community.g5a)
    for action, note in (("accept", ""), ("start", ""), ("resolve", "修好"), ("reply", "已修")):
        ticket = act(ticket, community.worker_a, action, note=note)
    ticket = act(ticket, community.worker_a, "evaluate", satisfaction="unsatisfied")
    assert ticket.status == Status.IN_PROGRESS and ticket.satisfaction == "unsatisfied"


def test_a_step_that_needs_a_note_says_so(community):
    ticket = act(make_ticket(node=community.g5a), community.worker_a, "accept")
    ticket = act(ticket, community.worker_a, "start")
    with pytest.raises(ValidationError) as error:
        act(ticket, community.worker_a, "resolve")
    assert "note" in error.value.message_dict


def test_an_action_from_the_wrong_status_is_a_conflict(community):
    ticket = make_ticket(node=community.g5a)
    with pytest.raises(TransitionConflict):
        act(ticket, community.worker_a, "resolve", note="x")


def test_a_neighbouring_worker_cannot_act_on_the_ticket(community):
    ticket = make_ticket(node=community.g5a)
    with pytest.raises(PermissionDenied):
        act(ticket, community.worker_b, "accept")
    assert not TicketEvent.objects.filter(action="accept").exists()


def test_escalation_climbs_the_tree_then_whistles_a_department(community):
    liaison = UserFactory(username="liaison")
    city = department()
    city.liaisons.add(liaison)
    ticket = make_ticket(node=community.g5a)
    chain = []
    for _ in range(5):  # g5a -> g4a -> hub1 -> community -> street
        if ticket.owner.parent is None:
            break
        ticket = act(ticket, community.admin, "escalate", note="超出能力")
        chain.append(ticket.owner.code)
    assert chain == ["G4A", "H1", "SJC", "ST"]
    with pytest.raises(ValidationError):
        act(ticket, community.admin, "escalate", note="需要部门")
    ticket = act(ticket, community.admin, "escalate", note="吹哨城管", department=city)
    assert ticket.department == city and ticket.status == Status.NEW
    assert ticket.escalation_level == 5
    ticket = act(ticket, liaison, "accept")
    assert ticket.status == Status.ACCEPTED


def test_escalation_by_hand_needs_a_reason_and_restarts_the_deadline(community):
    ticket = make_ticket(node=community.g5a)
    with pytest.raises(ValidationError):
        act(ticket, community.worker_a, "escalate")
    first_due = ticket.resolve_due_at
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        ticket = act(ticket, community.worker_a, "escalate", note="需要片区协调")
    assert ticket.owner == community.g4a
    assert ticket.resolve_due_at > first_due
    event = ticket.events.get(action="escalate")
    assert event.actor == community.worker_a and event.note == "需要片区协调"


def test_a_return_upheld_by_the_dispatcher_counts_against_nobody(community):
    ticket = make_ticket(node=community.g5a)
    ticket = act(ticket, community.worker_a, "return", note="不属于本网格",
                 reason="not_our_area")
    assert ticket.status == Status.RETURNED
    with pytest.raises(PermissionDenied):
        act(ticket, community.worker_a, "uphold_return", target=community.g5b)
    head = UserFactory(username="g4a_head")
    AssignmentFactory(user=head, node=community.g4a, role=Role.HEAD)
    ticket = act(ticket, head, "uphold_return", target=community.g5b)
    assert (ticket.owner, ticket.status, ticket.returns_upheld) == (community.g5b, "new", 1)


def test_a_rejected_return_counts_against_the_returning_grid(community):
    ticket = act(make_ticket(node=community.g5a), community.worker_a, "return",
                 note="不归我们", reason="not_our_duty")
    ticket = act(ticket, community.hub1_head, "reject_return", note="属于本网格")
    assert (ticket.owner, ticket.status, ticket.returns_rejected) == (community.g5a, "new", 1)


def test_a_return_needs_a_standard_reason(community):
    with pytest.raises(ValidationError) as error:
        act(make_ticket(node=community.g5a), community.worker_a, "return", note="x",
            reason="bored")
    assert "reason" in error.value.message_dict


def test_an_extension_is_approved_by_the_node_above(community):
    ticket = act(make_ticket(node=community.g5a), community.worker_a, "accept")
    until = ticket.resolve_due_at + dt.timedelta(days=5)
    ticket = act(ticket, community.worker_a, "request_extension", note="需采购配件",
                 until=until)
    with pytest.raises(PermissionDenied):
        act(ticket, community.worker_a, "approve_extension")
    ticket = act(ticket, community.hub1_head, "approve_extension")
    assert ticket.resolve_due_at == until and ticket.extensions == 1


def test_on_hold_stops_the_deadline_clock(community):
    SLAPolicy.objects.filter(whistle=Whistle.KEY).update(resolve_unit="hours")
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # Monday
    with time_machine.travel(start, tick=False):
        ticket = act(make_ticket(node=community.g5a, whistle=Whistle.KEY), community.worker_a,
                     "accept")
        due = ticket.resolve_due_at
        ticket = act(ticket, community.worker_a, "hold", note="等待居民回家")
    with time_machine.travel(start + dt.timedelta(days=3), tick=False):
        ticket = act(ticket, community.worker_a, "resume")
    # A key ticket's clock is the wall clock: three days held, three days later.
    assert ticket.resolve_due_at - due == dt.timedelta(days=3)


def test_merging_into_a_duplicate(community):
    first = make_ticket(node=community.g5a)
    second = make_ticket(node=community.g5a)
    second = act(second, community.worker_a, "merge", into=first)
    assert second.status == Status.MERGED and second.merged_into == first


def test_a_supervisor_chases_and_rejects(community):
    ticket = make_ticket(node=community.g5a)
    act(ticket, community.hub1_head, "chase", note="请尽快处理")
    with pytest.raises(PermissionDenied):
        act(ticket, community.worker_a, "chase", note="x")
    ticket = act(ticket, community.hub1_head, "reject", note="重复投诉，已答复")
    assert ticket.status == Status.REJECTED


def test_tokens_are_unguessable_and_codes_short(community):
    ticket = make_ticket(node=community.g5a)
    assert len(ticket.tracking_token) >= 43  # 32 random bytes, 256 bits
    assert len(ticket.short_code) == 6


def test_the_same_idempotency_key_returns_the_first_ticket(community):
    body = {"title": "路灯坏了"}
    first = make_ticket(node=community.g5a, idempotency_key="k1", payload_for_digest=body)
    again = make_ticket(node=community.g5a, idempotency_key="k1", payload_for_digest=body)
    assert again.pk == first.pk
    with pytest.raises(services.IdempotencyMismatch):
        make_ticket(node=community.g5a, idempotency_key="k1",
                    payload_for_digest={"title": "别的事"})


def test_a_worker_cannot_file_a_ticket_for_another_grid(community):
    with pytest.raises(PermissionDenied):
        make_ticket(actor=community.worker_a, node=community.g5b)


def test_an_emergency_notifies_every_head_on_the_path_to_the_root(community,
                                                                 django_capture_on_commit_callbacks):
    from tickets.models import Notification

    street_head = UserFactory(username="street_head")
    AssignmentFactory(user=street_head, node=community.street, role=Role.HEAD)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = make_ticket(node=community.g5a, whistle=Whistle.EMERGENCY, title="燃气泄漏")
    from tickets.tasks import notify_task

    notify_task(ticket.events.get(kind="created").pk)
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert {"worker_a", "hub1_head", "center_staff", "street_head"} <= notified
    assert "worker_b" not in notified
    assert callbacks  # the notification was queued to run after the commit


def test_internal_comments_and_public_replies_are_separate(community):
    ticket = make_ticket(node=community.g5a)
    act(ticket, community.worker_a, "comment", note="内部：需协调物业")
    act(ticket, community.worker_a, "public_reply", note="已安排师傅明天上门")
    public = list(ticket.events.filter(public=True).values_list("note", flat=True))
    assert "已安排师傅明天上门" in public and "内部：需协调物业" not in public


def test_only_steps_that_tell_somebody_queue_a_notice(community,
                                                      django_capture_on_commit_callbacks):
    """A ticket driven to its close queues one notice (its creation, for the grid's worker),
    not one per step: a queue of every step once kept a worker twenty minutes behind."""
    worker = community.worker_a
    with django_capture_on_commit_callbacks() as queued:
        ticket = make_ticket(node=community.g5a)
        for action, params in (("accept", {}), ("start", {}), ("contact", {"note": "已联系"}),
                               ("progress", {"note": "已报修"}), ("resolve", {"note": "已修好"}),
                               ("reply", {"note": "已修好"}), ("follow_up", {"note": "回访"}),
                               ("evaluate", {"satisfaction": "satisfied"})):
            ticket = act(ticket, worker, action, **params)
    assert ticket.status == Status.CLOSED
    assert len(queued) == 1
    # Escalating tells the next node's people: queued. At a node where nobody works and no
    # group robot listens, a new ticket tells nobody: nothing queued.
    AssignmentFactory(user=UserFactory(username="g4a_head"), node=community.g4a, role=Role.HEAD)
    with django_capture_on_commit_callbacks() as queued:
        escalated = make_ticket(node=community.g5a)
        act(escalated, worker, "escalate", note="需要片区协调")
    assert len(queued) == 2
    with django_capture_on_commit_callbacks() as queued:
        make_ticket(node=community.other)
    assert queued == []
