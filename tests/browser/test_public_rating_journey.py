"""A resident with no login rates a report that was dealt with on its tracking page, and the
grid worker then reads the rating and the comment on the ticket page; a report sent with photos
but with a field left empty says that the photos must be chosen again."""

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests.tickets.factories import category, make_ticket
from tickets import services
from tickets.models import Status, Ticket

from .conftest import (
    assert_no_horizontal_overflow,
    assert_tall_enough,
    log_in,
    press,
    screenshot,
)

pytestmark = pytest.mark.browser
COMMENT = "师傅当天就修好了，谢谢！"


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


def test_a_resident_rates_the_outcome_and_the_worker_reads_it(phone, desk, live_community):
    community = live_community
    worker = community.worker_a
    ticket = make_ticket(node=community.g5a, reporter_name="张秀兰",
                         reporter_phone="13712345678")
    for action, note in (("accept", ""), ("start", ""), ("resolve", "已更换楼道灯。")):
        ticket = services.ticket_transition(ticket=ticket, actor=worker, action=action,
                                            note=note)

    phone.goto(reverse("public:track", args=[ticket.tracking_token]))
    form = phone.locator("#rating-form")
    assert form.is_visible()
    assert_no_horizontal_overflow(phone)
    choice = form.locator(f'label:has-text("{zh("Basically satisfied")}")')
    assert_tall_enough(choice)
    press(choice)
    phone.fill("#id_comment", COMMENT)
    send = form.locator("button[type=submit]")
    assert_tall_enough(send)
    with phone.expect_navigation():
        press(send)
    assert phone.locator("#rating-form").count() == 0
    assert text_of(phone.locator("#rating-value")) == zh("Basically satisfied")
    assert COMMENT in text_of(phone.locator("#ticket-rating"))
    assert zh("Thank you for your rating.") in text_of(phone.locator("main"))
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "public-rating")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction) == (Status.CLOSED, "basically")

    log_in(desk, worker.username)
    desk.goto(reverse("tickets:detail", args=[ticket.pk]))
    rating = text_of(desk.locator("#resident-rating"))
    assert zh("Basically satisfied") in rating and COMMENT in rating
    assert zh("Rated by the resident") in text_of(desk.locator("#ticket-timeline"))


def test_a_report_with_photos_sent_back_asks_to_choose_them_again(phone, live_community,
                                                                  tmp_path):
    community = live_community
    lights = category("facilities")
    photo = tmp_path / "light.jpg"
    Image.new("RGB", (80, 60), "#f08c00").save(photo, "JPEG")

    phone.goto(reverse("public:report"))
    assert phone.locator('label[for="id_title"] .visually-hidden').inner_text() == "（必填）"
    phone.fill("#id_reporter_name", "张秀兰")
    phone.fill("#id_reporter_phone", "13712345678")
    phone.select_option("#id_node", str(community.g5a.pk))
    phone.fill("#id_address", "枫丹白鹭3栋")
    phone.select_option("#id_category", str(lights.pk))
    phone.fill("#id_description", "3楼楼道灯坏了一周。")  # the title is left empty
    phone.locator("#id_photos").set_input_files(str(photo))
    with phone.expect_navigation():
        press(phone.locator("#report-form button[type=submit]"))

    warning = phone.locator("#photos-again")
    assert warning.is_visible() and "重新选择照片" in text_of(warning)
    assert phone.locator("#photos-again-hint").is_visible()
    assert not Ticket.objects.exists()
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "public-report-photos-again")
