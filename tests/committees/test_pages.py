"""The committees pages as their users meet them: staff keep the records, grid workers read,
decisions are followed through their tickets, and the public board shows nobody's details."""

import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from committees import services
from committees.models import (
    Activity,
    Attendance,
    Decision,
    Match,
    MatchStatus,
    Meeting,
    MeetingStatus,
    Member,
)
from tests.tickets.factories import make_ticket
from tickets import services as ticket_services

from .factories import (
    ActivityFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    PartnerUnitFactory,
    ResourceFactory,
    ServiceItemFactory,
    VolunteerTeamFactory,
    wish_category,
)

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def committee(community):
    return CommitteeFactory(community=community.community, name="物业服务委员会")


@pytest.fixture
def member(committee):
    return MemberFactory(committee=committee, contact_name="赵委员")


@pytest.fixture
def held_meeting(committee, member, community):
    meeting = services.meeting_schedule(committee=committee, actor=community.center_staff,
                                        title="二季度联席会议", held_on=dt.date(2026, 6, 9),
                                        agenda=["路灯维修", "垃圾分类"])
    return services.meeting_record(meeting=meeting, actor=community.center_staff,
                                   minutes="议定：修复枫丹1栋路灯。", present=[member.pk])


@pytest.fixture
def planned_meeting(committee, member, community):
    return services.meeting_schedule(committee=committee, actor=community.center_staff,
                                     title="临时议事会", held_on=dt.date(2026, 6, 10))


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def png(name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_every_committees_page_opens_for_the_center_staff(community, committee, held_meeting,
                                                          login):
    partner = PartnerUnitFactory(community=community.community, name="云南电网")
    ResourceFactory(partner=partner, name="免费电工服务")
    ServiceItemFactory(community=community.community, name="养老认证")
    team = VolunteerTeamFactory(community=community.community, name="红色先锋队")
    activity = ActivityFactory(community=community.community, committee=committee)
    client = login(community.center_staff)
    pages = [
        (reverse("committees:list"), "物业服务委员会"),
        (reverse("committees:detail", args=[committee.pk]), "二季度联席会议"),
        (reverse("committees:meeting", args=[held_meeting.pk]), "路灯维修"),
        (reverse("committees:attendance", args=[held_meeting.pk]), "赵委员"),
        (reverse("committees:partner_list"), "云南电网"),
        (reverse("committees:partner", args=[partner.pk]), "免费电工服务"),
        (reverse("committees:service_list"), "养老认证"),
        (reverse("committees:three_lists"), "免费电工服务"),
        (reverse("committees:activity_list"), activity.title),
        (reverse("committees:activity", args=[activity.pk]), activity.title),
        (reverse("committees:team", args=[team.pk]), "红色先锋队"),
    ]
    for url, text in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_the_meeting_page_follows_the_decision_ticket_to_its_status(community, held_meeting,
                                                                    login):
    decision = services.decision_add(meeting=held_meeting, actor=community.center_staff,
                                     text="修复枫丹1栋门前路灯", owner=community.g5a,
                                     due_on=dt.date(2026, 6, 30), make_ticket=True)
    client = login(community.center_staff)
    url = reverse("committees:meeting", args=[held_meeting.pk])
    body = client.get(url).content.decode()
    assert decision.ticket.reference in body
    assert reverse("tickets:detail", args=[decision.ticket_id]) in body
    assert "status-new" in body and "status-accepted" not in body
    assert 'id="all-closed"' not in body

    ticket_services.ticket_transition(ticket=decision.ticket, actor=community.worker_a,
                                      action="accept")
    body = client.get(url).content.decode()
    assert "status-accepted" in body and "status-new" not in body


def test_staff_add_a_decision_that_becomes_a_ticket_from_the_page(community, held_meeting,
                                                                  login):
    client = login(community.center_staff)
    response = client.post(reverse("committees:decision_add", args=[held_meeting.pk]), {
        "text": "清理楼道杂物", "owner": community.g5a.pk, "due_on": "2026-06-20",
        "make_ticket": "on"})
    assert response.status_code == 302
    decision = Decision.objects.get(meeting=held_meeting)
    assert decision.ticket is not None and decision.ticket.owner == community.g5a


def test_a_decision_without_owner_or_date_is_refused_with_field_errors(community, held_meeting,
                                                                       login):
    client = english(login(community.center_staff))
    response = client.post(reverse("committees:decision_add", args=[held_meeting.pk]), {
        "text": "修路", "owner": "", "due_on": "", "make_ticket": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose the grid or hub that carries the decision out." in body
    assert "Give the date it must be done by." in body
    assert not Decision.objects.exists()


def test_a_meeting_without_a_topic_is_not_scheduled(community, committee, login):
    client = english(login(community.center_staff))
    response = client.post(reverse("committees:meeting_schedule", args=[committee.pk]), {
        "kind": "joint", "title": "", "held_on": "2026-07-01", "agenda": "一\n二"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Meeting.objects.exists()


def test_chinese_is_the_default_language_of_form_errors(community, committee, login):
    response = login(community.center_staff).post(
        reverse("committees:meeting_schedule", args=[committee.pk]),
        {"kind": "joint", "title": "", "held_on": "2026-07-01"})
    assert "该字段是必填项。" in response.content.decode()
    assert not Meeting.objects.exists()


def test_staff_schedule_a_meeting_with_one_agenda_item_per_line(community, committee, login):
    client = login(community.center_staff)
    response = client.post(reverse("committees:meeting_schedule", args=[committee.pk]), {
        "kind": "joint", "title": "三季度联席会议", "held_on": "2026-09-15", "place": "二楼",
        "agenda": "电梯维修\n\n停车管理\n"})
    meeting = Meeting.objects.get(title="三季度联席会议")
    assert response.status_code == 302
    assert [item.title for item in meeting.agenda_items.all()] == ["电梯维修", "停车管理"]


def test_staff_record_the_meeting_as_held_with_who_was_present(community, committee, member,
                                                               planned_meeting, login):
    absent = MemberFactory(committee=committee, contact_name="钱委员")
    client = login(community.center_staff)
    response = client.post(reverse("committees:meeting_record", args=[planned_meeting.pk]), {
        "minutes": "讨论了停车问题。", "present": [member.pk]})
    assert response.status_code == 302
    planned_meeting.refresh_from_db()
    assert planned_meeting.status == MeetingStatus.HELD
    rows = dict(Attendance.objects.values_list("member_id", "present"))
    assert rows == {member.pk: True, absent.pk: False}


def test_recording_without_minutes_saves_nothing(community, planned_meeting, member, login):
    client = english(login(community.center_staff))
    response = client.post(reverse("committees:meeting_record", args=[planned_meeting.pk]), {
        "minutes": "", "present": [member.pk]})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    planned_meeting.refresh_from_db()
    assert planned_meeting.status == MeetingStatus.PLANNED
    assert not Attendance.objects.exists()


def test_grid_worker_reads_but_cannot_record(community, committee, held_meeting,
                                             planned_meeting, login):
    client = login(community.worker_a)
    body = client.get(reverse("committees:meeting", args=[held_meeting.pk])).content.decode()
    assert "二季度联席会议" in body
    assert 'id="record-form"' not in body and 'id="decision-form"' not in body
    planned = client.get(reverse("committees:meeting", args=[planned_meeting.pk]))
    assert 'id="record-form"' not in planned.content.decode()
    page = client.get(reverse("committees:detail", args=[committee.pk])).content.decode()
    assert 'id="meeting-form"' not in page and 'id="member-form"' not in page

    record = client.post(reverse("committees:meeting_record", args=[planned_meeting.pk]),
                         {"minutes": "伪造的纪要"})
    decision = client.post(reverse("committees:decision_add", args=[held_meeting.pk]),
                           {"text": "伪造的决定"})
    schedule = client.post(reverse("committees:meeting_schedule", args=[committee.pk]),
                           {"kind": "joint", "title": "伪造", "held_on": "2026-07-01"})
    member = client.post(reverse("committees:member_add", args=[committee.pk]), {
        "position": "member", "contact_name": "某人", "organisation_kind": "resident",
        "starts_on": "2026-06-01"})
    assert [r.status_code for r in (record, decision, schedule, member)] == [403] * 4
    planned_meeting.refresh_from_db()
    assert planned_meeting.status == MeetingStatus.PLANNED
    assert not Decision.objects.exists()
    assert not Meeting.objects.filter(title="伪造").exists()
    assert not Member.objects.filter(contact_name="某人").exists()


def test_another_communitys_committee_answers_404(community, login):
    other = CommitteeFactory(community=community.other, name="六合居民委员会")
    meeting = services.meeting_schedule(committee=other, actor=community.admin, title="六合会议",
                                        held_on=dt.date(2026, 6, 9))
    client = login(community.worker_a)
    assert client.get(reverse("committees:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("committees:meeting", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("committees:attendance", args=[meeting.pk])).status_code == 404
    assert "六合居民委员会" not in client.get(reverse("committees:list")).content.decode()


def test_a_committee_that_missed_its_meeting_shows_the_overdue_badge(community, committee,
                                                                     login):
    late = CommitteeFactory(community=community.community, name="诉源治理委员会",
                            cadence_missed_since=dt.date(2026, 5, 1))
    client = login(community.center_staff)
    body = client.get(reverse("committees:list")).content.decode()
    assert body.count("overdue-badge") == 1
    detail = client.get(reverse("committees:detail", args=[late.pk])).content.decode()
    assert "overdue-badge" in detail
    fine = client.get(reverse("committees:detail", args=[committee.pk])).content.decode()
    assert "overdue-badge" not in fine


def test_the_committee_list_counts_open_decisions(community, committee, held_meeting, login):
    for text in ("修路灯", "清杂物"):
        services.decision_add(meeting=held_meeting, actor=community.center_staff, text=text,
                              owner=community.g5a, due_on=dt.date(2026, 6, 30),
                              make_ticket=True)
    body = login(community.center_staff).get(reverse("committees:list")).content.decode()
    assert '<dd class="col-5 mb-0">2</dd>' in body


def test_staff_add_a_member_and_a_charter(community, committee, login):
    client = english(login(community.center_staff))
    response = client.post(reverse("committees:member_add", args=[committee.pk]), {
        "position": "director", "user": community.hub1_head.pk, "organisation_kind":
        "community", "starts_on": "2026-01-01"})
    assert response.status_code == 302
    assert committee.members.get().user == community.hub1_head
    two_people = client.post(reverse("committees:member_add", args=[committee.pk]), {
        "position": "member", "user": community.worker_a.pk, "contact_name": "孙先生",
        "organisation_kind": "resident", "starts_on": "2026-01-01"})
    assert "Choose one person" in two_people.content.decode()
    assert committee.members.count() == 1
    empty = client.post(reverse("committees:charter_adopt", args=[committee.pk]),
                        {"adopted_on": "2026-06-01", "text": ""})
    assert "Give the charter&#x27;s text or attach its file." in empty.content.decode()
    client.post(reverse("committees:charter_adopt", args=[committee.pk]),
                {"adopted_on": "2026-06-01", "text": "第一条 宗旨"})
    page = client.get(reverse("committees:detail", args=[committee.pk])).content.decode()
    assert "第一条 宗旨" in page


def test_attendance_is_ticked_one_tap_per_member(community, member, planned_meeting, login):
    client = login(community.center_staff)
    url = reverse("committees:attendance_mark", args=[planned_meeting.pk, member.pk])
    page = client.get(reverse("committees:attendance", args=[planned_meeting.pk]))
    assert url in page.content.decode()

    response = client.post(url, {"present": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="attendance-{member.pk}"' in response.content.decode()
    assert Attendance.objects.get(meeting=planned_meeting, member=member).present is True

    response = client.post(url, {})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=planned_meeting, member=member).present is False


def test_grid_worker_cannot_tick_attendance(community, member, planned_meeting, login):
    client = login(community.worker_a)
    url = reverse("committees:attendance_mark", args=[planned_meeting.pk, member.pk])
    assert client.post(url, {"present": "on"}).status_code == 403
    assert not Attendance.objects.exists()


def test_a_need_is_matched_delivered_and_its_ticket_status_shown(community, login):
    partner = PartnerUnitFactory(community=community.community)
    resource = ResourceFactory(partner=partner, name="爱心理发")
    need = make_ticket(node=community.g5a, category=wish_category(), title="想理个发")
    client = login(community.center_staff)
    response = client.post(reverse("committees:match_create"), {
        "community": community.community.pk, "need": need.pk, "resource": resource.pk})
    assert response.status_code == 302
    match = Match.objects.get(need=need)
    body = client.get(reverse("committees:three_lists")).content.decode()
    assert "想理个发" in body and "爱心理发" in body and "status-new" in body
    client.post(reverse("committees:match_status", args=[match.pk]), {"status": "delivered"})
    match.refresh_from_db()
    assert match.status == MatchStatus.DELIVERED


def test_a_match_without_an_offer_is_refused(community, login):
    need = make_ticket(node=community.g5a, category=wish_category(), title="想要轮椅")
    client = english(login(community.center_staff))
    response = client.post(reverse("committees:match_create"), {
        "community": community.community.pk, "need": need.pk})
    assert "Choose one service or one resource." in response.content.decode()
    assert not Match.objects.exists()


def test_staff_record_an_activity_with_photos(community, committee, login):
    client = login(community.center_staff)
    response = client.post(reverse("committees:activity_create"), {
        "community": community.community.pk, "title": "反诈宣传进小区", "theme": "anti_fraud",
        "held_on": "2026-06-01", "participants": "45", "committee": committee.pk,
        "photos": [png("a.png"), png("b.png")]})
    activity = Activity.objects.get(title="反诈宣传进小区")
    assert response.status_code == 302
    assert activity.photos.count() == 2
    photo = activity.photos.first()
    image = client.get(reverse("committees:activity_photo", args=[activity.pk, photo.pk]))
    assert image.status_code == 200
    listing = client.get(reverse("committees:activity_list"),
                         {"year": 2026, "theme": "anti_fraud"}).content.decode()
    assert "反诈宣传进小区" in listing and "45" in listing


@pytest.mark.parametrize("year", ["0", "10000", "-5", "99999999999999999999"])
def test_a_year_out_of_range_on_the_activity_list_is_a_form_error_in_chinese(
        community, login, year):
    ActivityFactory(community=community.community, title="反诈宣传进小区")
    response = login(community.center_staff).get(
        reverse("committees:activity_list"), {"community": community.community.pk, "year": year})
    assert response.status_code == 200
    assert response.context["filters"].errors["year"] == ["请填写2000至2100年之间的年份。"]
    assert "请填写2000至2100年之间的年份。" in response.content.decode()
    assert "反诈宣传进小区" in response.content.decode()


def test_an_activity_without_organiser_is_refused(community, login):
    client = english(login(community.center_staff))
    response = client.post(reverse("committees:activity_create"), {
        "community": community.community.pk, "title": "清洁家园", "theme": "clean_up",
        "held_on": "2026-06-01", "participants": "10"})
    assert "Name the organiser" in response.content.decode()
    assert not Activity.objects.exists()


def test_the_public_board_shows_no_personal_data(community, registry, client):
    ServiceItemFactory(community=community.community, name="医保登记", place="一楼大厅",
                       hours="周一至周五")
    ResourceFactory(partner=PartnerUnitFactory(community=community.community,
                                               name="昆明银行", contact_name="陈经理",
                                               contact_phone="0871-65551234",
                                               address="北京路88号"),
                    name="金融知识讲座")
    need = make_ticket(node=community.g5a, category=wish_category(), title="希望楼下装个扶手",
                       reporter_name="李建华", reporter_phone="13800001111",
                       resident=registry.head_a, address="枫丹白鹭1栋501")
    services.board_entry_approve(need=need, actor=community.center_staff,
                                 text="希望楼下装个扶手")
    response = client.get(reverse("board:board", args=["SJC"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "希望楼下装个扶手" in body and "医保登记" in body and "金融知识讲座" in body
    assert "昆明银行" in body and community.g5a.name in body
    for secret in ("李建华", "13800001111", "枫丹白鹭1栋501", "501", "李小明", "王芳",
                   "13900002222", "53010220150601", "陈经理", "0871-65551234", "北京路88号"):
        assert secret not in body, secret


def test_a_logged_in_grid_worker_opens_the_public_board_with_the_portal_menu(
        community, login):
    response = login(community.worker_a).get(reverse("board:board", args=["SJC"]))
    body = response.content.decode()
    assert response.status_code == 200
    for name in ("committees:list", "committees:activity_list", "tickets:inbox"):
        assert f'href="{reverse(name)}"' in body, name


def test_the_public_board_of_an_unknown_community_is_404(client, community):
    assert client.get(reverse("board:board", args=["NOPE"])).status_code == 404


def test_the_public_board_shows_a_need_only_once_its_masked_text_is_approved(
        community, registry, client, login):
    need = make_ticket(node=community.g5a, category=wish_category(),
                       title="李建华家需要轮椅一台，电话13800001111", reporter_name="李建华",
                       reporter_phone="13800001111", resident=registry.head_a)
    assert "轮椅" not in client.get(reverse("board:board", args=["SJC"])).content.decode()
    staff = login(community.center_staff)
    queue = staff.get(reverse("committees:board_queue")).content.decode()
    assert "李**家需要轮椅一台，电话***</textarea>" in queue
    staff.post(reverse("committees:board_approve", args=[need.pk]),
               {"text": "李**家需要轮椅一台，电话***"})
    client.logout()
    body = client.get(reverse("board:board", args=["SJC"])).content.decode()
    assert "李**家需要轮椅一台，电话***" in body
    assert "李建华" not in body and "13800001111" not in body


def test_staff_end_a_members_term_and_it_moves_to_past_members(community, login):
    committee = CommitteeFactory(community=community.community, name="公共服务委员会")
    member = MemberFactory(committee=committee, contact_name="马医生",
                           starts_on=dt.date(2024, 1, 1))
    client = login(community.center_staff)
    url = reverse("committees:member_end_term", args=[committee.pk, member.pk])
    response = client.post(url, {"ends_on": "2025-12-31"}, follow=True)
    member.refresh_from_db()
    assert member.ends_on == dt.date(2025, 12, 31)
    body = response.content.decode()
    assert 'id="past-members"' in body and "马医生" in body.split('id="past-members"')[1]
    # A term cannot end before it started: the message says so and nothing changes.
    response = client.post(url, {"ends_on": "2023-01-01"}, follow=True)
    member.refresh_from_db()
    assert member.ends_on == dt.date(2025, 12, 31)
    assert "The term cannot end before it starts." in response.content.decode() or \
        "任期结束日期不能早于开始日期。" in response.content.decode()
    assert login(community.worker_a).post(url, {"ends_on": "2026-01-01"}).status_code == 403


def test_a_planned_meeting_can_be_cancelled_but_not_a_held_one(community, login):
    committee = CommitteeFactory(community=community.community, name="合作互助委员会")
    planned = MeetingFactory(committee=committee, held_on=dt.date(2026, 12, 1))
    held = MeetingFactory(committee=committee, status=MeetingStatus.HELD, minutes="已开")
    client = login(community.center_staff)
    client.post(reverse("committees:meeting_cancel", args=[planned.pk]))
    client.post(reverse("committees:meeting_cancel", args=[held.pk]))
    planned.refresh_from_db()
    held.refresh_from_db()
    assert (planned.status, held.status) == (MeetingStatus.CANCELLED, MeetingStatus.HELD)
    assert login(community.worker_a).post(
        reverse("committees:meeting_cancel", args=[planned.pk])).status_code == 403


def test_a_decision_recorded_without_a_ticket_becomes_one_later(community, login):
    committee = CommitteeFactory(community=community.community, name="居民委员会")
    meeting = MeetingFactory(committee=committee, status=MeetingStatus.HELD, minutes="议定",
                             held_on=timezone.localdate())
    decision = services.decision_add(meeting=meeting, actor=community.center_staff,
                                     text="增设枫丹1栋快递柜", owner=community.g5a,
                                     due_on=timezone.localdate() + dt.timedelta(days=20))
    assert decision.ticket is None
    client = login(community.center_staff)
    page = client.get(reverse("committees:meeting", args=[meeting.pk])).content.decode()
    assert reverse("committees:decision_ticket", args=[meeting.pk, decision.pk]) in page
    client.post(reverse("committees:decision_ticket", args=[meeting.pk, decision.pk]))
    decision.refresh_from_db()
    assert decision.ticket is not None and decision.ticket.owner == community.g5a


def test_the_committee_page_shows_the_areas_it_covers(community, login):
    from committees.models import CommitteeArea

    committee = CommitteeFactory(community=community.community, name="物业服务委员会")
    area = CommitteeArea.objects.create(committee=committee, name="金色大区", size="large")
    area.nodes.set([community.hub2])
    body = login(community.worker_a).get(
        reverse("committees:detail", args=[committee.pk])).content.decode()
    section = body.split('id="areas"')[1]
    assert "金色大区" in section and community.hub2.name in section


def test_center_staff_set_up_a_committee_from_the_list(community, login):
    client = login(community.center_staff)
    page = client.get(reverse("committees:list")).content.decode()
    assert 'id="committee-form"' in page
    response = client.post(reverse("committees:create"), {
        "community": community.community.pk, "committee-kind": "other",
        "committee-name": "平安建设委员会", "committee-cadence_months": "3",
        "committee-remind_days_before": "7"})
    committee = community.community.committees.get(name="平安建设委员会")
    assert response.status_code == 302 and response["Location"] == reverse(
        "committees:detail", args=[committee.pk])
    # The same name again: the form says so, and nothing more is saved.
    again = client.post(reverse("committees:create"), {
        "community": community.community.pk, "committee-kind": "other",
        "committee-name": "平安建设委员会", "committee-cadence_months": "3",
        "committee-remind_days_before": "7"})
    assert again.status_code == 200 and 'id="committee-form"' in again.content.decode()
    assert community.community.committees.count() == 1


def test_a_grid_worker_cannot_set_up_a_committee(community, login):
    client = login(community.worker_a)
    assert 'id="committee-form"' not in client.get(reverse("committees:list")).content.decode()
    response = client.post(reverse("committees:create"), {
        "community": community.community.pk, "committee-kind": "other",
        "committee-name": "平安建设委员会", "committee-cadence_months": "3",
        "committee-remind_days_before": "7"})
    assert response.status_code == 403 and not community.community.committees.exists()


def test_attendance_of_a_meeting_to_come_is_refused_with_a_message(community, committee, member,
                                                                   login):
    coming = services.meeting_schedule(committee=committee, actor=community.center_staff,
                                       title="明年的议事会",
                                       held_on=timezone.localdate() + dt.timedelta(days=30))
    client = login(community.center_staff)
    url = reverse("committees:attendance_mark", args=[coming.pk, member.pk])
    page = client.get(reverse("committees:attendance", args=[coming.pk])).content.decode()
    assert url not in page and 'id="attendance-closed"' in page and "才能登记出席" in page
    response = client.post(url, {"present": "on"}, HTTP_HX_REQUEST="true")
    assert "才能登记出席" in response.content.decode()
    response = client.post(url, {"present": "on"}, follow=True)
    assert "才能登记出席" in response.content.decode()
    assert not Attendance.objects.filter(meeting=coming).exists()
