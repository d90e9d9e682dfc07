"""A grid worker's ticket on a 390-px phone, from the home page to the resolve step.

She logs in and the home page leads with 我的任务: how many tasks are new, due soon and
overdue, each a link to those tasks, then 查找住户 and 我的楼栋. She opens a new ticket, accepts
it with the one primary button, writes one note, takes one photo and resolves it from the menu
of other steps; the photo then shows on the timeline and opens in full. No page of the journey
scrolls sideways, and everything to tap on it is at least 44 px tall.
"""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Status, Ticket, TicketEvent, TicketPhoto

from .conftest import (
    MIN_TAP_PX,
    assert_no_horizontal_overflow,
    log_in,
    press,
    screenshot,
    wait_for_image,
)

pytestmark = pytest.mark.browser

TITLE = "单元门禁坏了"
LATER_TITLE = "小区路灯闪烁"
OVERDUE_TITLE = "垃圾清运不及时"
NOTE = "已联系物业更换门禁电源，门禁恢复正常。"
PHOTO_SIZE = (120, 90)

# Everything a thumb may tap in the page's main part.
TAPPABLE = "main a, main button, main summary, main input[type=file], main select, main label.btn"


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


def path_of(page) -> str:
    return urlparse(page.url).path


def assert_fits_a_phone(page) -> None:
    """No sideways scrolling, and every visible tappable thing is at least 44 px tall."""
    assert_no_horizontal_overflow(page)
    small = page.evaluate(
        """([selector, minimum]) => [...document.querySelectorAll(selector)]
            .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility
                    !== "hidden")
            .map((el) => [el.outerHTML.slice(0, 90), el.getBoundingClientRect().height])
            .filter(([, height]) => height < minimum)""",
        [TAPPABLE, MIN_TAP_PX])
    assert not small, f"{page.url}: tap targets under {MIN_TAP_PX}px: {small}"


@pytest.fixture
def camera_photo(tmp_path):
    path = tmp_path / "door.png"
    Image.new("RGB", PHOTO_SIZE, "#1c7ed6").save(path, "PNG")
    return path


@pytest.fixture
def three_tasks(live_community):
    """worker_a's tasks: one new and due to be accepted within hours, one new with days to go,
    one accepted and already past its resolution deadline."""
    c = live_community
    now = timezone.now()
    soon = make_ticket(node=c.g5a, title=TITLE)
    later = make_ticket(node=c.g5a, title=LATER_TITLE)
    late = make_ticket(node=c.g5a, title=OVERDUE_TITLE)
    services.ticket_transition(ticket=late, actor=c.worker_a, action="accept")
    Ticket.objects.filter(pk=soon.pk).update(accept_due_at=now + dt.timedelta(hours=3))
    Ticket.objects.filter(pk=later.pk).update(accept_due_at=now + dt.timedelta(days=4))
    Ticket.objects.filter(pk=late.pk).update(resolve_due_at=now - dt.timedelta(hours=2))
    return soon, later, late


def test_worker_accepts_and_resolves_with_a_photo_on_a_390px_phone(
        phone, live_community, three_tasks, camera_photo):
    c = live_community
    ticket = three_tasks[0]
    log_in(phone, c.worker_a.username)

    # Home: 我的任务 leads, then 查找住户 and 我的楼栋, then the grids.
    assert path_of(phone) == reverse("home")
    counts = phone.locator("#my-task-counts")
    assert text_of(counts.locator("h2")) == zh("My tasks") == "我的任务"
    shown = {group: text_of(counts.locator(f'[data-count="{group}"]'))
             for group in ("new", "due_soon", "overdue")}
    assert shown == {"new": "2", "due_soon": "1", "overdue": "1"}, shown
    order = phone.evaluate("""() => ['#my-task-counts', '#quick-actions', '#my-nodes']
        .map((s) => document.querySelector(s).getBoundingClientRect().top)""")
    assert order == sorted(order), f"我的任务 does not lead the home page: {order}"
    quick = phone.locator("#quick-actions a")
    assert [text_of(quick.nth(0)), text_of(quick.nth(1))] == ["查找住户", "我的楼栋"]
    screenshot(phone, "journey-home")
    assert_fits_a_phone(phone)

    # 新任务 → the two new tickets, not the accepted one.
    with phone.expect_navigation():
        press(counts.locator('a[data-group="new"]'))
    assert path_of(phone) == reverse("tickets:my_tasks")
    assert parse_qs(urlparse(phone.url).query) == {"show": ["new"]}
    tasks = phone.locator("#my-tasks a.list-group-item")
    assert sorted(text_of(tasks.nth(i)).split()[0] for i in range(tasks.count())) == sorted(
        [TITLE, LATER_TITLE])
    assert phone.locator('#task-groups a.active[data-group="new"]').count() == 1
    screenshot(phone, "journey-tasks")
    assert_fits_a_phone(phone)

    # The task page: one primary button (签收), one note box, one photo picker.
    with phone.expect_navigation():
        press(tasks.filter(has_text=TITLE))
    task_path = reverse("tickets:task_detail", args=[ticket.pk])
    assert path_of(phone) == task_path
    main = phone.locator("main")
    assert main.locator("textarea").count() == 1
    photos = main.locator("input[type=file]")
    assert photos.count() == 1
    assert photos.get_attribute("accept") == "image/*"
    assert photos.get_attribute("capture") == "environment"
    assert photos.get_attribute("multiple") is not None
    primary = main.locator("button[data-primary]")
    assert primary.count() == 1
    assert primary.get_attribute("value") == "accept"
    assert text_of(primary.locator(".step-label")) == zh("Accept") == "签收"
    assert phone.locator("#more-steps").get_attribute("open") is None, "the menu starts shut"
    screenshot(phone, "journey-task-new")
    assert_fits_a_phone(phone)

    with phone.expect_navigation():
        press(primary)
    assert path_of(phone) == task_path
    assert main.locator(".alert-danger, .alert-warning").count() == 0, text_of(main)
    assert phone.locator(f"main h1 + .badge.status-{Status.ACCEPTED.value}").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED and ticket.assignee_id == c.worker_a.pk
    # Accepted: the next step is the first contact; resolving is in the menu.
    assert main.locator("button[data-primary]").get_attribute("value") == "contact"
    assert_fits_a_phone(phone)

    # One note and one photo, sent with 办结 from the menu of other steps.
    note = main.locator("textarea[name=note]")
    note.tap()
    note.fill(NOTE)
    photos.set_input_files(camera_photo)
    menu = phone.locator("#more-steps")
    press(menu.locator("summary").first)
    resolve = menu.locator('button[name=action][value="resolve"]')
    resolve.wait_for(state="visible")
    assert text_of(resolve.locator(".step-label")) == zh("Resolve") == "办结"
    screenshot(phone, "journey-task-menu")
    assert_fits_a_phone(phone)
    with phone.expect_navigation():
        press(resolve)
    assert path_of(phone) == task_path
    assert main.locator(".alert-danger, .alert-warning").count() == 0, text_of(main)
    assert phone.locator(f"main h1 + .badge.status-{Status.RESOLVED.value}").count() == 1

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    event = TicketEvent.objects.get(ticket=ticket, action="resolve")
    assert event.note == NOTE
    photo = TicketPhoto.objects.get(ticket=ticket)
    assert photo.event_id == event.pk

    # The photo is on the timeline, with the note, and opens in full.
    resolved = phone.locator("#ticket-timeline li", has_text=NOTE)
    assert resolved.count() == 1, text_of(phone.locator("#ticket-timeline"))
    thumb = resolved.locator("img")
    photo_url = reverse("tickets:photo", args=[ticket.pk, photo.pk])
    assert thumb.get_attribute("src") == photo_url
    assert wait_for_image(phone, thumb) == PHOTO_SIZE[0]
    phone.evaluate("() => window.scrollTo(0, 0)")
    screenshot(phone, "journey-task-resolved")
    assert_fits_a_phone(phone)
    link = resolved.locator(f'a[href="{photo_url}"]')
    with phone.expect_navigation() as opened:
        press(link)
    assert opened.value.ok
    assert opened.value.headers["content-type"] == "image/png"
