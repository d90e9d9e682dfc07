"""Meetings turn decisions into tracked work; the cadence sweep flags and reminds once."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from committees import selectors, services
from committees.models import CommitteeReminder, MeetingStatus, Position
from committees.tasks import deliver_committee_reminder_task
from tickets import services as ticket_services
from tickets.models import Channel, Notification, Status
from tickets.selectors import ticket_list_for

from .factories import CommitteeFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def committee(community):
    return CommitteeFactory(community=community.community, name="物业服务委员会")


@pytest.fixture
def held_meeting(committee, community):
    with time_machine.travel(TODAY, tick=False):
        meeting = services.meeting_schedule(committee=committee, actor=community.center_staff,
                                            title="二季度联席会议", held_on=dt.date(2026, 6, 9),
                                            agenda=["路灯维修", "垃圾分类"])
        return services.meeting_record(meeting=meeting, actor=community.center_staff,
                                       minutes="议定：修复枫丹1栋路灯。")


def test_decision_made_a_ticket_lands_in_the_owning_grids_queue(held_meeting, community):
    with time_machine.travel(TODAY, tick=False):
        decision = services.decision_add(
            meeting=held_meeting, actor=community.center_staff, text="修复枫丹1栋门前路灯",
            owner=community.g5a, due_on=dt.date(2026, 6, 30), make_ticket=True)
    ticket = decision.ticket
    assert ticket.owner == community.g5a
    assert ticket.channel == Channel.COMMITTEE
    assert timezone.localtime(ticket.resolve_due_at).date() == dt.date(2026, 6, 30)
    assert ticket in ticket_list_for(user=community.worker_a)
    assert ticket not in ticket_list_for(user=community.hub2_head)
    rows = list(selectors.decisions_of(held_meeting))
    assert rows[0].ticket.status == Status.NEW
    assert not services.decisions_all_closed(held_meeting)


def test_decision_ticket_status_follows_the_ticket(held_meeting, community):
    with time_machine.travel(TODAY, tick=False):
        decision = services.decision_add(
            meeting=held_meeting, actor=community.center_staff, text="清理楼道杂物",
            owner=community.g5a, due_on=dt.date(2026, 6, 20), make_ticket=True)
        ticket_services.ticket_transition(ticket=decision.ticket, actor=community.worker_a,
                                          action="accept")
    row = selectors.decisions_of(held_meeting).get()
    assert row.ticket.status == Status.ACCEPTED


def test_decision_needs_an_owner_inside_the_community_and_a_date(held_meeting, community):
    with time_machine.travel(TODAY, tick=False), pytest.raises(ValidationError) as error:
        services.decision_add(meeting=held_meeting, actor=community.center_staff,
                              text="修路", owner=community.g4x, due_on=dt.date(2026, 7, 1))
    assert set(error.value.message_dict) == {"owner"}
    with time_machine.travel(TODAY, tick=False), pytest.raises(ValidationError) as error:
        services.decision_add(meeting=held_meeting, actor=community.center_staff,
                              text="修路", owner=community.g5a, due_on=None, make_ticket=True)
    assert set(error.value.message_dict) == {"due_on"}
    assert not held_meeting.decisions.exists()  # nothing half-saved


def test_grid_worker_cannot_record_meetings(committee, community):
    with pytest.raises(PermissionDenied):
        services.meeting_schedule(committee=committee, actor=community.worker_a, title="会议",
                                  held_on=dt.date(2026, 6, 9))


def test_director_records_the_meeting_and_attendance(committee, community):
    director = MemberFactory(committee=committee, user=community.worker_b, contact_name="",
                             position=Position.DIRECTOR)
    member = MemberFactory(committee=committee)
    with time_machine.travel(TODAY, tick=False):
        meeting = services.meeting_schedule(committee=committee, actor=community.worker_b,
                                            title="一事一议：加装电梯",
                                            held_on=dt.date(2026, 6, 10))
        services.meeting_record(meeting=meeting, actor=community.worker_b, minutes="同意。",
                                present=[director.pk])
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert {m.pk: p for m, p in selectors.attendance_rows(meeting)} == {
        director.pk: True, member.pk: False}


def test_committee_past_its_cadence_is_flagged_and_reminded_once(
        committee, community, django_capture_on_commit_callbacks, mailoutbox):
    community.hub1_head.email = "hub1@example.cn"
    community.hub1_head.save()
    MemberFactory(committee=committee, user=community.hub1_head, contact_name="",
                  position=Position.DIRECTOR)
    MeetingFactory(committee=committee, held_on=dt.date(2026, 1, 15), status=MeetingStatus.HELD)
    with django_capture_on_commit_callbacks() as queued:
        services.cadence_sweep(today=dt.date(2026, 4, 10))  # due 2026-04-15: a reminder first
    assert list(CommitteeReminder.objects.values_list("kind", flat=True)) == ["meeting_due"]
    with django_capture_on_commit_callbacks() as more:
        first = services.cadence_sweep(today=dt.date(2026, 4, 20))
        again = services.cadence_sweep(today=dt.date(2026, 4, 21))
    committee.refresh_from_db()
    assert committee.cadence_missed_since == dt.date(2026, 4, 15)
    assert first == {"reminded": 0, "flagged": 1} and again == {"reminded": 0, "flagged": 0}
    assert len(queued) == len(more) == 1  # one delivery queued per reminder, none for repeats
    for reminder in CommitteeReminder.objects.all():
        assert deliver_committee_reminder_task(reminder.pk) == 1
        assert deliver_committee_reminder_task(reminder.pk) == 0  # a retry tells nobody twice
    inbox = Notification.objects.filter(user=community.hub1_head)
    assert inbox.count() == 2
    assert {n.link for n in inbox} == {f"/committees/{committee.pk}/"}
    assert [m.to for m in mailoutbox] == [["hub1@example.cn"], ["hub1@example.cn"]]
    # Holding the joint meeting clears the flag.
    with time_machine.travel(dt.datetime(2026, 4, 22, 9, tzinfo=dt.UTC), tick=False):
        meeting = services.meeting_schedule(committee=committee, actor=community.center_staff,
                                            title="补开联席会议", held_on=dt.date(2026, 4, 22))
        services.meeting_record(meeting=meeting, actor=community.center_staff, minutes="已开。")
    committee.refresh_from_db()
    assert committee.cadence_missed_since is None


def test_one_director_at_a_time_and_terms(committee, community):
    services.member_add(committee=committee, actor=community.center_staff,
                        position=Position.DIRECTOR, contact_name="张主任",
                        starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2026, 12, 31))
    with pytest.raises(ValidationError) as error:
        services.member_add(committee=committee, actor=community.center_staff,
                            position=Position.DIRECTOR, contact_name="李主任",
                            starts_on=dt.date(2026, 6, 1))
    assert "position" in error.value.message_dict
    successor = services.member_add(committee=committee, actor=community.center_staff,
                                    position=Position.DIRECTOR, contact_name="李主任",
                                    starts_on=dt.date(2027, 1, 1))
    assert not successor.serves_on(dt.date(2026, 12, 31)) and successor.serves_on(
        dt.date(2027, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.member_add(committee=committee, actor=community.center_staff,
                            position=Position.MEMBER, contact_name="王五",
                            starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 1, 1))
    assert "ends_on" in error.value.message_dict


def test_committees_are_seen_only_in_their_community(committee, community):
    CommitteeFactory(community=community.other, name="六合居委会")
    assert [c.name for c in selectors.committee_list_for(user=community.worker_a)] == [
        "物业服务委员会"]
    assert selectors.committee_list_for(user=community.admin).count() == 2


def test_beat_runs_the_cadence_sweep_every_morning(committee, community, settings):
    from gridportal.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["committees-cadence-every-morning"]
    assert entry["task"] in app.tasks
    MemberFactory(committee=committee, user=community.hub1_head, contact_name="",
                  position=Position.DIRECTOR)
    MeetingFactory(committee=committee, held_on=dt.date(2025, 1, 15), status=MeetingStatus.HELD)
    with time_machine.travel(TODAY, tick=False):
        assert app.tasks[entry["task"]].apply().get() == {"reminded": 0, "flagged": 1}
        assert app.tasks[entry["task"]].apply().get() == {"reminded": 0, "flagged": 0}


def test_a_committee_without_a_portal_director_reminds_the_center_staff(committee, community):
    MemberFactory(committee=committee, contact_name="张主任", position=Position.DIRECTOR)
    MeetingFactory(committee=committee, held_on=dt.date(2026, 1, 15), status=MeetingStatus.HELD)
    services.cadence_sweep(today=dt.date(2026, 5, 1))
    reminder = CommitteeReminder.objects.get()
    assert services.reminder_recipients(committee) == [community.center_staff.pk]
    deliver_committee_reminder_task(reminder.pk)
    assert Notification.objects.get().user == community.center_staff


def test_a_directors_term_cannot_be_stretched_over_the_next_directors(committee, community):
    first = services.member_add(committee=committee, actor=community.center_staff,
                                position=Position.DIRECTOR, contact_name="张主任",
                                starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2026, 12, 31))
    services.member_add(committee=committee, actor=community.center_staff,
                        position=Position.DIRECTOR, contact_name="李主任",
                        starts_on=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.member_end_term(member=first, actor=community.center_staff,
                                 ends_on=dt.date(2027, 6, 30))
    assert "position" in error.value.message_dict
    first.refresh_from_db()
    assert first.ends_on == dt.date(2026, 12, 31)


def test_the_admin_keeps_one_director_at_a_time(committee, community, client):
    MemberFactory(committee=committee, contact_name="张主任", position=Position.DIRECTOR,
                  starts_on=dt.date(2024, 1, 1))
    client.force_login(community.admin)
    response = client.post("/admin/committees/member/add/", {
        "committee": committee.pk, "position": Position.DIRECTOR, "contact_name": "李主任",
        "organisation_kind": "resident", "starts_on": "2026-01-01"})
    assert response.status_code == 200  # the form again, with the error
    assert committee.members.filter(position=Position.DIRECTOR).count() == 1
    assert response.context["adminform"].form.errors["position"]


@pytest.mark.parametrize(("last_held", "months", "due"), [
    (dt.date(2026, 1, 15), 3, dt.date(2026, 4, 15)),
    (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),  # no 30 February: the month's end
    (dt.date(2026, 8, 31), 1, dt.date(2026, 9, 30)),
    (dt.date(2026, 12, 10), 12, dt.date(2027, 12, 10)),
])
def test_the_next_joint_meeting_falls_due_a_cadence_after_the_last(committee, last_held,
                                                                   months, due):
    committee.cadence_months = months
    assert selectors.next_joint_meeting_due(committee, last_held) == due


def test_a_committee_without_meetings_counts_its_cadence_from_its_creation(community):
    with time_machine.travel(dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC), tick=False):
        committee = CommitteeFactory(community=community.community)
    assert selectors.next_joint_meeting_due(committee, None) == dt.date(2026, 6, 2)


def test_attendance_is_marked_only_for_a_meeting_held_or_being_held(committee, community):
    member = MemberFactory(committee=committee)
    with time_machine.travel(TODAY, tick=False):
        today = services.meeting_schedule(committee=committee, actor=community.center_staff,
                                          title="今天的议事会", held_on=dt.date(2026, 6, 10))
        coming = services.meeting_schedule(committee=committee, actor=community.center_staff,
                                           title="下周的议事会", held_on=dt.date(2026, 6, 17))
        cancelled = services.meeting_schedule(committee=committee,
                                              actor=community.center_staff,
                                              title="取消的议事会", held_on=dt.date(2026, 6, 10))
        services.meeting_cancel(meeting=cancelled, actor=community.center_staff)
        assert services.attendance_mark(meeting=today, actor=community.center_staff,
                                        member=member, present=True).present
        for meeting in (coming, cancelled):
            with pytest.raises(ValidationError) as error:
                services.attendance_mark(meeting=meeting, actor=community.center_staff,
                                         member=member, present=True)
            assert "status" in error.value.message_dict
    assert not coming.attendance.exists() and not cancelled.attendance.exists()
