"""The public board (您来点单我来办) tells residents whether each need was taken up (待认领 /
已对接 / 已兑现) and names a service point once where a service is offered."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from committees import services
from committees.models import MatchStatus
from committees.selectors import NOT_MATCHED
from tests.committees.factories import ServiceItemFactory, wish
from tests.grids.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def board(client) -> str:
    return html.unescape(client.get(reverse("board:board", args=["SJC"])).content.decode())


def need_line(body: str, text: str) -> str:
    needs = body.split('id="board-needs"')[1].split("</ul>")[0]
    return next(item for item in needs.split("<li") if text in item)


def published(community, title):
    need = wish(community, title=title)
    services.board_entry_approve(need=need, actor=community.center_staff, text=title)
    return need


def test_the_board_shows_which_needs_were_taken_up(community, client):
    staff = community.center_staff
    waiting = published(community, "想要一台收音机")
    matched = published(community, "希望有人教用智能手机")
    delivered = published(community, "需要轮椅一台")
    cancelled = published(community, "想学太极拳")
    service = ServiceItemFactory(community=community.community, name="智能手机课堂")
    services.match_create(need=matched, actor=staff, service=service)
    done = services.match_create(need=delivered, actor=staff, service=service)
    services.match_set_status(match=done, actor=staff, status=MatchStatus.DELIVERED)
    dropped = services.match_create(need=cancelled, actor=staff, service=service)
    services.match_set_status(match=dropped, actor=staff, status=MatchStatus.CANCELLED)

    body = board(client)
    assert zh(NOT_MATCHED) in need_line(body, "想要一台收音机")
    assert zh(MatchStatus.MATCHED.label) in need_line(body, "希望有人教用智能手机")
    assert zh(MatchStatus.DELIVERED.label) in need_line(body, "需要轮椅一台")
    assert zh(NOT_MATCHED) in need_line(body, "想学太极拳")  # its match fell through
    assert 'data-match="none"' in need_line(body, "想要一台收音机")
    assert 'data-match="matched"' in need_line(body, "希望有人教用智能手机")
    assert waiting.pk  # the four needs are on the board, each with its own state
    assert body.count("data-match=") == 4


def test_a_service_at_a_service_point_names_the_point_once(community, client):
    point = ServicePointFactory(node=community.hub1, name="民生驿站",
                                address="枫丹白鹭片区民生驿站一楼")
    ServiceItemFactory(community=community.community, name="医保登记", service_point=point,
                       place=point.address)
    ServiceItemFactory(community=community.community, name="老年证办理", service_point=point,
                       place="二楼窗口")
    body = board(client)
    services_list = body.split('id="board-services"')[1].split("</ul>")[0]
    first = next(item for item in services_list.split("<li") if "医保登记" in item)
    second = next(item for item in services_list.split("<li") if "老年证办理" in item)
    assert len(re.findall("民生驿站", first)) == 1 and "枫丹白鹭片区民生驿站一楼" in first
    assert len(re.findall("民生驿站", second)) == 1 and "二楼窗口" in second
