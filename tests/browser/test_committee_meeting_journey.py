"""A committee meeting, from the desk to the grid worker's phone and back.

At a desk, the community's center staff open the committee from the navigation, schedule a
meeting for today with a two-line agenda, record it as held with minutes and attendance, and add
a decision made into a ticket owned by 枫丹第1网格. On a phone, that grid's worker finds the
ticket in "my tasks" and accepts it; the meeting page then follows the ticket to 已签收.

On a phone, the attendance page ticks members one tap at a time. The worker of the neighbouring
grid does not see the decision's ticket, and another community's committee answers 404.

Elements are found by form field names, ids and data attributes; labels are compared with what
the zh-hans catalogue says (English while the catalogue lacks the string).
"""

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from committees import services
from committees.models import Attendance, Decision, Meeting, MeetingStatus, Position
from tests.committees.factories import CommitteeFactory
from tests.tickets.factories import make_ticket
from tickets.models import Status

from .conftest import (
    assert_no_horizontal_overflow,
    assert_tall_enough,
    expect_not_found,
    log_in,
    open_menu,
    press,
    screenshot,
)

pytestmark = pytest.mark.browser

COMMITTEE = "世纪城社区物业服务委员会"
OTHER_COMMITTEE = "六合社区居民委员会"
MEETING_TITLE = "第四季度联席会议"
AGENDA = ["小区停车位划线方案", "3栋电梯维修资金使用"]
MINUTES = "会议讨论了停车位划线方案和电梯维修资金，一致同意由网格牵头落实。"
DECISION = "枫丹第1网格组织施划东区停车位"
DIRECTOR = "王建国"
OUTSIDER = "赵物业"
NEIGHBOUR_TITLE = "2单元门禁损坏"


def zh(text) -> str:
    """A message (a msgid, or a lazy translation) as the zh-hans interface shows it."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def path_of(page) -> str:
    return urlparse(page.url).path


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


def assert_success(page, what: str) -> str:
    """The page reports success and no error; the success message's text."""
    errors = page.locator("main .alert-danger, main .invalid-feedback")
    assert errors.count() == 0, f"{what} failed: {text_of(page.locator('main'))!r}"
    success = page.locator("main .alert-success")
    assert success.count() == 1, f"{what} reported no success: {text_of(page.locator('main'))!r}"
    return text_of(success)


@pytest.fixture
def committee(live_community):
    """A committee of 世纪城社区 with a director (an outside contact), a portal user and a
    property company's contact, all serving since last year."""
    c = live_community
    committee = CommitteeFactory(community=c.community, name=COMMITTEE)
    since = timezone.localdate() - dt.timedelta(days=365)
    for fields in ({"position": Position.DIRECTOR, "contact_name": DIRECTOR},
                   {"position": Position.MEMBER, "user": c.worker_a},
                   {"position": Position.MEMBER, "contact_name": OUTSIDER,
                    "organisation_kind": "property"}):
        services.member_add(committee=committee, actor=c.center_staff, starts_on=since,
                            **fields)
    return committee


def test_staff_hold_a_meeting_whose_decision_the_grid_worker_accepts(
        desk, phone, live_community, committee):
    c = live_community
    today = timezone.localdate()
    due = today + dt.timedelta(days=14)
    members = {m.display_name: m for m in committee.members.all()}
    assert set(members) == {DIRECTOR, "刘晓燕", OUTSIDER}
    log_in(desk, c.center_staff.username)

    # The navigation → 委员会 → the committee's card.
    list_path = reverse("committees:list")
    nav_link = desk.locator(f'#main-nav a.nav-link[href="{list_path}"]')
    assert nav_link.count() == 1, "no committees link in the navigation"
    assert text_of(nav_link) == zh("Committees")
    with desk.expect_navigation():
        nav_link.click()
    assert path_of(desk) == list_path
    assert "active" in nav_link.get_attribute("class").split()
    card = desk.locator(f'#committee-list a[data-committee="{committee.pk}"]')
    assert card.count() == 1, f"the committee is not listed: {text_of(desk.locator('main'))!r}"
    assert COMMITTEE in text_of(card) and "世纪城社区" in text_of(card)
    screenshot(desk, "committees", device="desk")
    assert_no_horizontal_overflow(desk)
    with desk.expect_navigation():
        card.click()
    detail_path = reverse("committees:detail", args=[committee.pk])
    assert path_of(desk) == detail_path
    assert text_of(desk.locator("main h1")) == COMMITTEE
    for name in members:
        assert desk.locator("#members tbody tr", has_text=name).count() == 1, (
            f"{name} is not among the members: {text_of(desk.locator('#members'))!r}")

    # Schedule a meeting for today with a two-line agenda.
    form = desk.locator("#meeting-form")
    assert form.count() == 1, "no meeting form for the center staff"
    form.locator("input[name=title]").fill(MEETING_TITLE)
    form.locator("input[name=held_on]").fill(today.isoformat())
    form.locator("input[name=place]").fill("党群服务中心二楼会议室")
    form.locator("textarea[name=agenda]").fill("\n".join(AGENDA))
    with desk.expect_navigation():
        form.locator("button[type=submit]").click()
    meeting = Meeting.objects.get(committee=committee)
    meeting_path = reverse("committees:meeting", args=[meeting.pk])
    assert path_of(desk) == meeting_path, f"scheduling stayed on {desk.url}"
    assert zh("Meeting scheduled.") in assert_success(desk, "scheduling")
    assert meeting.held_on == today and meeting.status == MeetingStatus.PLANNED

    # Back to the committee, where the meeting is listed, and open it from there.
    with desk.expect_navigation():
        desk.locator(f'main a[href="{detail_path}"]').first.click()
    listed = desk.locator(f'#meetings a[data-meeting="{meeting.pk}"]')
    assert listed.count() == 1, f"the meeting is not listed: {text_of(desk.locator('#meetings'))!r}"
    assert MEETING_TITLE in text_of(listed) and today.isoformat() in text_of(listed)
    assert zh(MeetingStatus.PLANNED.label) in text_of(listed)
    with desk.expect_navigation():
        listed.click()
    assert path_of(desk) == meeting_path
    assert text_of(desk.locator("main h1")) == MEETING_TITLE
    agenda = desk.locator("#agenda li")
    assert [text_of(agenda.nth(i)) for i in range(agenda.count())] == AGENDA
    assert desk.locator("#decision-form").count() == 0, "decisions before the meeting is held"

    # Record it as held: minutes, and the director and 刘晓燕 present (赵物业 absent).
    record = desk.locator("#record-form")
    assert record.count() == 1, "no record form for the center staff"
    record.locator("textarea[name=minutes]").fill(MINUTES)
    for name in (DIRECTOR, "刘晓燕"):
        box = record.locator(f'input[name=present][value="{members[name].pk}"]')
        assert box.count() == 1, f"no attendance box for {name}"
        label = record.locator(f'label[for="{box.get_attribute("id")}"]')
        assert text_of(label) == name
        label.click()
        assert box.is_checked(), f"{name} is not ticked present"
    assert not record.locator(
        f'input[name=present][value="{members[OUTSIDER].pk}"]').is_checked()
    screenshot(desk, "meeting-record", device="desk")
    with desk.expect_navigation():
        record.locator("button[type=submit]").click()
    assert path_of(desk) == meeting_path
    assert zh("The meeting is recorded as held.") in assert_success(desk, "recording")
    assert zh(MeetingStatus.HELD.label) in text_of(desk.locator("main h1 + .badge"))
    assert MINUTES in text_of(desk.locator("#minutes"))
    for name, msgid in ((DIRECTOR, "Present"), ("刘晓燕", "Present"), (OUTSIDER, "Absent")):
        row = desk.locator(f'#attendance li[data-member="{members[name].pk}"]')
        assert text_of(row.locator(".badge")) == zh(msgid), f"{name}: {text_of(row)!r}"
    assert dict(Attendance.objects.filter(meeting=meeting)
                .values_list("member__pk", "present")) == {
        members[DIRECTOR].pk: True, members["刘晓燕"].pk: True, members[OUTSIDER].pk: False}

    # Add a decision for 枫丹第1网格, due in two weeks, made into a ticket.
    decision_form = desk.locator("#decision-form")
    assert decision_form.count() == 1, "no decision form once the meeting is held"
    decision_form.locator("textarea[name=text]").fill(DECISION)
    owner = decision_form.locator("select[name=owner]")
    owner.select_option(str(c.g5a.pk))
    assert "枫丹第1网格" in text_of(owner.locator("option:checked"))
    decision_form.locator("input[name=due_on]").fill(due.isoformat())
    make_ticket_box = decision_form.locator("input[type=checkbox][name=make_ticket]")
    make_ticket_box.check()
    assert make_ticket_box.is_checked()
    with desk.expect_navigation():
        decision_form.locator("button[type=submit]").click()
    assert path_of(desk) == meeting_path
    decision = Decision.objects.select_related("ticket").get(meeting=meeting)
    ticket = decision.ticket
    assert ticket is not None, "the decision was not made into a ticket"
    assert ticket.owner_id == c.g5a.pk and ticket.title == DECISION
    assert decision.due_on == due and ticket.status == Status.NEW
    assert ticket.reference in assert_success(desk, "adding the decision")

    # The meeting page shows the decision, its ticket reference and its status.
    item = desk.locator(f'#decisions [data-decision="{decision.pk}"]')
    assert item.count() == 1, f"the decision is not shown: {text_of(desk.locator('#decisions'))!r}"
    assert DECISION in text_of(item) and "枫丹第1网格" in text_of(item)
    assert due.isoformat() in text_of(item)
    reference = item.locator(f'a[href="{reverse("tickets:detail", args=[ticket.pk])}"]')
    assert text_of(reference) == ticket.reference
    badge = item.locator(f".badge.status-{Status.NEW.value}")
    assert badge.count() == 1, f"no status badge: {text_of(item)!r}"
    assert text_of(badge) == zh(Status.NEW.label)
    screenshot(desk, "meeting-decision", device="desk")
    assert_no_horizontal_overflow(desk)

    # On her phone, 刘晓燕 (worker_a of 枫丹第1网格) finds the ticket in 我的任务 and accepts it.
    log_in(phone, c.worker_a.username)
    tasks_path = reverse("tickets:my_tasks")
    open_menu(phone)
    tasks_link = phone.locator(f'#main-nav a.nav-link[href="{tasks_path}"]')
    assert text_of(tasks_link) == zh("My tasks")
    with phone.expect_navigation():
        press(tasks_link)
    assert path_of(phone) == tasks_path
    task = phone.locator("#my-tasks a.list-group-item", has_text=DECISION)
    assert task.count() == 1, (
        f"the decision's ticket is not in my tasks: {text_of(phone.locator('main'))!r}")
    assert task.get_attribute("href") == reverse("tickets:task_detail", args=[ticket.pk])
    assert text_of(task.locator(f".badge.status-{Status.NEW.value}")) == zh(Status.NEW.label)
    assert_tall_enough(task)
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "committee-task")
    with phone.expect_navigation():
        press(task)
    assert text_of(phone.locator("main h1")) == DECISION
    assert ticket.reference in text_of(phone.locator("main"))
    accept = phone.locator('#task-step button[data-primary][value="accept"]')
    assert accept.count() == 1, f"no accept button: {text_of(phone.locator('main'))!r}"
    assert_tall_enough(accept)
    with phone.expect_navigation():
        press(accept)
    assert_success(phone, "accepting")
    assert text_of(phone.locator(f"main h1 + .badge.status-{Status.ACCEPTED.value}")) == zh(
        Status.ACCEPTED.label)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED and ticket.assignee_id == c.worker_a.pk

    # Back at the desk, the meeting page follows the ticket to 已签收.
    desk.reload()
    item = desk.locator(f'#decisions [data-decision="{decision.pk}"]')
    badge = item.locator(".badge[class*=status-]")
    assert badge.get_attribute("class").split().count(f"status-{Status.ACCEPTED.value}") == 1, (
        f"the decision's badge is {badge.get_attribute('class')!r}")
    assert text_of(badge) == zh(Status.ACCEPTED.label)
    assert ticket.reference in text_of(item)
    screenshot(desk, "meeting-accepted", device="desk")


def test_attendance_is_ticked_one_tap_per_member_on_a_phone(phone, live_community, committee):
    c = live_community
    meeting = services.meeting_schedule(committee=committee, actor=c.center_staff,
                                        title=MEETING_TITLE, held_on=timezone.localdate(),
                                        place="党群服务中心二楼会议室", agenda=AGENDA)
    members = {m.display_name: m for m in committee.members.all()}
    log_in(phone, c.center_staff.username)

    # From the meeting page to the phone attendance page.
    phone.goto(reverse("committees:meeting", args=[meeting.pk]))
    attendance_path = reverse("committees:attendance", args=[meeting.pk])
    link = phone.locator(f'main a[href="{attendance_path}"]')
    assert link.count() == 1, "no link to the phone attendance page"
    assert text_of(link) == zh("Take attendance on the phone")
    with phone.expect_navigation():
        press(link)
    assert path_of(phone) == attendance_path
    assert text_of(phone.locator("main h1")) == zh("Attendance")
    toggles = phone.locator("#attendance-list button.attendance-toggle")
    assert toggles.count() == len(members)
    assert_tall_enough(toggles)
    assert_no_horizontal_overflow(phone)
    for index in range(toggles.count()):
        assert toggles.nth(index).get_attribute("aria-pressed") == "false"
        assert zh("Tap if present") in text_of(toggles.nth(index))
    screenshot(phone, "attendance")

    # One tap: present. Another: absent.
    member = members["刘晓燕"]
    toggle = phone.locator(f"#attendance-{member.pk} button.attendance-toggle")
    assert "刘晓燕" in text_of(toggle)
    press(toggle)
    phone.locator(f'#attendance-{member.pk} button[aria-pressed="true"]').wait_for()
    assert zh("Present") in text_of(toggle)
    assert "btn-success" in toggle.get_attribute("class").split()
    assert path_of(phone) == attendance_path, "the tap left the page"
    assert Attendance.objects.get(meeting=meeting, member=member).present is True
    assert_tall_enough(toggles)
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "attendance-present")

    press(toggle)
    phone.locator(f'#attendance-{member.pk} button[aria-pressed="false"]').wait_for()
    assert zh("Absent") in text_of(toggle)
    assert Attendance.objects.get(meeting=meeting, member=member).present is False
    # Nobody else was touched.
    assert list(Attendance.objects.filter(meeting=meeting).values_list("member", flat=True)) == [
        member.pk]
    assert_tall_enough(toggles)
    assert_no_horizontal_overflow(phone)


def test_the_neighbouring_worker_and_another_community_see_nothing(
        phone, page_problems, live_community, committee):
    c = live_community
    today = timezone.localdate()
    meeting = services.meeting_schedule(committee=committee, actor=c.center_staff,
                                        title=MEETING_TITLE, held_on=today)
    services.meeting_record(meeting=meeting, actor=c.center_staff, minutes=MINUTES)
    decision = services.decision_add(meeting=meeting, actor=c.center_staff, text=DECISION,
                                     owner=c.g5a, due_on=today + dt.timedelta(days=14),
                                     make_ticket=True)
    assert decision.ticket is not None
    # A ticket of worker_b's own grid, so that an empty queue would not pass for a right one.
    make_ticket(node=c.g5b, title=NEIGHBOUR_TITLE)
    other = CommitteeFactory(community=c.other, name=OTHER_COMMITTEE)
    other_meeting = services.meeting_schedule(committee=other, actor=c.admin,
                                              title="六合社区联席会议", held_on=today)
    log_in(phone, c.worker_b.username)

    phone.goto(reverse("tickets:queue"))
    queue = text_of(phone.locator("main"))
    assert NEIGHBOUR_TITLE in queue, f"worker_b's own ticket is not in the queue: {queue!r}"
    assert DECISION not in queue and decision.ticket.reference not in queue
    phone.goto(reverse("tickets:my_tasks"))
    tasks = text_of(phone.locator("#my-tasks"))
    assert NEIGHBOUR_TITLE in tasks and DECISION not in tasks
    assert_no_horizontal_overflow(phone)

    for path in (reverse("tickets:detail", args=[decision.ticket_id]),
                 reverse("committees:detail", args=[other.pk]),
                 reverse("committees:meeting", args=[other_meeting.pk]),
                 reverse("committees:attendance", args=[other_meeting.pk])):
        expect_not_found(phone, page_problems, path)
        assert OTHER_COMMITTEE not in phone.content() and DECISION not in phone.content()
        assert_no_horizontal_overflow(phone)
    screenshot(phone, "committee-404")
