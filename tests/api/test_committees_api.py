"""The committees API: committees, meetings with decisions as tickets, partner units, the
resource and service lists, and activities, each scoped to the caller's communities."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees.models import (
    ActivityPhoto,
    Charter,
    MeetingKind,
    MeetingStatus,
    PartnerUnit,
    Position,
    Resource,
)
from grids.models import Role, ServicePoint
from tests.committees.factories import (
    ActivityFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    PartnerUnitFactory,
    ResourceFactory,
    ServiceItemFactory,
)
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import category
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def committee(community):
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        return CommitteeFactory(community=community.community, name="物业服务委员会")


@pytest.fixture
def other_committee(community):
    return CommitteeFactory(community=community.other, name="六合居委会")


def _names(rows) -> list[str]:
    return [row["name"] for row in rows]


# --- Committees -----------------------------------------------------------------------------


def test_a_grid_worker_sees_their_communitys_committees_and_not_the_neighbours(
        community, committee, other_committee, api_client):
    api_client.force_authenticate(community.worker_a)
    body = api_client.get("/api/v1/committees/").json()
    assert _names(body["results"]) == ["物业服务委员会"]
    assert body["results"][0]["community_name"] == "世纪城社区"
    assert api_client.get(f"/api/v1/committees/{other_committee.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/committees/{committee.pk}/").status_code == 200
    api_client.force_authenticate(community.admin)
    assert len(api_client.get("/api/v1/committees/").json()["results"]) == 2
    only_other = api_client.get("/api/v1/committees/", {"community": community.other.pk})
    assert _names(only_other.json()["results"]) == ["六合居委会"]


def test_filtering_by_a_community_outside_scope_is_refused(community, committee, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get("/api/v1/committees/", {"community": community.other.pk})
    assert response.status_code == 400 and "community" in response.json()


def test_a_committee_shows_current_members_without_phones_and_its_charter(
        community, registry, committee, api_client):
    MemberFactory(committee=committee, resident=registry.head_a, contact_name="",
                  position=Position.DIRECTOR)
    MemberFactory(committee=committee, contact_name="陈律师", contact_phone="13912345678",
                  organisation="云南某律师事务所")
    MemberFactory(committee=committee, contact_name="已卸任委员", ends_on=dt.date(2025, 12, 31))
    Charter.objects.create(committee=committee, version=1, adopted_on=dt.date(2025, 1, 1),
                           text="章程第一版")
    Charter.objects.create(committee=committee, version=2, adopted_on=dt.date(2026, 3, 1),
                           text="章程第二版")
    MeetingFactory(committee=committee, held_on=dt.date(2026, 3, 20), status=MeetingStatus.HELD)
    api_client.force_authenticate(community.worker_a)
    with time_machine.travel(TODAY, tick=False):
        response = api_client.get(f"/api/v1/committees/{committee.pk}/")
    body = response.json()
    assert body["member_count"] == 2
    assert [(m["name"], m["position"]) for m in body["members"]] == [
        ("李建华", "director"), ("陈律师", "member")]
    assert "13800001111" not in response.content.decode()
    assert "13912345678" not in response.content.decode()
    assert body["charter"]["version"] == 2 and body["charter"]["adopted_on"] == "2026-03-01"
    assert body["last_joint_meeting"] == "2026-03-20"
    assert body["next_joint_meeting_due"] == "2026-06-20"
    assert body["kind_display"]


def test_center_staff_add_a_member_and_a_grid_worker_cannot(community, committee, api_client):
    url = f"/api/v1/committees/{committee.pk}/members/"
    payload = {"contact_name": "赵警官", "organisation_kind": "police", "position": "deputy",
               "starts_on": "2026-01-01"}
    api_client.force_authenticate(community.worker_a)
    assert api_client.post(url, payload, format="json").status_code == 403
    api_client.force_authenticate(community.center_staff)
    response = api_client.post(url, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "赵警官"
    assert committee.members.get().organisation_kind == "police"
    two_people = api_client.post(url, {**payload, "user": community.worker_b.pk}, format="json")
    assert two_people.status_code == 400 and "user" in two_people.json()


def test_a_member_is_chosen_among_the_communitys_people_and_no_other_name_is_echoed(
        community, committee, api_client):
    outsider = UserFactory(username="outsider", last_name="钱", first_name="外人")
    AssignmentFactory(user=outsider, node=community.g4x, role=Role.WORKER)  # 六合, not 世纪城
    nobody = UserFactory(username="nobody", last_name="孙", first_name="无岗")  # no assignment
    url = f"/api/v1/committees/{committee.pk}/members/"
    api_client.force_authenticate(community.center_staff)
    for user in (outsider, nobody):
        response = api_client.post(url, {"user": user.pk, "position": "member",
                                         "starts_on": "2026-01-01"}, format="json")
        assert response.status_code == 400 and "user" in response.json()
        assert user.last_name not in response.content.decode()
    assert not committee.members.exists()
    response = api_client.post(url, {"user": community.worker_a.pk, "position": "member",
                                     "starts_on": "2026-01-01"}, format="json")
    assert response.status_code == 201


def test_a_member_without_a_position_is_a_400_naming_the_field(community, committee,
                                                               api_client):
    api_client.force_authenticate(community.center_staff)
    response = api_client.post(f"/api/v1/committees/{committee.pk}/members/",
                               {"contact_name": "赵警官", "starts_on": "2026-01-01"},
                               format="json")
    assert response.status_code == 400 and "position" in response.json()
    assert not committee.members.exists()


def test_adding_a_member_to_the_neighbours_committee_is_not_found(
        community, other_committee, api_client):
    api_client.force_authenticate(community.center_staff)
    response = api_client.post(f"/api/v1/committees/{other_committee.pk}/members/",
                               {"contact_name": "某人", "starts_on": "2026-01-01"}, format="json")
    assert response.status_code == 404


def test_the_committee_list_costs_the_same_for_3_and_12_committees(community, api_client):
    def add_committees(count: int) -> None:
        for _ in range(count):
            committee = CommitteeFactory(community=community.community)
            MemberFactory(committee=committee)
            MemberFactory(committee=committee, user=community.worker_b, contact_name="")
            Charter.objects.create(committee=committee, version=1,
                                   adopted_on=dt.date(2025, 1, 1), text="章程")
            MeetingFactory(committee=committee, status=MeetingStatus.HELD)

    api_client.force_authenticate(community.worker_a)
    add_committees(3)
    with CaptureQueriesContext(connection) as few:
        assert len(api_client.get("/api/v1/committees/").json()["results"]) == 3
    add_committees(9)
    with CaptureQueriesContext(connection) as many:
        rows = api_client.get("/api/v1/committees/").json()["results"]
    assert len(rows) == 12 and all(len(row["members"]) == 2 for row in rows)
    assert len(many) == len(few) <= 10


# --- Meetings -------------------------------------------------------------------------------


def test_meetings_are_scoped_and_filtered(community, committee, other_committee, api_client):
    ours = MeetingFactory(committee=committee, held_on=dt.date(2026, 3, 20),
                          status=MeetingStatus.HELD)
    MeetingFactory(committee=committee, held_on=dt.date(2025, 9, 1), title="去年的会议",
                   kind=MeetingKind.DELIBERATION)
    theirs = MeetingFactory(committee=other_committee)
    api_client.force_authenticate(community.worker_a)
    rows = api_client.get("/api/v1/meetings/").json()["results"]
    assert {row["id"] for row in rows} == {ours.pk, ours.pk + 1}
    assert api_client.get(f"/api/v1/meetings/{theirs.pk}/").status_code == 404
    for what in ("record", "attendance", "decisions"):
        response = api_client.post(f"/api/v1/meetings/{theirs.pk}/{what}/", {}, format="json")
        assert response.status_code == 404
    by_year = api_client.get("/api/v1/meetings/", {"year": 2026}).json()["results"]
    assert [row["id"] for row in by_year] == [ours.pk]
    by_kind = api_client.get("/api/v1/meetings/", {"kind": "deliberation"}).json()["results"]
    assert [row["title"] for row in by_kind] == ["去年的会议"]
    held = api_client.get("/api/v1/meetings/", {"status": "held",
                                                "committee": committee.pk}).json()["results"]
    assert [row["id"] for row in held] == [ours.pk]
    assert held[0]["committee_name"] == "物业服务委员会"


def test_a_grid_worker_cannot_schedule_a_meeting(community, committee, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/meetings/", {
        "committee": committee.pk, "title": "二季度联席会议", "held_on": "2026-06-09"},
        format="json")
    assert response.status_code == 403
    assert not committee.meetings.exists()


def test_the_committees_director_schedules_a_meeting(community, committee, api_client):
    MemberFactory(committee=committee, user=community.worker_b, contact_name="",
                  position=Position.DIRECTOR)
    api_client.force_authenticate(community.worker_b)
    response = api_client.post("/api/v1/meetings/", {
        "committee": committee.pk, "kind": "deliberation", "title": "一事一议：加装电梯",
        "held_on": "2026-06-09"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "deliberation"


def test_center_staff_hold_a_meeting_and_turn_a_decision_into_a_ticket(
        community, committee, api_client):
    director = MemberFactory(committee=committee, contact_name="张主任",
                             position=Position.DIRECTOR)
    member = MemberFactory(committee=committee, contact_name="王委员")
    category()
    api_client.force_authenticate(community.center_staff)
    with time_machine.travel(TODAY, tick=False):
        scheduled = api_client.post("/api/v1/meetings/", {
            "committee": committee.pk, "title": "二季度联席会议", "held_on": "2026-06-09",
            "starts_at": "15:00", "place": "党群服务中心", "agenda": ["路灯维修", "垃圾分类"]},
            format="json")
        assert scheduled.status_code == 201, scheduled.json()
        meeting = scheduled.json()
        assert meeting["status"] == "planned"
        assert [item["title"] for item in meeting["agenda"]] == ["路灯维修", "垃圾分类"]
        assert {row["member"]: row["present"] for row in meeting["attendance"]} == {
            director.pk: None, member.pk: None}
        url = f"/api/v1/meetings/{meeting['id']}/"

        too_early = api_client.post(f"{url}decisions/", {"text": "修路灯"}, format="json")
        assert too_early.status_code == 400 and "text" in too_early.json()

        recorded = api_client.post(f"{url}record/", {
            "minutes": "议定：修复枫丹1栋路灯。", "present": [director.pk],
            "guests": "物业公司经理"}, format="json")
        assert recorded.status_code == 200, recorded.json()
        assert recorded.json()["status"] == "held"
        assert {row["member"]: row["present"] for row in recorded.json()["attendance"]} == {
            director.pk: True, member.pk: False}

        marked = api_client.post(f"{url}attendance/", {"member": member.pk, "present": True},
                                 format="json")
        assert marked.status_code == 200
        assert all(row["present"] for row in marked.json()["attendance"])

        decided = api_client.post(f"{url}decisions/", {
            "text": "修复枫丹1栋门前路灯", "owner": community.g5a.pk, "due_on": "2026-06-30",
            "make_ticket": True}, format="json")
    assert decided.status_code == 201, decided.json()
    decision = decided.json()
    ticket = Ticket.objects.get()
    assert decision["owner_name"] == "枫丹第1网格" and decision["due_on"] == "2026-06-30"
    assert decision["ticket"]["reference"] == ticket.reference
    assert decision["ticket"]["status"] == Status.NEW and decision["ticket"]["status_display"]
    assert ticket.owner == community.g5a
    detail = api_client.get(url).json()
    assert detail["decision_count"] == 1 and detail["open_decision_count"] == 1
    assert detail["decisions"][0]["ticket"]["id"] == ticket.pk
    # The grid that owns the decision finds it in its own queue.
    api_client.force_authenticate(community.worker_a)
    assert api_client.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200


@pytest.fixture
def held_meeting(community, committee):
    return MeetingFactory(committee=committee, held_on=dt.date(2026, 6, 9),
                          status=MeetingStatus.HELD, minutes="已开。")


def test_a_decision_owner_outside_the_community_names_the_field(
        community, held_meeting, api_client):
    api_client.force_authenticate(community.center_staff)
    url = f"/api/v1/meetings/{held_meeting.pk}/decisions/"
    with time_machine.travel(TODAY, tick=False):
        outside = api_client.post(url, {"text": "修路", "owner": community.g4x.pk,
                                        "due_on": "2026-06-30", "make_ticket": True},
                                  format="json")
        no_date = api_client.post(url, {"text": "修路", "owner": community.g5a.pk,
                                        "make_ticket": True}, format="json")
        past = api_client.post(url, {"text": "修路", "owner": community.g5a.pk,
                                     "due_on": "2026-06-01", "make_ticket": True}, format="json")
    assert outside.status_code == 400 and "owner" in outside.json()
    assert no_date.status_code == 400 and set(no_date.json()) == {"due_on"}
    assert past.status_code == 400 and "due_on" in past.json()
    assert not held_meeting.decisions.exists() and not Ticket.objects.exists()


def test_a_decision_without_a_ticket_is_just_recorded(community, held_meeting, api_client):
    api_client.force_authenticate(community.center_staff)
    response = api_client.post(f"/api/v1/meetings/{held_meeting.pk}/decisions/",
                               {"text": "下次会议讨论停车问题"}, format="json")
    assert response.status_code == 201
    assert response.json()["ticket"] is None and response.json()["owner"] is None


def test_attendance_accepts_only_the_committees_serving_members(
        community, committee, held_meeting, other_committee, api_client):
    stranger = MemberFactory(committee=other_committee)
    retired = MemberFactory(committee=committee, ends_on=dt.date(2025, 12, 31))
    api_client.force_authenticate(community.center_staff)
    url = f"/api/v1/meetings/{held_meeting.pk}/"
    other = api_client.post(f"{url}attendance/", {"member": stranger.pk, "present": True},
                            format="json")
    assert other.status_code == 400 and "member" in other.json()
    gone = api_client.post(f"{url}attendance/", {"member": retired.pk, "present": True},
                           format="json")
    assert gone.status_code == 400 and "member" in gone.json()
    with time_machine.travel(TODAY, tick=False):
        unknown = api_client.post(f"{url}record/", {"minutes": "x", "present": [retired.pk]},
                                  format="json")
        no_minutes = api_client.post(f"{url}record/", {"minutes": ""}, format="json")
    assert unknown.status_code == 400 and "present" in unknown.json()
    assert no_minutes.status_code == 400 and "minutes" in no_minutes.json()


def test_a_meeting_cannot_be_recorded_before_its_date(community, committee, api_client):
    meeting = MeetingFactory(committee=committee, held_on=dt.date(2026, 7, 1))
    api_client.force_authenticate(community.center_staff)
    with time_machine.travel(TODAY, tick=False):
        response = api_client.post(f"/api/v1/meetings/{meeting.pk}/record/",
                                   {"minutes": "提前记录"}, format="json")
    assert response.status_code == 400 and "held_on" in response.json()


def test_the_meeting_list_costs_the_same_for_3_and_15_meetings(community, committee, api_client):
    api_client.force_authenticate(community.hub1_head)
    for _ in range(3):
        MeetingFactory(committee=committee)
    with CaptureQueriesContext(connection) as few:
        assert len(api_client.get("/api/v1/meetings/").json()["results"]) == 3
    other = CommitteeFactory(community=community.community)
    for _ in range(12):
        MeetingFactory(committee=other)
    with CaptureQueriesContext(connection) as many:
        assert len(api_client.get("/api/v1/meetings/").json()["results"]) == 15
    assert len(many) == len(few) <= 10


# --- Partner units and the lists ------------------------------------------------------------


def test_center_staff_keep_partner_units_and_workers_read_them(community, api_client):
    PartnerUnitFactory(community=community.other, name="六合派出所")
    api_client.force_authenticate(community.center_staff)
    created = api_client.post("/api/v1/partner-units/", {
        "community": community.community.pk, "name": "世纪城派出所", "kind": "police",
        "party_committee_member": True, "contact_phone": "0871-65550110"}, format="json")
    assert created.status_code == 201, created.json()
    partner = created.json()
    assert partner["resources"] == [] and partner["resource_count"] == 0
    duplicate = api_client.post("/api/v1/partner-units/", {
        "community": community.community.pk, "name": "世纪城派出所"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    bad_phone = api_client.post("/api/v1/partner-units/", {
        "community": community.community.pk, "name": "某银行", "contact_phone": "电话"},
        format="json")
    assert bad_phone.status_code == 400 and "contact_phone" in bad_phone.json()
    outside = api_client.post("/api/v1/partner-units/", {
        "community": community.other.pk, "name": "某银行"}, format="json")
    assert outside.status_code == 400 and "community" in outside.json()

    api_client.force_authenticate(community.worker_a)
    assert _names(api_client.get("/api/v1/partner-units/").json()["results"]) == ["世纪城派出所"]
    refused = api_client.patch(f"/api/v1/partner-units/{partner['id']}/", {"active": False},
                               format="json")
    assert refused.status_code == 403

    api_client.force_authenticate(community.center_staff)
    retired = api_client.patch(f"/api/v1/partner-units/{partner['id']}/", {"active": False},
                               format="json")
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert not PartnerUnit.objects.get(pk=partner["id"]).active
    assert api_client.get("/api/v1/partner-units/", {"active": True}).json()["results"] == []
    moved = api_client.patch(f"/api/v1/partner-units/{partner['id']}/",
                             {"community": community.other.pk}, format="json")
    assert moved.status_code == 400 and "community" in moved.json()


def test_a_partner_unit_of_the_neighbours_is_not_found(community, api_client):
    theirs = PartnerUnitFactory(community=community.other)
    api_client.force_authenticate(community.center_staff)
    assert api_client.get(f"/api/v1/partner-units/{theirs.pk}/").status_code == 404
    response = api_client.patch(f"/api/v1/partner-units/{theirs.pk}/", {"active": False},
                                format="json")
    assert response.status_code == 404


def test_resources_are_offered_by_partners_in_scope(community, api_client):
    ours = PartnerUnitFactory(community=community.community, name="社区卫生服务站")
    theirs = PartnerUnitFactory(community=community.other, name="六合医院")
    ResourceFactory(partner=theirs, name="六合义诊")
    api_client.force_authenticate(community.center_staff)
    created = api_client.post("/api/v1/resources/", {
        "partner": ours.pk, "name": "每月义诊", "capacity": "每月一次"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["community"] == community.community.pk
    refused = api_client.post("/api/v1/resources/", {"partner": theirs.pk, "name": "借用"},
                              format="json")
    assert refused.status_code == 400 and "partner" in refused.json()
    changed = api_client.patch(f"/api/v1/resources/{created.json()['id']}/",
                               {"available": False}, format="json")
    assert changed.status_code == 200 and changed.json()["available"] is False

    api_client.force_authenticate(community.worker_a)
    assert _names(api_client.get("/api/v1/resources/").json()["results"]) == ["每月义诊"]
    partner = api_client.get(f"/api/v1/partner-units/{ours.pk}/").json()
    assert [r["name"] for r in partner["resources"]] == ["每月义诊"]
    assert api_client.post("/api/v1/resources/", {"partner": ours.pk, "name": "场地"},
                           format="json").status_code == 403
    assert not Resource.objects.filter(name="场地").exists()


def test_services_are_kept_per_community(community, api_client):
    point = ServicePoint.objects.create(node=community.hub1, name="枫丹白鹭服务点")
    theirs = ServiceItemFactory(community=community.other, name="六合证明开具")
    assert reverse("service-item-list") == "/api/v1/services/"
    api_client.force_authenticate(community.center_staff)
    created = api_client.post("/api/v1/services/", {
        "community": community.community.pk, "name": "养老资格认证", "mode": "appointment",
        "service_point": point.pk, "hours": "周二上午"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["service_point_name"] == "枫丹白鹭服务点"
    assert created.json()["mode_display"]
    assert api_client.get(f"/api/v1/services/{theirs.pk}/").status_code == 404
    rows = api_client.get("/api/v1/services/").json()["results"]
    assert _names(rows) == ["养老资格认证"]
    renamed = api_client.put(f"/api/v1/services/{created.json()['id']}/", {
        "community": community.community.pk, "name": "养老金资格认证", "mode": "walk_in"},
        format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "养老金资格认证"


# --- Activities -----------------------------------------------------------------------------


def test_center_staff_record_an_activity_with_its_organiser(community, committee, api_client):
    api_client.force_authenticate(community.center_staff)
    created = api_client.post("/api/v1/activities/", {
        "community": community.community.pk, "title": "反诈宣传进小区", "theme": "anti_fraud",
        "held_on": "2026-05-20", "participants": 120, "committee": committee.pk},
        format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["committee_name"] == "物业服务委员会"
    no_organiser = api_client.post("/api/v1/activities/", {
        "community": community.community.pk, "title": "消防演练", "theme": "fire_safety",
        "held_on": "2026-05-21"}, format="json")
    assert no_organiser.status_code == 400 and "committee" in no_organiser.json()
    api_client.force_authenticate(community.worker_a)
    refused = api_client.post("/api/v1/activities/", {
        "community": community.community.pk, "title": "消防演练", "theme": "fire_safety",
        "held_on": "2026-05-21", "committee": committee.pk}, format="json")
    assert refused.status_code == 403


def test_activity_totals_by_year_and_theme_for_the_callers_communities(
        community, committee, api_client):
    first = ActivityFactory(community=community.community, committee=committee,
                            held_on=dt.date(2025, 3, 1), participants=40)
    for n in range(3):  # photos must not multiply the participants
        ActivityPhoto.objects.create(activity=first, image=f"activities/{n}.jpg")
    ActivityFactory(community=community.community, committee=committee,
                    held_on=dt.date(2026, 5, 1), participants=30, theme="legal")
    ActivityFactory(community=community.community, committee=committee,
                    held_on=dt.date(2026, 6, 1), participants=50)
    ActivityFactory(community=community.other, held_on=dt.date(2026, 6, 1), participants=900)
    api_client.force_authenticate(community.worker_a)
    totals = api_client.get("/api/v1/activities/totals/").json()
    assert totals["by_year"] == [
        {"year": 2026, "activities": 2, "participants": 80},
        {"year": 2025, "activities": 1, "participants": 40}]
    themes = {row["theme"]: (row["activities"], row["participants"])
              for row in totals["by_theme"]}
    assert themes == {"anti_fraud": (2, 90), "legal": (1, 30)}
    this_year = api_client.get("/api/v1/activities/totals/", {"year": 2026}).json()
    assert this_year["by_year"] == [{"year": 2026, "activities": 2, "participants": 80}]
    listed = api_client.get("/api/v1/activities/", {"theme": "anti_fraud"}).json()["results"]
    assert [row["photo_count"] for row in listed] == [0, 3]


@pytest.mark.parametrize("path", ["/api/v1/meetings/", "/api/v1/activities/",
                                  "/api/v1/activities/totals/"])
@pytest.mark.parametrize("year", ["0", "10000", "-5", "99999999999999999999", "1e3"])
def test_a_year_out_of_range_is_a_400_naming_the_field(community, committee, api_client,
                                                       path, year):
    MeetingFactory(committee=committee)
    ActivityFactory(community=community.community, committee=committee)
    api_client.force_authenticate(community.center_staff)
    response = api_client.get(path, {"year": year}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "year" in response.json()
    if year != "1e3":
        assert response.json()["year"] == ["请填写2000至2100年之间的年份。"]


def test_the_schema_describes_the_committee_endpoints(community, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for path in ("/api/v1/committees/", "/api/v1/committees/{id}/members/",
                 "/api/v1/meetings/{id}/record/", "/api/v1/meetings/{id}/decisions/",
                 "/api/v1/partner-units/{id}/", "/api/v1/resources/", "/api/v1/services/",
                 "/api/v1/activities/totals/"):
        assert path in paths
    params = {p["name"] for p in paths["/api/v1/meetings/"]["get"]["parameters"]}
    assert {"community", "committee", "kind", "status", "year"} <= params


def test_a_members_term_ends_through_the_api(community, committee, other_committee, api_client):
    member = MemberFactory(committee=committee, contact_name="马医生",
                           starts_on=dt.date(2024, 1, 1))
    outsider = MemberFactory(committee=other_committee, contact_name="六合委员")
    url = f"/api/v1/committees/{committee.pk}/end-term/"
    api_client.force_authenticate(community.worker_a)
    assert api_client.post(url, {"member": member.pk, "ends_on": "2025-12-31"},
                           format="json").status_code == 403
    api_client.force_authenticate(community.center_staff)
    early = api_client.post(url, {"member": member.pk, "ends_on": "2023-12-31"}, format="json")
    assert early.status_code == 400 and "ends_on" in early.json()
    other = api_client.post(url, {"member": outsider.pk, "ends_on": "2025-12-31"},
                            format="json")
    assert other.status_code == 400 and "member" in other.json()
    response = api_client.post(url, {"member": member.pk, "ends_on": "2025-12-31"},
                               format="json")
    assert response.status_code == 200 and response.json()["ends_on"] == "2025-12-31"
    member.refresh_from_db()
    outsider.refresh_from_db()
    assert (member.ends_on, outsider.ends_on) == (dt.date(2025, 12, 31), None)


def test_a_planned_meeting_is_cancelled_through_the_api(community, committee, api_client):
    planned = MeetingFactory(committee=committee, held_on=dt.date(2026, 12, 1))
    api_client.force_authenticate(community.center_staff)
    response = api_client.post(f"/api/v1/meetings/{planned.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = api_client.post(f"/api/v1/meetings/{planned.pk}/cancel/")
    assert again.status_code == 400 and "status" in again.json()


def test_a_committee_lists_the_areas_it_covers(community, committee, api_client):
    from committees.models import CommitteeArea

    area = CommitteeArea.objects.create(committee=committee, name="枫丹大区", size="large")
    area.nodes.set([community.g4a, community.g5a])
    api_client.force_authenticate(community.worker_a)
    body = api_client.get(f"/api/v1/committees/{committee.pk}/").json()
    [shown] = body["areas"]
    assert (shown["id"], shown["name"], shown["size"]) == (area.pk, "枫丹大区", "large")
    assert sorted(shown["nodes"]) == sorted([community.g4a.pk, community.g5a.pk])


def test_center_staff_set_up_a_committee_and_a_grid_worker_cannot(community, api_client):
    payload = {"community": community.community.pk, "kind": "other", "name": "平安建设委员会",
               "cadence_months": 2}
    api_client.force_authenticate(community.worker_a)
    assert api_client.post("/api/v1/committees/", payload, format="json").status_code == 403
    api_client.force_authenticate(community.center_staff)
    response = api_client.post("/api/v1/committees/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "平安建设委员会"
    assert response.json()["cadence_months"] == 2
    again = api_client.post("/api/v1/committees/", payload, format="json")
    assert again.status_code == 400 and "name" in again.json()
    other = api_client.post("/api/v1/committees/", {**payload, "community": community.other.pk,
                                                    "name": "六合平安委员会"}, format="json")
    assert other.status_code == 400 and "community" in other.json()


def test_attendance_of_a_meeting_to_come_is_a_400(community, committee, api_client):
    meeting = MeetingFactory(committee=committee, held_on=dt.date(2026, 7, 1))
    member = MemberFactory(committee=committee)
    api_client.force_authenticate(community.center_staff)
    with time_machine.travel(TODAY, tick=False):
        response = api_client.post(f"/api/v1/meetings/{meeting.pk}/attendance/",
                                   {"member": member.pk, "present": True}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    assert not meeting.attendance.exists()
