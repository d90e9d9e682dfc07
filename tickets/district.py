"""A district to measure on: 莲华街道, a street of 13 communities (9 residential, 4 work-unit
communities), about 60,000 households and 170,000 residents, and N tickets over three years.

Built from the demo's own parts, so that the rows are what the demo (and the services) write:
the tree and its people with the grid demo's seeder, buildings, dwellings, households and
residents (valid GB 11643 numbers, encrypted, with their keyed hashes) with the registry demo's
bulk path, and each ticket's life (routing, working-day deadlines, one event per step) with the
ticket demo's stories, spread over three years instead of one. Each ticket also gets the
reminders its history implies: an accept or resolve step taken late was warned and reminded; an
open ticket has every warning and reminder already passed, and its next check set to the next
moment the deadline sweep owes it (an escalation or a closing already due is left to the sweep).

Tickets are written in chunks (memory stays flat), and `top_up_tickets` grows an existing
district to a larger total without touching what is there. Idempotent: nodes, people and
buildings are found before they are made.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, fields
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from grids.demo import _Seeder
from grids.models import GridNode, NodeKind, Role
from residents.demo import RegistrySeed, _People, _seed_building
from residents.models import Building, Household, Resident

from . import rollup
from .demo import (
    StoryFactory,
    TicketLife,
    TicketPlace,
    TicketSeed,
    _stalled,
    _write,
    story_timestamps,
)
from .models import Department, Reminder, ReminderKind, ReminderStage, Ticket
from .sweep import Policies, moments

STREET = "LHJD"
KEY = "district:"
RESIDENTIAL = ("莲花", "荷塘", "华苑", "金莲", "青莲", "莲溪", "碧波", "新荷", "芙蓉")
WORK_UNITS = ("电力", "铁路", "机械厂", "纺织厂")
BIG = (7, [5, 4, 4, 4, 4, 4, 4])  # hubs, level-5 grids under each hub's level-4 grid: 7/7/29
SMALL = (4, [3, 3, 2, 2])  # 4/4/10
STALL_SHARE = 0.002  # tickets left unfinished past their deadline
DEPARTMENT_SHARE = 0.012
YEARS = 3
CHUNK = 5000
# Where the street lies (WGS-84, east of the demo street): a block per community, a cell per
# lowest grid, buildings in rows inside the cell.
WEST, SOUTH = 102.80, 25.00
COMMUNITY_WIDTH, CELL, CELLS_ACROSS = 0.02, 0.003, 6
User = get_user_model()


@dataclass
class DistrictSeed:
    nodes: int = 0
    users: int = 0
    buildings: int = 0
    households: int = 0
    residents: int = 0


def community_codes(count: int = 13) -> list[str]:
    return [f"{STREET}-C{index:02d}" for index in range(1, count + 1)]


def build_tree(*, communities: int = 13, work_units: int = 4) -> DistrictSeed:
    """The street, its communities (the last `work_units` of them work-unit communities) and
    their grids, with a center staff member for each community, a head for each hub and grid
    and a worker for each lowest grid, and the street's staff, dispatcher and 城管 liaison."""
    with transaction.atomic():
        seeder = _Seeder()
        street = seeder.node(code=STREET, kind=NodeKind.STREET, name="莲华街道", parent=None,
                             coverage="莲华街道办事处辖区，9个居民社区，4个单位社区")
        seeder.person("lhjd_staff", street, Role.CENTER_STAFF, staff=True)
        seeder.person("lhjd_dispatcher", street, Role.DISPATCHER)
        liaison = seeder.person("lhjd_liaison_cg", street, Role.DEPARTMENT_LIAISON)
        department = Department.objects.filter(code="cgj").first()
        if department is not None:
            department.liaisons.add(liaison)
        for index, code in enumerate(community_codes(communities)):
            work_unit = index >= communities - work_units
            names = WORK_UNITS if work_unit else RESIDENTIAL
            name = names[(index - (communities - work_units) if work_unit else index)
                         % len(names)]
            big = not work_unit and index % 2 == 0
            _community(seeder, street, code, name, work_unit=work_unit, shape=BIG if big
                       else SMALL)
    return DistrictSeed(nodes=seeder.result.created_nodes, users=seeder.result.created_users)


def _community(seeder: _Seeder, street: GridNode, code: str, name: str, *, work_unit: bool,
               shape: tuple[int, list[int]]) -> None:
    login = code.lower().replace("-", "_")
    full = f"{name}{'单位' if work_unit else ''}社区"
    community = seeder.node(code=code, kind=NodeKind.COMMUNITY, name=full, parent=street)
    seeder.person(f"{login}_staff", community, Role.CENTER_STAFF, staff=True)
    hubs, grid5_per_hub = shape
    number = 0
    for hub_index in range(1, hubs + 1):
        hub = seeder.node(code=f"{code}-H{hub_index}", kind=NodeKind.HUB,
                          name=f"{name}第{hub_index}片区", parent=community)
        seeder.person(f"{login}_h{hub_index}_head", hub, Role.HEAD)
        grid4 = seeder.node(code=f"{code}-G4-{hub_index}", kind=NodeKind.GRID4,
                            name=f"{name}第{hub_index}四级网格", parent=hub)
        seeder.person(f"{login}_g4_{hub_index}_head", grid4, Role.HEAD)
        for _ in range(grid5_per_hub[hub_index - 1]):
            number += 1
            grid5 = seeder.node(code=f"{code}-G5-{number:02d}", kind=NodeKind.GRID5,
                                name=f"{name}第{number}五级网格", parent=grid4)
            seeder.person(f"{login}_g5_{number:02d}_head", grid5, Role.HEAD)
            seeder.person(f"{login}_g5_{number:02d}_worker", grid5, Role.WORKER)


def lowest_grids() -> list[GridNode]:
    return list(GridNode.objects.filter(code__startswith=f"{STREET}-", kind=NodeKind.GRID5)
                .order_by("tree_id", "lft"))


def build_registry(*, households: int = 60_000, residents: int = 170_000,
                   seed: int = 2026) -> RegistrySeed:
    """Buildings, one lowest grid after another, until the district has `households` and
    `residents` (the demo's families: about 2.7 residents a household)."""
    grids = lowest_grids()
    result = RegistrySeed()
    have = (Household.objects.filter(dwelling__building__node__in=grids).count(),
            Resident.objects.filter(node__in=grids).count())

    def short() -> bool:
        return (have[0] + result.households < households
                or have[1] + result.residents < residents)

    if not grids or not short():
        return result
    rng = random.Random(f"{seed}-{have[0]}")  # noqa: S311 - bench data, not secrets
    people = _People(rng)
    numbers = {grid.pk: Building.objects.filter(node=grid).count() for grid in grids}
    with transaction.atomic():
        while short():
            for grid in grids:
                numbers[grid.pk] += 1
                _seed_building(grid, numbers[grid.pk], rng, people, result)
                if not short():
                    break
        _place_buildings(grids)
    return result


def _place_buildings(grids: list[GridNode]) -> None:
    """A point for each building without one: its community's block, its grid's cell."""
    corner: dict[int, tuple[float, float]] = {}
    community_index: dict[int, int] = {}
    position: dict[int, int] = {}
    for grid in grids:
        community = int(grid.code.split("-")[1][1:]) - 1
        within = position[community] = position.get(community, -1) + 1
        community_index[grid.pk] = community
        corner[grid.pk] = (WEST + COMMUNITY_WIDTH * community + CELL * (within % CELLS_ACROSS),
                           SOUTH + CELL * (within // CELLS_ACROSS))
    buildings = list(Building.objects.filter(node__in=grids, latitude__isnull=True)
                     .order_by("node_id", "pk"))
    order: dict[int, int] = {}
    for building in buildings:
        index = order[building.node_id] = order.get(building.node_id, -1) + 1
        west, south = corner[building.node_id]
        step = CELL / 7
        building.longitude = Decimal(f"{west + step * (index % 6 + 0.5):.6f}")
        building.latitude = Decimal(f"{south + step * (index // 6 % 6 + 0.5):.6f}")
    Building.objects.bulk_update(buildings, ["latitude", "longitude"], batch_size=1000)


def build_district(*, communities: int = 13, work_units: int = 4, households: int = 60_000,
                   residents: int = 170_000, tickets: int = 10_000,
                   seed: int = 2026) -> DistrictSeed:
    result = build_tree(communities=communities, work_units=work_units)
    registry = build_registry(households=households, residents=residents, seed=seed)
    result.buildings, result.households = registry.buildings, registry.households
    result.residents = registry.residents
    top_up_tickets(tickets, seed=seed)
    return result


# --- Tickets --------------------------------------------------------------------------------


class DistrictStories(StoryFactory):
    """The demo's stories over three years, numbered from `start`."""

    def __init__(self, place: TicketPlace, rng: random.Random, now: dt.datetime,
                 start: int) -> None:
        self.place, self.rng, self.now = place, rng, now
        self.sequence = start

    def created_at(self) -> dt.datetime:
        while True:
            moment = self.now - dt.timedelta(days=self.rng.uniform(0.1, 365 * YEARS))
            season = 1 + 0.35 * math.sin((moment.timetuple().tm_yday - 100) / 365 * 2 * math.pi)
            if self.rng.random() * 1.35 < season:
                break
        local = timezone.localtime(moment)
        return local.replace(hour=self.rng.randint(8, 20), minute=self.rng.randint(0, 59))

    def reference(self, created: dt.datetime) -> str:
        return f"L{self.sequence:09d}"

    def district_ticket(self, *, community_level: bool) -> Ticket:
        ticket = self.ticket(community_level=community_level)
        ticket.idempotency_key = f"{KEY}{self.sequence:09d}"
        if ticket.building is not None:
            ticket.latitude, ticket.longitude = ticket.building.latitude, \
                ticket.building.longitude
        return ticket


_HANDED_ON = {"escalate", "whistle", "auto_escalate"}
_LATE = {"accept": ReminderStage.ACCEPT, "resolve": ReminderStage.RESOLVE}


def history_reminders(life: TicketLife, policies: Policies, now: dt.datetime) -> list[Reminder]:
    """The reminders the ticket's history implies, and its next check (set on the ticket)."""
    ticket = life.ticket
    owed: set[tuple[str, str, int]] = set()
    level = 0
    for event in life.events:
        if event.action in _HANDED_ON:
            level += 1
        elif event.action in _LATE and event.data.get("on_time") is False:
            owed |= {(_LATE[event.action], ReminderKind.DUE_SOON, level),
                     (_LATE[event.action], ReminderKind.OVERDUE, level)}
    pending = []
    for due in moments(ticket, policies):
        key = (due.stage, due.kind, ticket.escalation_level)
        if due.at <= now and due.kind in (ReminderKind.DUE_SOON, ReminderKind.OVERDUE):
            owed.add(key)
        elif key not in owed:
            pending.append(due.at)
    ticket.next_check_at = min(pending) if pending else None
    return [Reminder(ticket=ticket, stage=stage, kind=kind, level=at_level)
            for stage, kind, at_level in sorted(owed)]


def district_ticket_count() -> int:
    return Ticket.objects.filter(idempotency_key__startswith=KEY).count()


def top_up_tickets(total: int, *, seed: int = 2026, now: dt.datetime | None = None,
                   chunk: int = CHUNK) -> TicketSeed:
    """Add tickets to the district, `chunk` at a time, until it has `total`."""
    now = now or timezone.now()
    result = TicketSeed()
    count = district_ticket_count()
    if count >= total:
        return result
    place = TicketPlace(code_pattern=rf"^{STREET}(-|$)")
    place.department = place.department or Department.objects.filter(
        active=True, liaisons__isnull=False).first()
    if not place.grids or not place.categories:
        return result
    policies = Policies.load()
    with rollup.suspended():  # the KPI rollup is rebuilt once, after the last chunk
        while count < total:
            size = min(chunk, total - count)
            rng = random.Random(f"{seed}-{count}")  # noqa: S311 - bench data, not secrets
            _add_chunk(DistrictStories(place, rng, now, start=count), size, policies, result)
            count += size
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return result


def _add_chunk(factory: DistrictStories, size: int, policies: Policies,
               result: TicketSeed) -> None:
    rng, place, now = factory.rng, factory.place, factory.now
    drafts = []
    for _ in range(size):
        department = place.department is not None and rng.random() < DEPARTMENT_SHARE
        drafts.append((factory.district_ticket(community_level=department), department))
    stalled = _stalled(drafts, now, round(size * STALL_SHARE), rng)
    lives = [factory.life(ticket, department=department, stalled=index in stalled)
             for index, (ticket, department) in enumerate(drafts)]
    reminders = [r for life in lives for r in history_reminders(life, policies, now)]
    written = TicketSeed()
    with transaction.atomic(), story_timestamps():
        _write(lives, [], written, now)
        for reminder in reminders:
            reminder.ticket_id = reminder.ticket.pk
        Reminder.objects.bulk_create(reminders, batch_size=2000)
    for name in (f.name for f in fields(TicketSeed)):
        setattr(result, name, getattr(result, name) + getattr(written, name))
