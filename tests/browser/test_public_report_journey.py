"""A resident on a phone, without an account, reports a broken light with a photo, keeps the short
code, and later finds the report again with the code and their phone number."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests.tickets.factories import category
from tickets.models import Channel, Ticket, TicketPhoto

from .conftest import assert_no_horizontal_overflow, assert_tall_enough, press, screenshot

pytestmark = pytest.mark.browser

NAME, PHONE, PLACE = "张秀兰", "137 1234 5678", "枫丹白鹭3栋2单元"
TITLE, DESCRIPTION = "楼道灯不亮", "3楼楼道灯坏了一周，晚上很黑，老人上下楼不方便。"


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


@pytest.fixture
def light_photo(tmp_path):
    path = tmp_path / "light.jpg"
    Image.new("RGB", (80, 60), "#f08c00").save(path, "JPEG")
    return path


def test_a_resident_reports_a_problem_and_finds_it_again_with_code_and_phone(
        phone, live_community, light_photo):
    community = live_community
    lights = category("facilities")

    phone.goto("/report/")
    assert phone.locator("#main-nav").count() == 0, "a visitor sees no staff menu"
    form = phone.locator("#report-form")
    phone.fill("#id_reporter_name", NAME)
    phone.fill("#id_reporter_phone", PHONE)
    community_group = form.locator(f'optgroup[label="{community.community.name}"]')
    assert community_group.locator("option").count() >= 5
    phone.select_option("#id_node", str(community.g5a.pk))
    phone.fill("#id_address", PLACE)
    phone.select_option("#id_category", str(lights.pk))
    phone.fill("#id_title", TITLE)
    phone.fill("#id_description", DESCRIPTION)
    camera = phone.locator("#id_photos")
    assert camera.get_attribute("accept") == "image/*"
    assert camera.get_attribute("capture") == "environment"
    camera.set_input_files(str(light_photo))
    assert not phone.locator("#id_website").is_visible(), "the bot trap must stay out of sight"
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "public-report-form")
    send = form.locator("button[type=submit]")
    assert_tall_enough(send)
    with phone.expect_navigation():
        press(send)

    ticket = Ticket.objects.get()
    track_path = reverse("public:track", args=[ticket.tracking_token])
    assert urlparse(phone.url).path == track_path
    assert ticket.channel == Channel.SELF_REPORT and ticket.owner == community.g5a
    assert TicketPhoto.objects.filter(ticket=ticket, public=False).count() == 1
    code = phone.locator("#short-code")
    assert code.is_visible() and text_of(code) == ticket.short_code
    card = text_of(phone.locator("#short-code-card"))
    assert zh("Keep this code. With it and your phone number you can open this page again, or "
              "ask about your report by phone.").replace(" ", "") in card.replace(" ", "")
    assert text_of(phone.locator("#ticket-title")) == TITLE
    assert text_of(phone.locator("#ticket-grid")) == community.g5a.name
    assert zh("Report received") in text_of(phone.locator("#ticket-timeline"))
    page_text = text_of(phone.locator("main"))
    for private in (NAME, "13712345678", PHONE, PLACE, DESCRIPTION):
        assert private not in page_text, private
    assert phone.locator('meta[name="robots"][content="noindex"]').count() == 1
    assert_no_horizontal_overflow(phone)
    shot = screenshot(phone, "public-report")
    assert shot.exists()

    # Later, without the link: the short code and the phone number lead back to the page.
    phone.goto("/track/")
    lookup = phone.locator("#lookup-form")
    phone.fill("#id_code", ticket.short_code.lower())
    phone.fill("#id_phone", PHONE)
    assert lookup.get_attribute("method") == "post"
    button = lookup.locator("button[type=submit]")
    assert_tall_enough(button)
    with phone.expect_navigation():
        press(button)
    assert urlparse(phone.url).path == track_path
    assert "1371234" not in phone.url
    assert text_of(phone.locator("#short-code")) == ticket.short_code

    # Another phone number with the same code finds nothing, and says so.
    phone.goto("/track/")
    phone.fill("#id_code", ticket.short_code)
    phone.fill("#id_phone", "13900000000")
    with phone.expect_navigation():
        press(phone.locator("#lookup-form button[type=submit]"))
    assert urlparse(phone.url).path == "/track/"
    assert zh("No report matches this code and phone number. Check both and try again.") in (
        text_of(phone.locator("#lookup-form")))
