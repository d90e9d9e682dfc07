"""/api/v1/board-entries/: residents' needs awaiting approval for the public board, approved
with a checked text, kept off or withdrawn; scoped like the rest of the committees API."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees import services
from committees.models import BoardEntry, BoardStatus
from tests.committees.factories import wish

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)
URL = "/api/v1/board-entries/"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield




def test_staff_list_the_needs_awaiting_approval_with_a_masked_suggestion(
        community, registry, api_client):
    need = wish(community, title="王芳想要一台收音机，电话138-0000-1111", reporter_name="李建华",
                resident=registry.head_a)
    done = wish(community, title="已公示")
    services.board_entry_approve(need=done, actor=community.center_staff, text="已公示的心愿")
    api_client.force_authenticate(community.center_staff)
    rows = api_client.get(URL, {"status": "pending"}).json()["results"]
    assert [row["id"] for row in rows] == [need.pk]
    assert rows[0]["board_status"] == "pending" and rows[0]["text"] is None
    assert rows[0]["suggested_text"] == "王*想要一台收音机，电话***"
    assert rows[0]["community"] == community.community.pk
    published = api_client.get(URL, {"status": "published",
                                      "community": community.community.pk}).json()["results"]
    assert [(row["id"], row["text"], row["approved_by"]) for row in published] == [
        (done.pk, "已公示的心愿", community.center_staff.pk)]
    assert api_client.get(URL, {"status": "nonsense"}).status_code == 400


def test_staff_approve_a_text_and_the_board_shows_it(community, api_client, client):
    need = wish(community, title="张阿姨想要一台收音机")
    api_client.force_authenticate(community.center_staff)
    response = api_client.post(f"{URL}{need.pk}/approve/", {"text": "独居老人想要一台收音机"})
    assert response.status_code == 200
    body = response.json()
    assert (body["board_status"], body["text"], body["approved_by"]) == (
        BoardStatus.PUBLISHED, "独居老人想要一台收音机", community.center_staff.pk)
    assert body["approved_at"].startswith("2026-06-10")
    board = client.get(reverse("board:board", args=["SJC"])).content.decode()
    assert "独居老人想要一台收音机" in board and "张阿姨" not in board
    # Approving again replaces the text.
    api_client.post(f"{URL}{need.pk}/approve/", {"text": "老人想要一台收音机"})
    assert BoardEntry.objects.get(need=need).text == "老人想要一台收音机"


def test_approving_a_text_with_a_phone_number_is_a_400_naming_the_field(community, api_client):
    need = wish(community)
    api_client.force_authenticate(community.center_staff)
    response = api_client.post(f"{URL}{need.pk}/approve/", {"text": "请联系138 0000 1111"})
    assert response.status_code == 400
    assert response.json() == {
        "text": ["文字中仍含有电话号码或证件号码样的数字，请删除或用*代替后再公示。"]}
    missing = api_client.post(f"{URL}{need.pk}/approve/", {})
    assert missing.status_code == 400 and "text" in missing.json()
    assert not BoardEntry.objects.exists()


def test_staff_keep_off_and_withdraw(community, api_client):
    kept, shown = wish(community), wish(community, title="想要收音机")
    services.board_entry_approve(need=shown, actor=community.center_staff, text="想要收音机")
    api_client.force_authenticate(community.center_staff)
    assert api_client.post(f"{URL}{kept.pk}/keep-off/").json()["board_status"] == "kept_off"
    assert api_client.post(f"{URL}{shown.pk}/withdraw/").json()["board_status"] == "withdrawn"
    again = api_client.post(f"{URL}{shown.pk}/withdraw/")
    assert again.status_code == 400 and "non_field_errors" in again.json()
    withdrawn = api_client.get(URL, {"status": "withdrawn"}).json()["results"]
    assert [row["id"] for row in withdrawn] == [shown.pk]


def test_the_queue_is_for_those_who_decide_a_grid_worker_neither_reads_nor_decides(
        community, api_client):
    need = wish(community)
    api_client.force_authenticate(community.worker_a)
    assert api_client.get(URL).status_code == 403
    assert api_client.get(f"{URL}{need.pk}/").status_code == 403
    for action, data in (("approve", {"text": "希望装扶手"}), ("approve", {}),
                         ("keep-off", {}), ("withdraw", {})):
        assert api_client.post(f"{URL}{need.pk}/{action}/", data).status_code == 403, action
    assert not BoardEntry.objects.exists()


def test_a_need_outside_the_callers_scope_is_not_found(community, api_client):
    neighbours = wish(community, node=community.g4x, title="六合社区的心愿")
    api_client.force_authenticate(community.center_staff)
    assert api_client.get(f"{URL}{neighbours.pk}/").status_code == 404
    for action in ("approve", "keep-off", "withdraw"):
        assert api_client.post(f"{URL}{neighbours.pk}/{action}/",
                               {"text": "心愿"}).status_code == 404
    assert neighbours.pk not in [row["id"] for row in api_client.get(URL).json()["results"]]
    assert api_client.get(URL, {"community": community.other.pk}).status_code == 400
    assert not BoardEntry.objects.exists()


def test_the_list_costs_the_same_for_2_and_10_needs(community, registry, api_client):
    api_client.force_authenticate(community.center_staff)
    for number in range(2):
        wish(community, title=f"王芳的心愿{number}", resident=registry.head_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(URL, {"status": "pending"}).status_code == 200
        return len(captured)

    few = queries()
    for number in range(8):
        wish(community, title=f"王芳的心愿{number}", resident=registry.head_a)
    assert queries() == few


def test_the_schema_describes_the_board_endpoints(community, api_client):
    api_client.force_authenticate(community.worker_a)
    schema = api_client.get("/api/schema/",
                            HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("/api/v1/board-entries/", "/api/v1/board-entries/{id}/approve/",
                 "/api/v1/board-entries/{id}/keep-off/", "/api/v1/board-entries/{id}/withdraw/"):
        assert path in paths
    params = {p["name"] for p in paths["/api/v1/board-entries/"]["get"]["parameters"]}
    assert {"status", "community"} <= params
    approve = schema["components"]["schemas"]["BoardApproveRequest"]
    assert approve["required"] == ["text"] and approve["properties"]["text"]["maxLength"] == 200
    states = schema["components"]["schemas"]["BoardStatusEnum"]["enum"]
    assert set(states) == {"pending", "published", "kept_off", "withdrawn"}


def test_each_entry_says_whether_an_offer_was_matched_to_the_need(community, api_client):
    from committees.models import MatchStatus
    from tests.committees.factories import ServiceItemFactory

    staff = community.center_staff
    waiting, matched, delivered = (wish(community, title=title)
                                   for title in ("收音机", "智能手机课", "轮椅"))
    service = ServiceItemFactory(community=community.community, name="智能手机课堂")
    services.match_create(need=matched, actor=staff, service=service)
    done = services.match_create(need=delivered, actor=staff, service=service)
    services.match_set_status(match=done, actor=staff, status=MatchStatus.DELIVERED)
    api_client.force_authenticate(staff)
    rows = {row["id"]: row["match_status"] for row in api_client.get(URL).json()["results"]}
    assert rows == {waiting.pk: None, matched.pk: "matched", delivered.pk: "delivered"}
    assert api_client.get(f"{URL}{matched.pk}/").json()["match_status"] == "matched"
