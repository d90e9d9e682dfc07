"""Demo committees with their areas, charters and members, and a year of meetings whose
decisions became tickets."""

import datetime as dt

from django.utils import timezone

from tickets import services as ticket_services
from tickets.demo import (
    TicketLife,
    step_accept,
    step_evaluate,
    step_resolve,
    step_work,
    story_timestamps,
)
from tickets.models import (
    Category,
    Channel,
    Status,
    Ticket,
    TicketEvent,
    Whistle,
)
from tickets.sweep import schedule

from .. import services
from ..models import (
    Committee,
    CommitteeArea,
    CommitteeKind,
    Decision,
    Meeting,
    MeetingKind,
    OrganisationKind,
    Position,
)
from .context import (
    CENTER,
    MEETING_ROOM,
    TICKET_KEY,
    CommitteeSeed,
    Context,
    D,
)
from .data import (
    BUSINESS,
    COMMITTEES,
    DELIBERATIONS,
)

# --- Committees, areas, charters and members ------------------------------------------------


def seed_committee_rows(ctx: Context, result: CommitteeSeed) -> dict[str, Committee]:
    committees = {}
    for kind, name, director, users, contacts, description in COMMITTEES:
        committee = Committee.objects.create(community=ctx.community, kind=kind, name=name,
                                             description=description)
        services.charter_adopt(
            committee=committee, actor=ctx.staff, adopted_on=ctx.term_starts + 14 * D,
            text=f"{name}章程\n第一条 {description}\n第二条 本委员会每季度至少召开一次联席会议，"
                 "遇重大事项随时召开一事一议会议。\n第三条 会议决定事项明确责任网格和完成时限，"
                 "纳入哨源库跟踪办结。")
        _seed_members(ctx, committee, director, users, contacts, result)
        committees[kind] = committee
    _seed_areas(ctx, committees[CommitteeKind.PROPERTY])
    result.committees = len(committees)
    return committees


def _member(ctx: Context, committee: Committee, result: CommitteeSeed, *, starts_on=None,
            ends_on=None, position=Position.MEMBER, **person) -> None:
    services.member_add(committee=committee, actor=ctx.staff, position=position,
                        starts_on=starts_on or ctx.term_starts,
                        ends_on=ends_on or ctx.term_ends, **person)
    result.members += 1


def _seed_members(ctx, committee, director, users, contacts, result) -> None:
    _member(ctx, committee, result, position=Position.DIRECTOR, user=ctx.users[director],
            organisation_kind=OrganisationKind.COMMUNITY, organisation=CENTER)
    for username in users:
        if username in ctx.users:
            _member(ctx, committee, result, user=ctx.users[username],
                    organisation_kind=OrganisationKind.COMMUNITY, organisation=CENTER)
    party = committee.kind == CommitteeKind.RESIDENTS
    residents = ctx.residents_sample(5, party=party)
    deputy, *others = residents
    _member(ctx, committee, result, position=Position.DEPUTY, resident=deputy)
    for resident in others[:3]:
        _member(ctx, committee, result, resident=resident)
    if len(others) > 3:  # a term that ended mid-year, and the successor who took the seat
        change = ctx.today - 200 * D
        _member(ctx, committee, result, resident=others[3], ends_on=change)
        successor = next(r for r in ctx.residents_sample(8) if r not in residents)
        _member(ctx, committee, result, resident=successor, starts_on=change + D)
    for index, (kind, organisation, contact) in enumerate(contacts):
        _member(ctx, committee, result, contact_name=contact, organisation_kind=kind,
                organisation=organisation, contact_phone=f"1390871{index:04d}")


def _seed_areas(ctx: Context, committee: Committee) -> None:
    """4 large areas (pairs of hubs) and 8 small areas (runs of level-5 grids)."""
    numerals = "一二三四五六七八"
    for index in range(4):
        hubs = ctx.hubs[index * 2: index * 2 + 2]
        if not hubs:
            continue
        area = CommitteeArea.objects.create(
            committee=committee, size=CommitteeArea.Size.LARGE,
            name=f"第{numerals[index]}大区（{'、'.join(h.name for h in hubs)}）")
        area.nodes.set(hubs)
    size = -(-len(ctx.grid5s) // 8)
    for index in range(8):
        grids = ctx.grid5s[index * size: (index + 1) * size]
        if not grids:
            continue
        area = CommitteeArea.objects.create(
            committee=committee, size=CommitteeArea.Size.SMALL,
            name=f"第{numerals[index]}小区（{grids[0].name}等{len(grids)}个网格）")
        area.nodes.set(grids)


# --- Meetings and decisions -----------------------------------------------------------------


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= D
    return day


def seed_meetings(ctx: Context, committees: dict[str, Committee],
                   result: CommitteeSeed) -> None:
    """Four quarterly joint meetings per committee (the latest about three weeks ago), a planned
    next one for two of them, and two recent one-issue deliberations."""
    stories: list[tuple[Decision, TicketLife]] = []
    for index, committee in enumerate(committees.values()):
        agenda, decisions = BUSINESS[committee.kind]
        for quarter in (3, 2, 1, 0):
            held_on = _weekday(ctx.today - (20 + 3 * index + 91 * quarter) * D)
            title = f"{held_on.year}年{held_on.month}月联席会议"
            meeting = _meeting(ctx, committee, title, held_on, ctx.rng.sample(agenda, 3),
                               MeetingKind.JOINT, result)
            # The first decision of each meeting falls to a level-5 grid (its queue shows it).
            first = ctx.rng.choice([text for text in decisions if "{grid}" in text])
            second = ctx.rng.choice([text for text in decisions if text != first])
            for position, text in enumerate((first, second)):
                stories.append(_past_decision(ctx, meeting, text, quarter, position, result))
        if index < 2:
            services.meeting_schedule(
                committee=committee, actor=ctx.staff, title="下季度联席会议",
                held_on=_weekday(ctx.today + 60 * D), place=MEETING_ROOM,
                starts_at=dt.time(15, 0), agenda=ctx.rng.sample(agenda, 2))
            result.meetings += 1
    _write_stories(stories, result)
    for days_ago, (kind, title, agenda, decisions) in zip((10, 3), DELIBERATIONS, strict=True):
        meeting = _meeting(ctx, committees[kind], title, _weekday(ctx.today - days_ago * D),
                           agenda, MeetingKind.DELIBERATION, result)
        for number, text in enumerate(decisions):
            _today_decision(ctx, meeting, text, due_days=20 + 10 * number, result=result)


def _meeting(ctx: Context, committee: Committee, title: str, held_on: dt.date,
             agenda: list[str], kind: str, result: CommitteeSeed) -> Meeting:
    meeting = services.meeting_schedule(committee=committee, actor=ctx.staff, title=title,
                                        held_on=held_on, kind=kind, agenda=agenda,
                                        place=MEETING_ROOM, starts_at=dt.time(14, 30))
    serving = [m.pk for m in committee.members.all() if m.serves_on(held_on)]
    absent = set(ctx.rng.sample(serving, min(2, len(serving) - 1)))
    minutes = "\n".join(f"{n}. {item}：与会委员充分讨论，形成意见。"
                        for n, item in enumerate(agenda, start=1))
    services.meeting_record(meeting=meeting, actor=ctx.staff, present=set(serving) - absent,
                            minutes=f"会议由主任主持，议题如下：\n{minutes}",
                            guests="街道联系领导" if kind == MeetingKind.JOINT else "居民代表")
    result.meetings += 1
    return meeting


def _past_decision(ctx: Context, meeting: Meeting, text: str, quarter: int, position: int,
                   result: CommitteeSeed) -> tuple[Decision, TicketLife]:
    """A decision of a past meeting and its ticket, opened the next morning; older
    ones are done, the latest meeting's are still being worked on, and one is late."""
    text, owner = ctx.fill(text)
    due_on = meeting.held_on + ctx.rng.choice((30, 45, 60)) * D
    decision = services.decision_add(meeting=meeting, actor=ctx.staff, text=text, owner=owner,
                                     due_on=due_on)
    result.decisions += 1
    created = timezone.make_aware(dt.datetime.combine(meeting.held_on + D, dt.time(9, 30)))
    life = _story(ctx, decision, created, due_on)
    late = quarter == 1 and position == 0 and meeting.committee.kind == CommitteeKind.PROPERTY
    _live_decision(life, latest=quarter == 0, late=late)
    life.ticket.updated_at = life.clock
    schedule(life.ticket)
    return decision, life


def _live_decision(life: TicketLife, *, latest: bool, late: bool) -> None:
    """The story of a decision's ticket up to now: the steps of the ticket demo."""
    if not step_accept(life):
        return
    if latest:  # the latest meeting's decisions are still being worked on
        life.step(life.hours(1, 24), "start", actor=life.ticket.assignee,
                  status=Status.IN_PROGRESS, note="")
    elif late:  # past its due date and not resolved: overdue
        step_work(life)
    elif step_work(life) and step_resolve(life, stuck=False):
        step_evaluate(life)


def _story(ctx: Context, decision: Decision, created: dt.datetime, due_on: dt.date) -> TicketLife:
    ctx.ticket_number += 1
    committee = decision.meeting.committee
    owner = decision.owner
    assert owner is not None  # noqa: S101 - every demo decision has an owner
    ticket = ctx.factory.new_ticket(
        created, channel=Channel.COMMITTEE, whistle=Whistle.ROUTINE, category=_decision_category(),
        title=decision.text[:120], node=owner, owner=owner, address=f"{owner.name}辖区",
        description=(f"{committee.name}{decision.meeting.title}"
                     f"（{decision.meeting.held_on:%Y-%m-%d}）决定：\n{decision.text}"),
        idempotency_key=f"{TICKET_KEY}{ctx.ticket_number:05d}", created_by=ctx.staff)
    life = ctx.factory.intake(ticket)
    ticket.resolve_due_at = timezone.make_aware(dt.datetime.combine(due_on, services.END_OF_DAY))
    return life


def _decision_category() -> Category:
    return Category.objects.get(code=services.DECISION_CATEGORY)  # made by a migration


def _write_stories(stories: list[tuple[Decision, TicketLife]], result: CommitteeSeed) -> None:
    with story_timestamps():
        Ticket.objects.bulk_create([life.ticket for _decision, life in stories])
        TicketEvent.objects.bulk_create([event for _decision, life in stories
                                         for event in life.events])
    for decision, life in stories:
        decision.ticket = life.ticket
        result.decision_tickets += 1
        result.open_decision_tickets += life.ticket.is_open
    Decision.objects.bulk_update([decision for decision, _life in stories], ["ticket"])


def _today_decision(ctx: Context, meeting: Meeting, text: str, *, due_days: int,
                    result: CommitteeSeed) -> None:
    """A decision made a ticket through the service (due in the future), the first one already
    accepted by its grid."""
    text, owner = ctx.fill(text)
    decision = services.decision_add(meeting=meeting, actor=ctx.staff, text=text, owner=owner,
                                     due_on=ctx.today + due_days * D, make_ticket=True)
    result.decisions += 1
    result.decision_tickets += 1
    result.open_decision_tickets += 1
    worker = ctx.workers.get(owner.pk)
    if worker is not None and decision.position == 0:
        ticket_services.ticket_transition(ticket=decision.ticket, actor=worker, action="accept")


