"""Tickets in the field and at the desk.

On a phone, a grid worker takes a ticket from "my tasks" to the reply to the resident: accept,
start, resolve with a note and a photo, reply. At a desk, the hub head finds it in the queue,
filters the queue by status and sends a chase notice from the ticket page. The worker of the
neighbouring grid does not learn that the ticket exists.

On the phone the task page has one form: one note, one photo picker, the next step as its
primary button (`button[data-primary]`) and the other steps in a menu (`#more-steps`); each
step is a submit button `button[name=action][value=accept]`. On the desk page each step keeps
its own form (`form.action-form[data-action=chase]`). Labels are compared with what the zh-hans
catalogue says; where the catalogue has the string, it must be the Chinese word below. Labels
the catalogue still lacks are reported as a warning rather than a failure.
"""

import warnings
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Status, TicketEvent, TicketPhoto
from tickets.workflow import TRANSITIONS

from .conftest import (
    assert_no_horizontal_overflow,
    assert_tall_enough,
    expect_not_found,
    log_in,
    open_menu,
    press,
    screenshot,
    wait_for_image,
)

pytestmark = pytest.mark.browser

TITLE = "楼道灯不亮"
OTHER_TITLE = "电梯按钮失灵"
RESOLVE_NOTE = "已更换3单元楼道灯泡，现已正常照明。"
REPLY_TEXT = "您好，3单元楼道灯已修好，感谢您的反映。"
CHASE_NOTE = "请今天下班前签收并联系居民。"
PHOTO_SIZE = (80, 60)

# What the interface should read in Chinese, once the catalogue has the string.
CHINESE = {
    "My tasks": "我的任务",
    "Ticket queue": "工单",
    "Dashboard": "看板",
    "Accept": "签收",
    "Start work": "开始办理",
    "Resolve": "办结",
    "New": "新建",
    "Replied": "已回复",
    "Send a chase notice": "催办",
    "Status": "状态",
}


class Labels:
    """Compare what the page shows with the zh-hans catalogue, and note what it still lacks."""

    def __init__(self):
        self.untranslated: set[str] = set()

    def __call__(self, msgid) -> str:
        """The label as the zh-hans interface shows it (English while untranslated)."""
        return in_language("zh-hans", msgid)

    def check(self, shown: str, msgid, *, contains: bool = False) -> None:
        msgid = in_language("en", msgid)
        expected = self(msgid)
        assert (expected in shown) if contains else (shown == expected), (
            f"the page shows {shown!r} where the catalogue says {expected!r} ({msgid!r})")
        if expected == msgid:
            self.untranslated.add(msgid)
        elif msgid in CHINESE:
            assert CHINESE[msgid] in expected, (
                f"{msgid!r} is translated as {expected!r}, not {CHINESE[msgid]!r}")

    def report(self) -> None:
        if self.untranslated:
            warnings.warn("shown in English on the zh-hans interface (missing from the "
                          f"catalogue): {sorted(self.untranslated)}", stacklevel=2)


@pytest.fixture
def labels():
    checked = Labels()
    yield checked
    checked.report()


@pytest.fixture
def resolve_photo(tmp_path):
    """A small PNG on disk, as the phone's camera would hand it to the file input."""
    path = tmp_path / "fixed.png"
    Image.new("RGB", PHOTO_SIZE, "#f59f00").save(path, "PNG")
    return path


def in_language(language: str, text) -> str:
    """A message (a msgid, or a lazy translation) as the interface shows it in `language`."""
    with translation.override(language):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def path_of(page) -> str:
    return urlparse(page.url).path


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


def action_button(page, action: str):
    return page.locator(f'#task-step button[name=action][value="{action}"]')


def run_step(page, action: str, labels: Labels, *, primary: bool) -> None:
    """Press the step's button on the task page (the primary one, or in the menu of other
    steps) and land back on it, the step done."""
    button = action_button(page, action)
    assert button.count() == 1, (
        f"no {action} button on the task page: {text_of(page.locator('main'))!r}")
    is_primary = button.get_attribute("data-primary") is not None
    assert is_primary == primary, f"{action} primary: {is_primary}, expected {primary}"
    if not primary:
        menu = page.locator("#more-steps")
        if menu.get_attribute("open") is None:
            press(menu.locator("summary").first)
        button.wait_for(state="visible")
    labels.check(text_of(button.locator(".step-label")), TRANSITIONS[action].label)
    assert_tall_enough(button)
    task_path = path_of(page)
    with page.expect_navigation():
        press(button)
    assert path_of(page) == task_path, f"{action} did not come back to the task page"
    errors = page.locator("main .alert-danger, main .alert-warning")
    assert errors.count() == 0, f"{action} failed: {text_of(errors)!r}"
    success = page.locator("main .alert-success")
    assert success.count() == 1, f"{action} reported no success: {text_of(page.locator('main'))!r}"
    labels.check(text_of(success), TRANSITIONS[action].label, contains=True)


def assert_status_badge(page, status: Status, labels: Labels) -> None:
    badge = page.locator(f"main h1 + .badge.status-{status.value}")
    assert badge.count() == 1, (
        f"no {status.value} status badge beside the title: {text_of(page.locator('main'))!r}")
    labels.check(text_of(badge), status.label)


def test_worker_takes_a_ticket_from_accept_to_reply_on_a_phone(
        phone, live_community, labels, resolve_photo):
    c = live_community
    ticket = make_ticket(node=c.g5a, title=TITLE)
    assert ticket.owner == c.g5a and ticket.status == Status.NEW
    tasks_path = reverse("tickets:my_tasks")
    task_path = reverse("tickets:task_detail", args=[ticket.pk])
    assert log_in(phone, "worker_a").ok

    # Menu → 我的任务.
    open_menu(phone)
    tasks_link = phone.locator(f'#main-nav a.nav-link[href="{tasks_path}"]')
    assert tasks_link.count() == 1, "no 我的任务 link in the menu"
    labels.check(text_of(tasks_link), "My tasks")
    assert_tall_enough(tasks_link)
    with phone.expect_navigation():
        press(tasks_link)
    assert path_of(phone) == tasks_path
    assert tasks_link.get_attribute("class").split().count("active") == 1
    labels.check(text_of(phone.locator("main h1")), "My tasks")

    # The ticket's card: its title, its status and where it is.
    cards = phone.locator("#my-tasks a.list-group-item")
    card = cards.filter(has_text=TITLE)
    assert card.count() == 1, f"the ticket is not in my tasks: {text_of(phone.locator('main'))!r}"
    assert card.get_attribute("href") == task_path
    labels.check(text_of(card.locator(".badge.status-new")), Status.NEW.label)
    assert "枫丹第1网格" in text_of(card)
    assert_tall_enough(cards)
    screenshot(phone, "tasks")
    assert_no_horizontal_overflow(phone)

    # The task page.
    with phone.expect_navigation():
        press(card)
    assert path_of(phone) == task_path
    assert text_of(phone.locator("main h1")) == TITLE
    assert_status_badge(phone, Status.NEW, labels)
    assert ticket.reference in text_of(phone.locator("main"))
    assert_tall_enough(phone.locator("#primary-step button"))
    assert phone.locator("main textarea").count() == 1
    assert phone.locator("main input[type=file]").count() == 1
    assert_no_horizontal_overflow(phone)

    # 签收 (the primary step), then 开始办理 from the menu (first contact is the primary one).
    run_step(phone, "accept", labels, primary=True)
    assert_status_badge(phone, Status.ACCEPTED, labels)
    assert action_button(phone, "accept").count() == 0
    run_step(phone, "start", labels, primary=False)
    assert_status_badge(phone, Status.IN_PROGRESS, labels)

    # 办结 is now the primary step; without a note the browser asks for one and sends nothing.
    note = phone.locator("#task-step textarea[name=note]")
    press(action_button(phone, "resolve"))
    phone.wait_for_load_state()
    assert note.evaluate("n => n.validity.valueMissing"), "resolving without a note was sent"
    assert path_of(phone) == task_path
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS

    # A note for the resident and a photo from the camera.
    note.tap()
    note.fill(RESOLVE_NOTE)
    photos = phone.locator("#task-step input[type=file][name=photos]")
    assert_tall_enough(photos)
    photos.set_input_files(resolve_photo)
    assert_tall_enough(phone.locator("#primary-step button"))
    assert_no_horizontal_overflow(phone)
    run_step(phone, "resolve", labels, primary=True)
    assert_status_badge(phone, Status.RESOLVED, labels)

    # The reply to the resident, the primary step once resolved.
    reply_note = phone.locator("#task-step textarea[name=note]")
    assert reply_note.input_value() == "", "the resolve note was left in the box"
    reply_note.tap()
    reply_note.fill(REPLY_TEXT)
    run_step(phone, "reply", labels, primary=True)
    assert_status_badge(phone, Status.REPLIED, labels)

    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED
    assert ticket.assignee_id == c.worker_a.pk

    # The timeline: the resolve note with its photo, and the reply.
    timeline = phone.locator("#ticket-timeline")
    labels.check(text_of(timeline.locator("xpath=preceding-sibling::h2[1]")), "Timeline")
    resolved = timeline.locator("li", has_text=RESOLVE_NOTE)
    assert resolved.count() == 1, f"the resolve note is not in the timeline: {text_of(timeline)!r}"
    labels.check(text_of(resolved), TRANSITIONS["resolve"].label, contains=True)
    replied = timeline.locator("li", has_text=REPLY_TEXT)
    assert replied.count() == 1, f"the reply is not in the timeline: {text_of(timeline)!r}"
    event = TicketEvent.objects.get(ticket=ticket, action="resolve")
    photo = TicketPhoto.objects.get(ticket=ticket)
    assert photo.event_id == event.pk and photo.public
    photo_url = reverse("tickets:photo", args=[ticket.pk, photo.pk])
    assert photo_url == f"/tickets/{ticket.pk}/photos/{photo.pk}/"
    thumb = resolved.locator("img")
    assert thumb.count() == 1, "the resolve step shows no photo"
    assert thumb.get_attribute("src") == photo_url
    assert wait_for_image(phone, thumb) == PHOTO_SIZE[0]
    # Back to the top, or the sticky navbar is drawn over the middle of the full-page shot.
    phone.evaluate("() => window.scrollTo(0, 0)")
    screenshot(phone, "task")
    assert_no_horizontal_overflow(phone)

    # Replied is no longer waiting: it has left my tasks.
    phone.goto(tasks_path)
    assert phone.locator("#my-tasks a.list-group-item", has_text=TITLE).count() == 0
    assert_no_horizontal_overflow(phone)


def test_hub_head_filters_the_queue_and_chases_a_ticket_at_a_desk(desk, live_community, labels):
    c = live_community
    waiting = make_ticket(node=c.g5a, title=TITLE)
    taken = make_ticket(node=c.g5b, title=OTHER_TITLE)
    services.ticket_transition(ticket=taken, actor=c.worker_b, action="accept")
    queue_path = reverse("tickets:queue")
    log_in(desk, "hub1_head")

    # The navbar is open at 1280px and fits on one line.
    nav = desk.locator("nav.navbar")
    links = desk.locator("#main-nav .nav-link")
    assert links.first.is_visible(), "the menu should be open at desk width"
    for msgid, path in (("My tasks", reverse("tickets:my_tasks")), ("Ticket queue", queue_path),
                        ("Dashboard", reverse("tickets:dashboard"))):
        labels.check(text_of(desk.locator(f'#main-nav a.nav-link[href="{path}"]')), msgid)
    assert desk.locator("#inbox-bell").is_visible()
    rows = desk.evaluate("""() => {
        const tops = new Set();
        for (const el of document.querySelectorAll(
                '#main-nav .nav-link, #main-nav button, .navbar-brand')) {
            const box = el.getBoundingClientRect();
            tops.add(Math.round(box.top + box.height / 2));
        }
        return [...tops];
    }""")
    nav_height = nav.bounding_box()["height"]
    assert nav_height <= 72, f"the navbar wraps at 1280px: {nav_height}px tall, rows {rows}"
    assert max(rows) - min(rows) <= 4, f"the navbar items sit on different lines: {rows}"
    for index in range(links.count()):
        link = links.nth(index)
        height = link.bounding_box()["height"]
        assert height <= 48, f"menu item {text_of(link)!r} wraps: {height}px tall"
    assert_no_horizontal_overflow(desk)

    # The queue shows both tickets.
    with desk.expect_navigation():
        desk.locator(f'#main-nav a.nav-link[href="{queue_path}"]').click()
    assert path_of(desk) == queue_path
    table = desk.locator("#ticket-table")
    assert table.is_visible()
    for title in (TITLE, OTHER_TITLE):
        assert table.locator("tbody tr", has_text=title).count() == 1, (
            f"{title} is not in the queue: {text_of(table)!r}")
    screenshot(desk, "queue", device="desk")
    assert_no_horizontal_overflow(desk)

    # 状态 = 新建 leaves only the waiting ticket.
    filters = desk.locator("#queue-filters")
    status = filters.locator("select[name=status]")
    labels.check(text_of(filters.locator(f'label[for="{status.get_attribute("id")}"]')),
                 "Status")
    labels.check(text_of(status.locator("option[value=new]")), Status.NEW.label)
    status.select_option("new")
    with desk.expect_navigation():
        filters.locator("button[type=submit]").click()
    assert parse_qs(urlparse(desk.url).query).get("status") == ["new"]
    assert status.input_value() == "new", "the filter forgot the chosen status"
    row = table.locator("tbody tr")
    assert row.count() == 1, f"expected only {TITLE}: {text_of(table)!r}"
    assert TITLE in text_of(row) and waiting.reference in text_of(row)
    labels.check(text_of(row.locator(".badge.status-new")), Status.NEW.label)

    # 状态 = 已签收 leaves only the other one.
    status.select_option("accepted")
    with desk.expect_navigation():
        filters.locator("button[type=submit]").click()
    assert table.locator("tbody tr").count() == 1
    assert OTHER_TITLE in text_of(table.locator("tbody tr"))

    # The ticket page: the timeline, and the chase form for a supervisor.
    status.select_option("new")
    with desk.expect_navigation():
        filters.locator("button[type=submit]").click()
    with desk.expect_navigation():
        row.locator(f"a[href=\"{reverse('tickets:detail', args=[waiting.pk])}\"]").click()
    assert path_of(desk) == reverse("tickets:detail", args=[waiting.pk])
    assert text_of(desk.locator("main h1")) == TITLE
    timeline = desk.locator("#ticket-timeline")
    assert timeline.locator("li").count() == 1
    labels.check(text_of(timeline.locator("li").first), "Created", contains=True)
    chase = desk.locator('form.action-form[data-action="chase"]')
    assert chase.count() == 1, (
        f"no chase form for the hub head: {text_of(desk.locator('#ticket-actions'))!r}")
    assert chase.is_visible()
    labels.check(text_of(chase.locator("button[type=submit]")), TRANSITIONS["chase"].label)
    screenshot(desk, "ticket", device="desk")
    assert_no_horizontal_overflow(desk)

    chase_note = chase.locator("textarea[name=note]")
    chase_note.click()
    chase_note.fill(CHASE_NOTE)
    with desk.expect_navigation():
        chase.locator("button[type=submit]").click()
    assert path_of(desk) == reverse("tickets:detail", args=[waiting.pk])
    assert desk.locator("main .alert-danger").count() == 0
    chased = timeline.locator("li", has_text=CHASE_NOTE)
    assert chased.count() == 1, f"the chase is not in the timeline: {text_of(timeline)!r}"
    labels.check(text_of(chased), TRANSITIONS["chase"].label, contains=True)
    assert TicketEvent.objects.filter(ticket=waiting, action="chase",
                                      actor=c.hub1_head).count() == 1


def test_neighbouring_worker_gets_not_found_for_the_ticket(
        phone, page_problems, live_community, resolve_photo):
    c = live_community
    ticket = make_ticket(node=c.g5a, title=TITLE)
    upload = SimpleUploadedFile("fixed.png", resolve_photo.read_bytes(), content_type="image/png")
    photo = services.ticket_photo_add(ticket=ticket, actor=c.worker_a, photo=upload)
    log_in(phone, "worker_b")

    phone.goto(reverse("tickets:my_tasks"))
    assert phone.locator("#my-tasks a", has_text=TITLE).count() == 0
    for path in (reverse("tickets:detail", args=[ticket.pk]),
                 reverse("tickets:task_detail", args=[ticket.pk]),
                 reverse("tickets:photo", args=[ticket.pk, photo.pk])):
        expect_not_found(phone, page_problems, path)
        assert TITLE not in phone.content()
        assert_no_horizontal_overflow(phone)
    screenshot(phone, "ticket-404")
