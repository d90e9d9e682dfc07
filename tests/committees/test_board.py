"""The public board's gate: what residents wrote reaches the board only once staff approve a
text for it, on a phone-friendly page that offers the text already masked."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees import selectors, services
from committees.models import BoardEntry, BoardStatus
from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.residents.factories import make_resident
from tickets.models import Status, Ticket

from .factories import wish

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)
PHONE_REFUSED = "仍含有电话号码或证件号码样的数字"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield




def board(client) -> str:
    return client.get(reverse("board:board", args=["SJC"])).content.decode()


def queue_url(community, status="pending") -> str:
    return f"{reverse('committees:board_queue')}?community={community.community.pk}&status={status}"


def textarea(body: str, need: Ticket) -> str:
    found = re.search(rf'<textarea[^>]*id="id_board_{need.pk}_text"[^>]*>\s*(.*?)</textarea>',
                      body, re.S)
    assert found, "no text field for the need"
    return found.group(1).strip()


# --- The rules (services) -------------------------------------------------------------------


def test_a_new_wish_waits_for_approval_and_the_board_shows_nothing_of_it(community, client):
    need = wish(community, title="希望楼下装个扶手")
    assert "希望楼下装个扶手" not in board(client)
    pending = selectors.board_need_list_for(user=community.center_staff,
                                            statuses=[selectors.BOARD_PENDING])
    assert list(pending) == [need]


def test_the_board_shows_the_approved_text_never_the_written_one(community, client):
    need = wish(community, title="三楼张大爷腿脚不便希望装扶手",
                description="住在1栋3楼，电话13800001111")
    services.board_entry_approve(need=need, actor=community.center_staff,
                                 text="希望楼道加装扶手，方便老人上下楼")
    body = board(client)
    assert "希望楼道加装扶手，方便老人上下楼" in body
    assert "张大爷" not in body and "13800001111" not in body and "1栋3楼" not in body
    # Status and grid still come live from the ticket.
    assert community.g5a.name in body and str(Status(need.status).label) in body


def test_approving_records_who_and_when_and_an_edit_approves_again(community):
    need = wish(community)
    entry = services.board_entry_approve(need=need, actor=community.center_staff,
                                         text="希望楼下装个扶手")
    assert (entry.status, entry.approved_by, entry.approved_at) == (
        BoardStatus.PUBLISHED, community.center_staff, TODAY)
    later = TODAY + dt.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        entry = services.board_entry_approve(need=need, actor=community.admin,
                                             text="希望单元门口装个扶手")
    entry.refresh_from_db()
    assert (entry.text, entry.approved_by, entry.approved_at) == (
        "希望单元门口装个扶手", community.admin, later)
    assert BoardEntry.objects.count() == 1


@pytest.mark.parametrize("text", [
    "请联系13800001111", "电话 138-0000-1111", "电话138 0000 1111", "电话１３８００００１１１１",
    "电话幺三八零零零零一一一一", "身份证5301 0219 9001 0112 3X",
])
def test_approving_refuses_a_phone_or_id_number_left_in_the_text(community, text):
    need = wish(community)
    with pytest.raises(ValidationError) as refused:
        services.board_entry_approve(need=need, actor=community.center_staff, text=text)
    assert PHONE_REFUSED in refused.value.message_dict["text"][0]
    assert not BoardEntry.objects.exists()


def test_approving_refuses_the_reporters_name(community, registry):
    need = wish(community, reporter_name="李建华", resident=registry.head_a)
    with pytest.raises(ValidationError) as refused:
        services.board_entry_approve(need=need, actor=community.center_staff,
                                     text="李建华家需要一台轮椅")
    assert "text" in refused.value.message_dict
    services.board_entry_approve(need=need, actor=community.center_staff,
                                 text="李**家需要一台轮椅")


def test_a_withdrawn_need_leaves_the_board_and_its_text_stays_on_record(community, client):
    need = wish(community)
    services.board_entry_approve(need=need, actor=community.center_staff, text="想要一台收音机")
    assert "想要一台收音机" in board(client)
    entry = services.board_entry_withdraw(need=need, actor=community.center_staff)
    assert entry.status == BoardStatus.WITHDRAWN and entry.text == "想要一台收音机"
    assert "想要一台收音机" not in board(client)
    with pytest.raises(ValidationError):
        services.board_entry_withdraw(need=need, actor=community.center_staff)


def test_a_need_kept_off_is_no_longer_pending_and_may_still_be_approved(community, client):
    need = wish(community)
    services.board_entry_keep_off(need=need, actor=community.center_staff)
    assert not selectors.board_need_list_for(user=community.center_staff,
                                             statuses=[selectors.BOARD_PENDING]).exists()
    assert "希望楼下装个扶手" not in board(client)
    with pytest.raises(ValidationError):
        services.board_entry_keep_off(need=need, actor=community.center_staff)
    services.board_entry_approve(need=need, actor=community.center_staff, text="希望装扶手")
    assert "希望装扶手" in board(client)


def test_a_rejected_need_is_neither_pending_nor_on_the_board(community, client):
    need = wish(community)
    services.board_entry_approve(need=need, actor=community.center_staff, text="希望装扶手")
    Ticket.objects.filter(pk=need.pk).update(status=Status.REJECTED)
    other = wish(community, title="想要一台收音机")
    Ticket.objects.filter(pk=other.pk).update(status=Status.MERGED, merged_into=need)
    assert "希望装扶手" not in board(client)
    assert not selectors.board_need_list_for(user=community.center_staff,
                                             statuses=[selectors.BOARD_PENDING]).exists()


def test_only_the_communitys_managers_decide(community):
    need = wish(community)
    for outsider in (community.worker_a, community.hub1_head):
        assert not services.can_moderate_board(outsider, community.community.pk)
        with pytest.raises(PermissionDenied):
            services.board_entry_approve(need=need, actor=outsider, text="希望装扶手")
    for manager in (community.center_staff, community.admin):
        assert services.can_moderate_board(manager, community.community.pk)
    assert not BoardEntry.objects.exists()


def test_the_suggested_text_masks_numbers_registry_names_and_the_reporter(community, registry):
    make_resident(community.admin, node=community.g4x, name="赵六合")  # another community
    need = wish(community, title="帮王芳和赵六合联系李师傅，电话138-0000-1111",
                reporter_name="李师傅")
    names = selectors.registry_names(communities=[community.community])
    assert {"李建华", "王芳", "李小明"} <= names and "赵六合" not in names
    assert selectors.suggested_board_text(need, names=names) == "帮王*和赵六合联系李**，电话***"


# --- The staff page ---------------------------------------------------------------------------


def test_staff_see_pending_needs_with_the_text_masked_and_editable(community, registry, login):
    need = wish(community, title="王芳家孩子想要一套文具，电话138 0000 1111",
                reporter_name="李建华", resident=registry.head_a)
    done = wish(community, title="已经公示的心愿")
    services.board_entry_approve(need=done, actor=community.center_staff, text="已经公示的心愿")
    body = login(community.center_staff).get(queue_url(community)).content.decode()
    assert textarea(body, need) == "王*家孩子想要一套文具，电话***"
    assert f'id="board-need-{done.pk}"' not in body
    assert 'id="board-pending-count">1<' in body
    published = login(community.center_staff).get(queue_url(community, "published"))
    assert textarea(published.content.decode(), done) == "已经公示的心愿"


def test_staff_approve_an_edited_text_from_the_page(community, login, client):
    need = wish(community, title="张阿姨想要一台收音机")
    staff = login(community.center_staff)
    response = staff.post(reverse("committees:board_approve", args=[need.pk]), {
        "text": "独居老人想要一台收音机", "community": community.community.pk,
        "tab": "pending"})
    assert response.status_code == 302
    assert response["Location"] == queue_url(community)
    entry = BoardEntry.objects.get(need=need)
    assert (entry.text, entry.approved_by) == ("独居老人想要一台收音机", community.center_staff)
    client.logout()
    body = board(client)
    assert "独居老人想要一台收音机" in body and "张阿姨" not in body


def test_an_htmx_decision_answers_with_the_needs_card_only(community, login):
    need = wish(community)
    response = login(community.center_staff).post(
        reverse("committees:board_approve", args=[need.pk]),
        {"text": "希望装扶手", "community": community.community.pk}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li class="list-group-item py-3 board-row" '
                                    f'id="board-need-{need.pk}"')
    assert "<html" not in body and "board-status" in body
    assert reverse("committees:board_withdraw", args=[need.pk]) in body
    # The tab's count of needs awaiting approval follows (out of band).
    assert re.search(r'id="board-pending-count" hx-swap-oob="true">0<', body)


def test_the_page_shows_why_a_text_is_refused_and_publishes_nothing(community, login, client):
    need = wish(community)
    response = login(community.center_staff).post(
        reverse("committees:board_approve", args=[need.pk]),
        {"text": "希望装扶手，联系138-0000-1111", "community": community.community.pk})
    body = response.content.decode()
    assert response.status_code == 200 and PHONE_REFUSED in body
    assert textarea(body, need) == "希望装扶手，联系138-0000-1111"
    assert not BoardEntry.objects.exists()
    htmx = login(community.center_staff).post(
        reverse("committees:board_approve", args=[need.pk]),
        {"text": "", "community": community.community.pk}, HTTP_HX_REQUEST="true")
    assert "invalid-feedback" in htmx.content.decode()


def test_staff_keep_a_need_off_and_withdraw_a_published_one_from_the_page(community, login,
                                                                          client):
    kept, shown = wish(community, title="不宜公开的心愿"), wish(community, title="想要收音机")
    services.board_entry_approve(need=shown, actor=community.center_staff, text="想要收音机")
    staff = login(community.center_staff)
    posted = {"community": community.community.pk, "text": "x"}
    assert staff.post(reverse("committees:board_keep_off", args=[kept.pk]),
                      posted).status_code == 302
    assert staff.post(reverse("committees:board_withdraw", args=[shown.pk]),
                      posted).status_code == 302
    assert dict(BoardEntry.objects.values_list("need_id", "status")) == {
        kept.pk: BoardStatus.KEPT_OFF, shown.pk: BoardStatus.WITHDRAWN}
    off = staff.get(queue_url(community, "off")).content.decode()
    assert f'id="board-need-{kept.pk}"' in off and f'id="board-need-{shown.pk}"' in off
    assert "想要收音机" not in board(client)
    # Withdrawing what is not on the board says why.
    again = staff.post(reverse("committees:board_withdraw", args=[shown.pk]), posted)
    assert again.status_code == 200 and "alert-danger" in again.content.decode()


def test_the_queue_is_for_those_who_decide_a_grid_worker_neither_reads_nor_decides(
        community, login):
    need = wish(community)
    worker = login(community.worker_a)
    # What residents wrote, and which names the masking found, is for those who decide.
    assert worker.get(queue_url(community)).status_code == 403
    for name, data in (("committees:board_approve", {"text": "希望装扶手"}),
                       ("committees:board_approve", {"text": ""}),
                       ("committees:board_keep_off", {}), ("committees:board_withdraw", {})):
        assert worker.post(reverse(name, args=[need.pk]), data).status_code == 403, name
    assert not BoardEntry.objects.exists()


def test_a_need_outside_the_users_scope_is_not_found(community, login):
    neighbours = wish(community, node=community.g4x, title="六合社区的心愿")
    in_hub1 = wish(community, title="枫丹的心愿")
    staff = login(community.center_staff)
    for name in ("committees:board_approve", "committees:board_keep_off",
                 "committees:board_withdraw"):
        assert staff.post(reverse(name, args=[neighbours.pk]),
                          {"text": "心愿"}).status_code == 404
    # A hub's head keeps no community's board: refused by role.
    assert login(community.hub2_head).post(reverse("committees:board_approve", args=[in_hub1.pk]),
                                           {"text": "心愿"}).status_code == 403
    # Another community's staff may decide, but not about this community's needs: not found.
    lh_staff = UserFactory(username="lh_staff")
    AssignmentFactory(user=lh_staff, node=community.other, role=Role.CENTER_STAFF)
    assert login(lh_staff).post(reverse("committees:board_approve", args=[in_hub1.pk]),
                                {"text": "心愿"}).status_code == 404
    assert not BoardEntry.objects.exists()


def test_the_three_lists_page_links_to_the_needs_awaiting_approval(community, login):
    wish(community)
    wish(community, title="想要收音机")
    body = login(community.center_staff).get(reverse("committees:three_lists")).content.decode()
    link = re.search(r'id="board-queue-link" href="([^"]+)">.*?<span[^>]*>(\d+)</span>', body,
                     re.S)
    assert link and link.group(2) == "2"
    assert link.group(1).replace("&amp;", "&") == (
        f"{reverse('committees:board_queue')}?community={community.community.pk}")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_however_many_needs_and_reads_the_registry_once(
        community, registry, login):
    staff = login(community.center_staff)
    for number in range(2):
        wish(community, title=f"王芳的心愿{number}", reporter_name="李建华",
             resident=registry.head_a)
    few = _queries(staff, queue_url(community))
    for number in range(8):
        wish(community, title=f"王芳的心愿{number}", reporter_name="李建华",
             resident=registry.head_a)
    with CaptureQueriesContext(connection) as captured:
        staff.get(queue_url(community))
    assert len(captured) == few
    assert sum('FROM "residents_resident"' in query["sql"] for query in captured) == 1


# --- The upgrade ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_leaves_existing_wishes_pending(community, client):
    from django.core.management import call_command

    need = wish(community, title="升级前的心愿")
    call_command("migrate", "committees", "0001", verbosity=0)
    call_command("migrate", "committees", verbosity=0)
    assert not BoardEntry.objects.exists()
    assert list(selectors.board_need_list_for(user=community.admin,
                                              statuses=[selectors.BOARD_PENDING])) == [need]
    assert "升级前的心愿" not in board(client)
