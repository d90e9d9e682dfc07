"""Whistling (吹哨) to a department, through the pages.

At a desk, the street dispatcher opens a grid's ticket, sees 上报 and 吹哨 among the steps, and
whistles it to 城管局 (only the departments the street may use are offered). The city-management
liaison, on a phone, finds the notice saying the street whistled and asking for 报到, opens the
ticket and accepts it; the dispatcher's 吹哨报到 page then shows the department's report.
"""

import pytest
from django.urls import reverse

from grids.models import Role
from tests.grids.factories import AssignmentFactory, UserFactory
from tests.tickets.factories import department, make_ticket
from tickets.models import Status, TicketEvent, WhistleRule
from tickets.tasks import notify_task

from .conftest import (
    assert_no_horizontal_overflow,
    assert_tall_enough,
    log_in,
    press,
    screenshot,
)

pytestmark = pytest.mark.browser

TITLE = "夜市占道经营"
NOTE = "占道经营屡劝不改，需城管执法"


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


def test_the_street_dispatcher_whistles_and_the_liaison_reports_back(desk, phone,
                                                                     live_community):
    c = live_community
    dispatcher = UserFactory(username="street_dispatcher", first_name="调度", last_name="街道")
    AssignmentFactory(user=dispatcher, node=c.street, role=Role.DISPATCHER)
    liaison = UserFactory(username="liaison_cg")
    city, police = department(), department("pcs", "派出所")
    city.liaisons.add(liaison)
    # The street may whistle to 城管局 only. (The migration's default rule is set here, not
    # updated: a live-server test runs on a database other tests may have flushed.)
    WhistleRule.objects.filter(node_kind="street").delete()
    WhistleRule.objects.create(node_kind="street", department=city)
    ticket = make_ticket(node=c.g5a, title=TITLE)
    ticket_path = reverse("tickets:detail", args=[ticket.pk])

    # The dispatcher at a desk: the ticket's steps offer 上报 and 吹哨.
    assert log_in(desk, "street_dispatcher").ok
    desk.goto(ticket_path)
    escalate = desk.locator('form.action-form[data-action="escalate"] button[type=submit]')
    assert text_of(escalate) == "上报"
    form = desk.locator('form.action-form[data-action="whistle"]')
    button = form.locator("button[type=submit]")
    assert text_of(button) == "吹哨"
    options = form.locator("select[name=department] option")
    assert [text_of(options.nth(i)) for i in range(options.count())] == ["城管局"]
    assert police.name not in text_of(form)
    form.locator("select[name=department]").select_option(label="城管局")
    form.locator("textarea[name=note]").fill(NOTE)
    with desk.expect_navigation():
        press(button)
    assert desk.locator("main .alert-danger").count() == 0
    assert "吹哨" in text_of(desk.locator("main .alert-success"))
    assert "城管局" in text_of(desk.locator("main dl"))
    timeline = text_of(desk.locator("#ticket-timeline"))
    assert "吹哨" in timeline and "城管局" in timeline and NOTE in timeline
    ticket.refresh_from_db()
    assert (ticket.department, ticket.owner, ticket.status) == (city, c.street, Status.NEW)

    # The notice goes out (the notice worker's job), in the liaison's inbox.
    notify_task(TicketEvent.objects.get(ticket=ticket, action="whistle").pk)

    # The liaison on a phone: the bell, the notice, the ticket, 签收 (报到).
    assert log_in(phone, "liaison_cg").ok
    phone.goto(reverse("tickets:inbox"))
    notice = phone.locator("#inbox a.list-group-item").filter(has_text=TITLE)
    assert notice.count() == 1, text_of(phone.locator("main"))
    assert text_of(notice).startswith("示范街道吹哨") and "请报到" in text_of(notice)
    assert_tall_enough(notice)
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "whistle-notice")
    with phone.expect_navigation():
        press(notice)
    assert phone.url.endswith(ticket_path)
    accept = phone.locator('form.action-form[data-action="accept"] button[type=submit]')
    with phone.expect_navigation():
        press(accept)
    assert phone.locator("main .alert-success").count() == 1
    assert_no_horizontal_overflow(phone)

    # Back at the desk, 吹哨报到 shows 城管局 has reported.
    desk.goto(reverse("tickets:whistled"))
    section = desk.locator('section[data-department="cgj"]')
    row = section.locator(".whistled-ticket").filter(has_text=TITLE)
    assert row.count() == 1
    assert "已报到" in text_of(row) and "签收" in text_of(row)
    screenshot(desk, "whistles", device="desk")
