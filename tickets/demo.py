"""Demo tickets: a year of requests across channels, whistle classes and categories, at the demo
grids and dwellings, so the dashboard tells a story from the first start.

Each ticket lives a life the services would have given it: routed by `services.route`, deadlines
from the SLA policies and the working-day calendar, and one timeline event per step (accept,
start, first contact, hold and resume, extension, return upheld or rejected, escalation up the
tree and whistles to a department, resolve, reply, follow-up, evaluation or closing without one).
Steps that would fall after now are not taken, so recent tickets are still open, and some of
them are overdue. Most older tickets are closed with an evaluation.

Rows are written in bulk (the services' per-row locks and checks would make the demo take
minutes), with the timestamps of the story: while seeding, the `auto_now` fields of tickets and
events are switched off (a management command, not a web process). Idempotent: nothing is added
when demo tickets (idempotency key "demo:...") exist. `scale` multiplies the number of tickets.
"""

import datetime as dt
import math
import random
import secrets
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from grids.models import Assignment, GridNode, NodeKind, Role
from grids.selectors import routing_roles
from residents.models import Dwelling

from . import services
from .models import (
    Category,
    Channel,
    Department,
    EventKind,
    Satisfaction,
    Status,
    Ticket,
    TicketEvent,
    Whistle,
)
from .sweep import schedule
from .workflow import TRANSITIONS

User = get_user_model()
DEMO_KEY = "demo:"
PER_SCALE = 1500
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

# Tickets left unfinished past their deadline (per scale), and the age they are picked at.
STALLED = 7
STALL_AGE = (dt.timedelta(days=30), dt.timedelta(days=75))
CHANNELS = {Channel.HOTLINE: 30, Channel.JIESU_JIBAN: 14, Channel.CITY_MANAGEMENT: 8,
            Channel.LETTERS_VISITS: 3, Channel.PROPOSAL: 5, Channel.WECHAT_GROUP: 16,
            Channel.SELF_REPORT: 6, Channel.WALK_IN: 8, Channel.PHONE_CALL: 5, Channel.PATROL: 8,
            Channel.REFERRAL: 2, Channel.OPEN311: 3}
WHISTLES = {Whistle.ROUTINE: 90, Whistle.KEY: 6, Whistle.KEY_CITY: 2, Whistle.EMERGENCY: 2}
# category code: (weight, titles)
TOPICS = {
    "facilities": (22, ("楼道灯不亮", "单元门禁损坏", "小区路面破损", "健身器材损坏")),
    "elevator": (8, ("电梯困人", "电梯异响需检修", "电梯按键失灵")),
    "facade": (2, ("外墙瓷砖脱落", "阳台外墙渗水")),
    "utilities": (12, ("停水未提前通知", "燃气管道有异味", "暖气不热", "下水道堵塞")),
    "property": (10, ("垃圾清运不及时", "物业服务态度差", "绿化带无人修剪")),
    "safety": (9, ("楼道堆放杂物", "电动车在楼道充电", "消防通道被占用")),
    "dispute": (9, ("楼上噪音扰民", "楼上漏水引发纠纷", "宠物扰民")),
    "city_appearance": (10, ("占道经营", "乱贴小广告", "夜市油烟扰民")),
    "construction": (3, ("顶楼违章搭建", "私自拆改承重墙")),
    "assistance": (6, ("独居老人需要帮扶", "困难家庭申请救助")),
    "certificates": (4, ("开具居住证明", "咨询居住证办理")),
    "wish": (2, ("微心愿：给孩子添一个书包", "微心愿：老人想要一台收音机")),
    "other": (3, ("咨询社区活动", "建议增设休息座椅")),
}
NOTES = {
    "contact": "已电话联系居民，约定上门时间",
    "progress": "已到现场查看，正在协调处理",
    "resolve": "已现场处理完毕，居民确认",
    "reply": "您反映的问题已处理，感谢您对社区工作的支持。",
    "follow_up": "电话回访居民，居民表示问题已解决",
    "escalate": "超出网格处置能力，提请上级协调",
    "whistle": "需职能部门执法，吹哨报到",
    "return": "经核实不在本网格范围",
    "reject_return": "经核实属于本网格，请继续办理",
    "request_extension": "需采购配件并协调施工单位",
    "hold": "居民外出，等待居民回家后上门",
    "reject": "重复诉求，已向居民答复",
}
DOER_ROLES = (Role.WORKER, Role.PROPERTY_STAFF, Role.CENTER_STAFF, Role.HEAD)
SUPERVISOR_ROLES = (Role.HEAD, Role.CENTER_STAFF)


@dataclass
class TicketSeed:
    tickets: int = 0
    events: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class TicketPlace:
    """The demo tree, its people and dwellings, and the routing and deadline rules, loaded once."""

    def __init__(self, code_pattern: str = r"^(ST|SJC|LH)(-|$)") -> None:
        self.nodes = {node.pk: node for node in GridNode.objects.filter(
            code__regex=code_pattern, active=True)}
        self.people: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for assignment in (Assignment.objects.current().filter(node_id__in=self.nodes)
                           .select_related("user").order_by("pk")):
            self.people[assignment.node_id][assignment.role].append(assignment.user)
        self.dwellings: dict[int, list[Dwelling]] = defaultdict(list)
        for dwelling in Dwelling.objects.filter(building__node_id__in=self.nodes).select_related(
                "building"):
            self.dwellings[dwelling.building.node_id].append(dwelling)
        self.grids = [node for node in self.nodes.values()
                      if node.kind in (NodeKind.GRID4, NodeKind.GRID5) and self._is_lowest(node)]
        self.communities = [n for n in self.nodes.values() if n.kind == NodeKind.COMMUNITY]
        self.categories = {c.code: c for c in Category.objects.filter(active=True)}
        self.department = Department.objects.filter(active=True, liaisons__isnull=False).first()
        self._routes: dict[tuple, GridNode] = {}
        self.staffing_roles = routing_roles()
        self._policies: dict[tuple[str, str], object] = {}

    def _is_lowest(self, node: GridNode) -> bool:
        return not any(n.parent_id == node.pk for n in self.nodes.values())

    def route(self, location: GridNode, category: Category) -> GridNode:
        """`services.route`, asked once per place and routing rule."""
        key = (location.pk, category.route_to_kind, category.route_to_role)
        if key not in self._routes:
            self._routes[key] = services.route(location=location, category=category,
                                               staffing_roles=self.staffing_roles)
        return self._routes[key]

    def policy(self, whistle: str, kind: str):
        if (whistle, kind) not in self._policies:
            self._policies[whistle, kind] = services.policy_for(whistle=whistle, node_kind=kind)
        return self._policies[whistle, kind]

    def doer(self, ticket: Ticket):
        if ticket.department_id is not None:
            return ticket.department.liaisons.first()
        roles = self.people[ticket.owner_id]
        return next((roles[role][0] for role in DOER_ROLES if roles[role]), None)

    def dispatcher(self, owner: GridNode):
        """The street dispatcher at the node or above it, if any."""
        node: GridNode | None = owner
        while node is not None:
            if self.people[node.pk][Role.DISPATCHER]:
                return self.people[node.pk][Role.DISPATCHER][0]
            node = self.nodes.get(node.parent_id)
        return None

    def supervisor(self, owner: GridNode):
        node = self.nodes.get(owner.parent_id)
        while node is not None:
            roles = self.people[node.pk]
            found = next((roles[role][0] for role in SUPERVISOR_ROLES if roles[role]), None)
            if found is not None:
                return found
            node = self.nodes.get(node.parent_id)
        return None


class TicketLife:
    """One ticket's story, step by step, stopping at the first step that would be in the
    future."""

    def __init__(self, ticket: Ticket, place: TicketPlace, rng: random.Random,
                 now: dt.datetime) -> None:
        self.ticket, self.place, self.rng, self.now = ticket, place, rng, now
        self.clock = ticket.created_at
        self.events: list[TicketEvent] = []
        self.ended = False

    def start_stage(self, at: dt.datetime) -> None:
        ticket = self.ticket
        policy = self.place.policy(ticket.whistle, ticket.owner.kind)
        ticket.stage_started_at = at
        ticket.accept_due_at, ticket.contact_due_at, ticket.resolve_due_at = (
            services.stage_deadlines(policy, at))

    def step(self, after: dt.timedelta, action: str, *, actor, status: str | None = None,
             data: dict | None = None, note: str | None = None) -> bool:
        """Record `action` at `after` past the last step; False (and the story ends) when that
        moment has not come yet."""
        at = self.clock + after
        if self.ended or at > self.now:
            self.ended = True
            return False
        ticket = self.ticket
        before = ticket.status
        if status is not None:
            ticket.status = status
        public = TRANSITIONS[action].public
        kind = (EventKind.TRANSITION if ticket.status != before
                else EventKind.REPLY if public else EventKind.PROGRESS)
        self.events.append(TicketEvent(
            ticket=ticket, kind=kind, action=action, from_status=before,
            to_status=ticket.status, actor=actor, public=public, data=data or {},
            note=NOTES.get(action, "") if note is None else note, created_at=at))
        self.clock = at
        return True

    def hours(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(hours=self.rng.uniform(low, high))


# --- The steps of a life --------------------------------------------------------------------


def step_accept(life: TicketLife, *, late_share: float = 0.08) -> bool:
    ticket = life.ticket
    window = (ticket.accept_due_at - ticket.stage_started_at).total_seconds() / 3600
    late = life.rng.random() < late_share
    delay = life.hours(window * 1.05, window * 2) if late else life.hours(0.05, window * 0.8)
    actor = life.place.doer(ticket)
    on_time = life.clock + delay <= ticket.accept_due_at
    if not life.step(delay, "accept", actor=actor, status=Status.ACCEPTED,
                     data={"on_time": on_time}):
        return False
    ticket.accepted_at = life.clock
    ticket.assignee = ticket.assignee or actor
    return True


def _escalate(life: TicketLife, *, department: Department | None = None) -> bool:
    """Up one node (上报), or, with a department, a whistle (吹哨) from the owning node: by the
    street's dispatcher where the street has one."""
    ticket = life.ticket
    previous = ticket.department.name if ticket.department_id else ticket.owner.name
    actor = ticket.assignee or life.place.doer(ticket)
    data = {"from_owner": previous}
    if department is not None:
        actor = life.place.dispatcher(ticket.owner) or actor
        data.update(department=department.name, origin=ticket.owner.name)
        ticket.department = department
    else:
        ticket.owner = life.place.nodes[ticket.owner.parent_id]
    data["to_owner"] = ticket.department.name if ticket.department_id else ticket.owner.name
    action = "whistle" if department is not None else "escalate"
    if not life.step(life.hours(0.5, 6), action, actor=actor, status=Status.NEW,
                     note=NOTES[action], data=data):
        return False
    ticket.assignee = None
    ticket.escalation_level += 1
    ticket.paused_at = None
    life.start_stage(life.clock)
    return True


def _return(life: TicketLife) -> bool:
    """Returned as not ours at intake; the dispatcher upholds it (to a neighbour) or rejects."""
    ticket, place = life.ticket, life.place
    actor = place.doer(ticket)
    if not life.step(life.hours(0.3, 4), "return", actor=actor, status=Status.RETURNED,
                     data={"reason": "not_our_area", "returned_by": ticket.owner.name}):
        return False
    supervisor = place.supervisor(ticket.owner)
    neighbours = [n for n in place.grids if n.parent_id == ticket.owner.parent_id
                  and n.pk != ticket.owner_id and place.people[n.pk][Role.WORKER]]
    if neighbours and life.rng.random() < 0.6:
        target = life.rng.choice(neighbours)
        data = {"from_owner": ticket.owner.name, "to_owner": target.name}
        if not life.step(life.hours(0.5, 6), "uphold_return", actor=supervisor,
                         status=Status.NEW, data=data, note=""):
            return False
        ticket.returns_upheld += 1
        ticket.owner, ticket.assignee = target, None
        life.start_stage(life.clock)
        return True
    if not life.step(life.hours(0.5, 6), "reject_return", actor=supervisor, status=Status.NEW,
                     data={"owner": ticket.owner.name}):
        return False
    ticket.returns_rejected += 1
    return True


def step_work(life: TicketLife) -> bool:
    """Start, first contact, maybe a pause or an extension: everything before resolving."""
    ticket, rng = life.ticket, life.rng
    if not life.step(life.hours(0.1, 2), "start", actor=ticket.assignee,
                     status=Status.IN_PROGRESS, note=""):
        return False
    if not life.step(life.hours(0.5, 8), "contact", actor=ticket.assignee):
        return False
    ticket.contacted_at = life.clock
    if rng.random() < 0.05 and not _pause(life):
        return False
    if rng.random() < 0.05:
        return _extension(life)
    return True


def _pause(life: TicketLife) -> bool:
    ticket = life.ticket
    if not life.step(life.hours(1, 12), "hold", actor=ticket.assignee, status=Status.ON_HOLD):
        return False
    ticket.paused_at = life.clock
    paused = life.hours(12, 72)
    if not life.step(paused, "resume", actor=ticket.assignee, status=Status.IN_PROGRESS,
                     data={"paused_seconds": int(paused.total_seconds())}, note=""):
        return False
    for name in ("accept_due_at", "contact_due_at", "resolve_due_at"):
        setattr(ticket, name, getattr(ticket, name) + paused)
    ticket.paused_at = None
    return True


def _extension(life: TicketLife) -> bool:
    ticket = life.ticket
    until = ticket.resolve_due_at + dt.timedelta(days=life.rng.choice((3, 5, 7)))
    if not life.step(life.hours(2, 24), "request_extension", actor=ticket.assignee,
                     data={"until": until.isoformat()}):
        return False
    ticket.extension_requested_until = until
    supervisor = life.place.supervisor(ticket.owner)
    if life.rng.random() < 0.2:
        if not life.step(life.hours(1, 12), "refuse_extension", actor=supervisor,
                         note="请按原期限办结"):
            return False
    elif not life.step(life.hours(1, 12), "approve_extension", actor=supervisor,
                       data={"until": until.isoformat()}, note=""):
        return False
    else:
        ticket.resolve_due_at = until
        ticket.extensions += 1
    ticket.extension_requested_until = None
    return True


def step_resolve(life: TicketLife, *, stuck: bool) -> bool:
    ticket, rng = life.ticket, life.rng
    left = max((ticket.resolve_due_at - life.clock).total_seconds() / 3600, 1.0)
    if stuck:
        delay = life.hours(left * 2, left * 4)
    elif rng.random() < 0.1:
        delay = life.hours(left * 1.05, left * 1.6)
    else:
        delay = life.hours(min(1.0, left * 0.1), left * 0.9)
    on_time = life.clock + delay <= ticket.resolve_due_at
    if not life.step(delay, "resolve", actor=ticket.assignee, status=Status.RESOLVED,
                     data={"on_time": on_time}):
        return False
    ticket.resolved_at = life.clock
    if not life.step(life.hours(0.3, 6), "reply", actor=ticket.assignee, status=Status.REPLIED):
        return False
    ticket.replied_at = life.clock
    return True


def step_evaluate(life: TicketLife) -> bool:
    """The resident's evaluation, or closing without one after the evaluation period."""
    ticket, rng = life.ticket, life.rng
    if rng.random() < 0.3 and not life.step(life.hours(20, 30), "follow_up",
                                            actor=ticket.assignee, status=Status.FOLLOW_UP):
        return False
    if rng.random() < 0.13:
        wait = dt.timedelta(days=settings.TICKET_EVALUATION_DAYS)
        if not life.step(wait, "close_unevaluated", actor=None, status=Status.CLOSED, note=""):
            return False
        ticket.closed_at = life.clock
        return True
    satisfaction = _pick(rng, {Satisfaction.SATISFIED: 80, Satisfaction.BASICALLY: 15,
                               Satisfaction.UNSATISFIED: 5})
    unsatisfied = satisfaction == Satisfaction.UNSATISFIED
    status = Status.IN_PROGRESS if unsatisfied else Status.CLOSED
    if not life.step(life.hours(1, 48), "evaluate", actor=ticket.assignee, status=status,
                     data={"satisfaction": satisfaction}, note=""):
        return False
    ticket.satisfaction = satisfaction
    if unsatisfied:
        ticket.resolved_at = None
        return step_resolve(life, stuck=False) and step_evaluate(life)
    ticket.closed_at = life.clock
    return True


def _department_story(life: TicketLife) -> bool:
    """A matter beyond the community: up to the street, then whistled to a department. (Only
    for old tickets: the sweep cannot escalate a late ticket past the top of the tree.)"""
    return (step_accept(life) and _escalate(life) and step_accept(life)
            and _escalate(life, department=life.place.department) and step_accept(life))


def _stall(life: TicketLife) -> None:
    """Accepted and started on time, then left unfinished: open today, past its deadline."""
    if step_accept(life, late_share=0.0):
        life.step(life.hours(0.1, 2), "start", actor=life.ticket.assignee,
                  status=Status.IN_PROGRESS, note="")


def _stalled(drafts: list[tuple[Ticket, bool]], now: dt.datetime, count: int,
             rng: random.Random) -> set[int]:
    """Which drafts stall: grid tickets old enough (30 to 75 days) for any deadline, even 15
    working days across the Spring Festival, to have passed, so that the demo has overdue work
    to show whatever day it is seeded on."""
    eligible = [index for index, (ticket, department) in enumerate(drafts)
                if not department and STALL_AGE[0] < now - ticket.created_at < STALL_AGE[1]]
    return set(rng.sample(eligible, min(count, len(eligible))))


def _live(life: TicketLife, *, whistle_to_department: bool, stuck: bool) -> None:
    rng = life.rng
    if rng.random() < 0.01:
        supervisor = life.place.supervisor(life.ticket.owner)
        if life.step(life.hours(1, 8), "reject", actor=supervisor, status=Status.REJECTED):
            life.ticket.closed_at = life.clock
        return
    if rng.random() < 0.04 and not _return(life):
        return
    if whistle_to_department:
        accepted = _department_story(life)
    elif rng.random() < 0.04 and life.ticket.owner.kind != NodeKind.COMMUNITY:
        accepted = step_accept(life) and _escalate(life) and step_accept(life)
    else:
        accepted = step_accept(life)
    if accepted and step_work(life) and step_resolve(life, stuck=stuck):
        step_evaluate(life)


# --- Building the rows ----------------------------------------------------------------------


@contextmanager
def story_timestamps():
    """Let bulk_create keep the story's created_at and updated_at."""
    switched = [(Ticket._meta.get_field("created_at"), "auto_now_add"),
                (Ticket._meta.get_field("updated_at"), "auto_now"),
                (TicketEvent._meta.get_field("created_at"), "auto_now_add")]
    saved = [getattr(f, attr) for f, attr in switched]
    for f, attr in switched:
        setattr(f, attr, False)
    try:
        yield
    finally:
        for (f, attr), value in zip(switched, saved, strict=True):
            setattr(f, attr, value)


class StoryFactory:
    def __init__(self, place: TicketPlace, rng: random.Random, now: dt.datetime) -> None:
        self.place, self.rng, self.now = place, rng, now
        self.references = set(Ticket.objects.values_list("reference", flat=True))
        self.sequence = 0

    def created_at(self) -> dt.datetime:
        """A moment in the last year, busier in summer, in office and evening hours."""
        while True:
            days = self.rng.uniform(0.1, 365)
            moment = self.now - dt.timedelta(days=days)
            season = 1 + 0.35 * math.sin((moment.timetuple().tm_yday - 100) / 365 * 2 * math.pi)
            if self.rng.random() * 1.35 < season:
                break
        local = timezone.localtime(moment)
        return local.replace(hour=self.rng.randint(8, 20), minute=self.rng.randint(0, 59))

    def reference(self, created: dt.datetime) -> str:
        while True:
            reference = f"T{timezone.localtime(created):%y%m%d}-{self.rng.getrandbits(24):06X}"
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def ticket(self, *, community_level: bool) -> Ticket:
        self.sequence += 1
        rng, place = self.rng, self.place
        code = _pick(rng, {c: w for c, (w, _t) in TOPICS.items() if c in place.categories})
        category = place.categories[code]
        dwelling = None
        if community_level:
            location = rng.choice(place.communities)
        else:
            location = rng.choice(place.grids)
            if place.dwellings[location.pk] and rng.random() < 0.7:
                dwelling = rng.choice(place.dwellings[location.pk])
        created = min(self.created_at(), self.now - H)
        while community_level and created > self.now - 60 * D:
            created = self.created_at()  # whistled matters are settled: none left at the top
        channel = _pick(rng, CHANNELS)
        title = rng.choice(TOPICS[code][1])
        place_text = (f"{dwelling.building.address}{dwelling.entrance}单元{dwelling.number}"
                      if dwelling else f"{location.name}辖区")
        return self.new_ticket(
            created, channel=channel,
            whistle=Whistle.KEY if community_level else _pick(rng, WHISTLES),
            category=category, title=title, description=f"{place_text}：{title}，请尽快处理。",
            node=location, building=dwelling.building if dwelling else None, dwelling=dwelling,
            address="" if dwelling else place_text,
            reporter_name=rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(("女士", "先生")),
            reporter_phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            owner=place.route(location, category),
            external_number=(f"{channel[:2].upper()}{self.sequence:07d}"
                             if channel in (Channel.HOTLINE, Channel.JIESU_JIBAN) else ""),
            idempotency_key=f"{DEMO_KEY}{self.sequence:07d}",
        )

    def new_ticket(self, created: dt.datetime, **fields) -> Ticket:
        """An unsaved ticket received at `created`, with its reference, tracking token and
        short code (the ticket demo's and the committees demo's)."""
        return Ticket(reference=self.reference(created),
                      tracking_token=secrets.token_urlsafe(32),
                      short_code=services.new_short_code(), created_at=created,
                      stage_started_at=created, **fields)

    def intake(self, ticket: Ticket) -> TicketLife:
        life = TicketLife(ticket, self.place, self.rng, self.now)
        life.start_stage(ticket.created_at)
        life.events.append(TicketEvent(
            ticket=ticket, kind=EventKind.CREATED, to_status=Status.NEW, public=True,
            data={"owner": ticket.owner.name, "channel": ticket.channel},
            created_at=ticket.created_at))
        return life

    def life(self, ticket: Ticket, *, department: bool, stalled: bool = False) -> TicketLife:
        life = self.intake(ticket)
        if stalled:
            _stall(life)
        else:
            recent = self.now - ticket.created_at < dt.timedelta(days=45)
            _live(life, whistle_to_department=department,
                  stuck=recent and self.rng.random() < 0.15)
        ticket.updated_at = life.clock
        schedule(ticket)
        return life


    def duplicate(self, ticket: Ticket, into: Ticket) -> TicketLife:
        """A repeat of a request made at the same grid the day before: merged into it."""
        life = self.intake(ticket)
        life.step(life.hours(0.3, 2), "merge", actor=self.place.doer(ticket),
                  status=Status.MERGED, data={"into": into.reference}, note="")
        ticket.merged_into, ticket.closed_at = into, life.clock
        ticket.updated_at = life.clock
        schedule(ticket)
        return life


def _duplicate_of(ticket: Ticket, earlier: list[Ticket], rng: random.Random) -> Ticket | None:
    """About 1% of requests repeat an open one from the same grid in the day before."""
    for candidate in reversed(earlier):
        if ticket.created_at - candidate.created_at > D:
            break
        still_open = candidate.closed_at is None or candidate.closed_at > ticket.created_at + 3 * H
        if (candidate.node_id == ticket.node_id and candidate.status != Status.REJECTED
                and still_open):
            return candidate if rng.random() < 0.12 else None
    return None


def _link_department_liaison(place: TicketPlace) -> None:
    """The demo's 城管 liaison answers for the city-management department."""
    liaison = User.objects.filter(username="liaison_cg").first()
    department = Department.objects.filter(code="cgj").first()
    if liaison is not None and department is not None:
        department.liaisons.add(liaison)
        place.department = place.department or department


def seed_tickets(*, scale: int = 1, seed: int = 2026) -> TicketSeed:
    result = TicketSeed()
    if Ticket.objects.filter(idempotency_key__startswith=DEMO_KEY).exists():
        return result
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    with transaction.atomic():
        place = TicketPlace()
        _link_department_liaison(place)
        if not place.grids or not place.categories:
            return result
        factory = StoryFactory(place, rng, now)
        drafts = []
        for _ in range(PER_SCALE * max(1, scale)):
            department = place.department is not None and rng.random() < 0.012
            drafts.append((factory.ticket(community_level=department), department))
        drafts.sort(key=lambda draft: draft[0].created_at)
        stalled = _stalled(drafts, now, STALLED * max(1, scale), rng)
        lives, duplicates, done = [], [], []
        for index, (ticket, department) in enumerate(drafts):
            into = None if department or index in stalled else _duplicate_of(ticket, done, rng)
            if into is not None:
                duplicates.append(factory.duplicate(ticket, into))
                continue
            lives.append(factory.life(ticket, department=department, stalled=index in stalled))
            done.append(ticket)
        with story_timestamps():
            _write(lives, duplicates, result, now)
    return result


def _write(lives: list[TicketLife], duplicates: list[TicketLife], result: TicketSeed,
           now: dt.datetime) -> None:
    """Tickets first (the duplicates after the tickets they point to), then every event."""
    Ticket.objects.bulk_create([life.ticket for life in lives], batch_size=500)
    Ticket.objects.bulk_create([life.ticket for life in duplicates], batch_size=500)
    events = [event for life in (*lives, *duplicates) for event in life.events]
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    Ticket.summoned_departments.through.objects.bulk_create(
        [Ticket.summoned_departments.through(ticket_id=life.ticket.pk,
                                             department_id=life.ticket.department_id)
         for life in lives if life.ticket.department_id], batch_size=1000)
    for life in lives:
        result.closed += life.ticket.status == Status.CLOSED
        result.open += life.ticket.is_open
        result.overdue += _is_overdue(life.ticket, now)
    result.tickets, result.events = len(lives) + len(duplicates), len(events)


def _is_overdue(ticket: Ticket, now: dt.datetime) -> bool:
    if ticket.status == Status.NEW:
        return ticket.accept_due_at < now
    return ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS) and ticket.resolve_due_at < now
