"""Demo registry: buildings in every demo grid, about 2,000 households and 5,000 residents with
realistic names and valid ID numbers, all six colour-map categories, and some visits.

Written in bulk (the rows are what the services would write, built the same way), because the
services' per-row checks would make the demo take minutes. Idempotent: a grid that already has
buildings is left alone. `scale` multiplies the buildings for benchmarks.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from grids.models import Assignment, GridNode, NodeKind, Role

from . import crypto, idnumbers
from .models import (
    Building,
    Dwelling,
    DwellingUse,
    Household,
    Membership,
    Premises,
    Relation,
    ResidenceType,
    Resident,
    Visit,
    VisitPurpose,
)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于"
            "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
            "薛闫段雷侯龙史")
GIVEN_CHARS = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华建国志红梅玉文斌辉鹏宇浩然"
               "欣怡子涵梓轩思雨佳琪俊杰婷雪琳凯")
REGIONS = ("530102", "530103", "530111", "530112", "530114", "510104", "420106", "370202")
PLACES = ("云南昆明", "云南曲靖", "四川成都", "贵州贵阳", "湖北武汉", "山东青岛", "云南大理",
          "云南昭通")
PREMISES = (("兰州拉面", "restaurant"), ("便利店", "shop"), ("快捷旅馆", "hostel"),
            ("理发店", "service"), ("五金维修", "workshop"), ("药店", "shop"))


@dataclass
class RegistrySeed:
    buildings: int = 0
    households: int = 0
    residents: int = 0
    visits: int = 0


class _People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set(Resident.objects.values_list("id_number_hash", flat=True))

    def name(self, surname: str | None = None) -> str:
        given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2))))
        return (surname or self.rng.choice(SURNAMES)) + given

    def id_number(self, born: dt.date, male: bool) -> tuple[str, str]:
        while True:
            parity = self.rng.choice("13579" if male else "02468")
            sequence = f"{self.rng.randrange(0, 100):02d}{parity}"
            first17 = f"{self.rng.choice(REGIONS)}{born:%Y%m%d}{sequence}"
            number = first17 + idnumbers.check_char(first17)
            digest = crypto.lookup_hash(number)
            if digest not in self.used:
                self.used.add(digest)
                return number, digest

    def birth_date(self, min_age: int, max_age: int) -> dt.date:
        today = timezone.localdate()
        return today - dt.timedelta(days=self.rng.randrange(min_age * 365, max_age * 365 + 1))


def _grids_to_fill() -> list[GridNode]:
    """Every lowest grid of the demo communities that has no buildings yet."""
    lowest = GridNode.objects.filter(kind__in=[NodeKind.GRID4, NodeKind.GRID5], active=True,
                                     code__regex=r"^(SJC|LH)-").exclude(
        children__kind=NodeKind.GRID5)
    return list(lowest.exclude(buildings__isnull=False).order_by("tree_id", "lft"))


# Exporting personal data is granted to named people: in the demo, each community's center staff.
NAMED_EXPORTERS = ("sjc_staff", "lh_staff")


def grant_named_rights() -> None:
    """Give the demo's named people the export permission (idempotent)."""
    export = Permission.objects.get(content_type__app_label="residents",
                                    codename="export_residents")
    for user in get_user_model().objects.filter(username__in=NAMED_EXPORTERS):
        user.user_permissions.add(export)


def seed_registry(*, scale: int = 1, seed: int = 2026) -> RegistrySeed:
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    result = RegistrySeed()
    grant_named_rights()
    grids = _grids_to_fill()
    if not grids:
        _place_buildings()
        return result
    people = _People(rng)
    with transaction.atomic():
        for grid in grids:
            for number in range(1, 2 * scale + (1 if grid.code.startswith("LH") else 0) + 1):
                _seed_building(grid, number, rng, people, result)
        _seed_visits(rng, result)
        _place_buildings()
    return result


def _place_buildings() -> None:
    """Give each demo building without a point one inside its grid's boundary: in rows of five
    across the grid, by building number (idempotent: placed buildings keep their point)."""
    buildings = list(Building.objects.filter(latitude__isnull=True, node__boundary__isnull=False,
                                             node__code__regex=r"^(SJC|LH)-")
                     .select_related("node").order_by("node_id", "pk"))
    order: dict[int, int] = {}
    for building in buildings:
        index = order[building.node_id] = order.get(building.node_id, -1) + 1
        west, south, east, north = shape(building.node.boundary).bounds
        column, row = index % 5, (index // 5) % 4
        building.longitude = Decimal(f"{west + (east - west) * (column + 1) / 6:.6f}")
        building.latitude = Decimal(f"{south + (north - south) * (row + 1) / 5:.6f}")
    Building.objects.bulk_update(buildings, ["latitude", "longitude"], batch_size=500)


def _seed_building(grid: GridNode, number: int, rng: random.Random, people: _People,
                   result: RegistrySeed) -> None:
    estate = grid.name.replace("五级网格", "苑").replace("四级网格", "苑")
    floors, entrances = rng.choice(((6, 2), (7, 2), (11, 1), (12, 2), (6, 1)))
    building = Building.objects.create(node=grid, estate=estate, name=f"{number}栋",
                                       floors=floors, entrances=entrances,
                                       address=f"{estate}{number}栋")
    result.buildings += 1
    dwellings = []
    for entrance in range(1, entrances + 1):
        for floor in range(1, floors + 1):
            for door in (1, 2):
                dwellings.append(Dwelling(building=building, entrance=entrance, floor=floor,
                                          number=f"{floor}{door:02d}", use=_use_for(floor, rng),
                                          area=rng.choice((58, 76, 89, 96, 112, 128))))
    Dwelling.objects.bulk_create(dwellings)
    _seed_households(grid, dwellings, rng, people, result)


def _use_for(floor: int, rng: random.Random) -> str:
    roll = rng.random()
    if floor == 1 and roll < 0.35:
        return DwellingUse.BUSINESS if roll < 0.22 else DwellingUse.OFFICE
    if roll < 0.07:
        return DwellingUse.VACANT
    if roll < 0.20:
        return DwellingUse.RENTAL
    return DwellingUse.RESIDENTIAL


def _seed_households(grid, dwellings, rng, people, result) -> None:
    premises, households, plans = [], [], []
    for dwelling in dwellings:
        if dwelling.use in (DwellingUse.BUSINESS, DwellingUse.OFFICE):
            name, category = rng.choice(PREMISES) if dwelling.use == DwellingUse.BUSINESS else (
                "物业办公室", "office")
            premises.append(Premises(
                dwelling=dwelling, name=f"{name}（{dwelling.building.name}）", category=category,
                licence_number=f"92530102MA{rng.randrange(10**7, 10**8)}",
                contact_name=people.name(), contact_phone=f"13{rng.randrange(10**8, 10**9)}",
                last_inspected_on=timezone.localdate() - dt.timedelta(days=rng.randrange(400))))
            continue
        if dwelling.use == DwellingUse.VACANT or rng.random() < 0.08:
            continue
        households.append(Household(dwelling=dwelling, number=f"H{dwelling.pk:06d}"))
        plans.append(dwelling.use == DwellingUse.RENTAL)
    Premises.objects.bulk_create(premises)
    Household.objects.bulk_create(households)
    residents, memberships = [], []
    for household, rental in zip(households, plans, strict=True):
        for resident, relation in _family(grid, rental, rng, people):
            residents.append(resident)
            memberships.append((household, resident, relation))
    Resident.objects.bulk_create(residents, batch_size=1000)
    Membership.objects.bulk_create(
        [Membership(household=h, resident=r, relation=rel, joined_on=r.moved_in_on
                    or dt.date(2015, 1, 1)) for h, r, rel in memberships], batch_size=1000)
    heads = {h.pk: r for h, r, rel in memberships if rel == Relation.HEAD}
    for household in households:
        household.head = heads.get(household.pk)
    Household.objects.bulk_update(households, ["head"], batch_size=1000)
    result.households += len(households)
    result.residents += len(residents)


def _resident(grid, people, *, surname=None, min_age, max_age, residence_type, rng) -> Resident:
    male = rng.random() < 0.5
    born = people.birth_date(min_age, max_age)
    number, digest = people.id_number(born, male)
    parsed = idnumbers.parse(number)
    floating = residence_type == ResidenceType.FLOATING
    party = rng.random() < 0.08 and min_age >= 18
    concern = rng.random() < 0.015 and min_age >= 18
    return Resident(
        node=grid, name=people.name(surname), id_number_token=crypto.encrypt(number),
        id_number_hash=digest, id_number_masked=parsed.masked, gender=parsed.gender,
        birth_date=parsed.birth_date, residence_type=residence_type,
        phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}" if min_age >= 16 else "",
        moved_in_on=dt.date(2024, 1, 1) - dt.timedelta(days=rng.randrange(1, 4000)),
        expected_stay_until=(timezone.localdate() + dt.timedelta(days=rng.randrange(30, 700))
                             if floating else None),
        registration_place=rng.choice(PLACES[1:] if floating else PLACES[:1]),
        party_member=party, dual_report=party and rng.random() < 0.6,
        disabled=rng.random() < 0.02, veteran=rng.random() < 0.02,
        low_income=rng.random() < 0.03,
        concern=concern, concern_level="watch" if concern else "",
        concern_reason="家庭矛盾，需定期走访" if concern else "",
    )


def _family(grid, rental: bool, rng, people) -> list[tuple[Resident, str]]:
    if rental:
        kind = ResidenceType.FLOATING
        head = _resident(grid, people, min_age=20, max_age=45, residence_type=kind, rng=rng)
        family = [(head, Relation.HEAD)]
        if rng.random() < 0.4:
            family.append((_resident(grid, people, min_age=20, max_age=45, residence_type=kind,
                                     rng=rng), Relation.TENANT))
        return family
    kind = ResidenceType.REGISTERED if rng.random() < 0.8 else ResidenceType.PERMANENT
    if rng.random() < 0.15:  # an elderly person living alone
        elder = _resident(grid, people, min_age=65, max_age=92, residence_type=kind, rng=rng)
        elder.living_alone = True
        return [(elder, Relation.HEAD)]
    head = _resident(grid, people, min_age=30, max_age=70, residence_type=kind, rng=rng)
    surname = head.name[0]
    family = [(head, Relation.HEAD),
              (_resident(grid, people, min_age=28, max_age=70, residence_type=kind, rng=rng),
               Relation.SPOUSE)]
    for _ in range(rng.choice((0, 1, 1, 2))):
        family.append((_resident(grid, people, surname=surname, min_age=1, max_age=25,
                                 residence_type=kind, rng=rng), Relation.CHILD))
    if rng.random() < 0.2:
        family.append((_resident(grid, people, surname=surname, min_age=62, max_age=90,
                                 residence_type=kind, rng=rng), Relation.PARENT))
    return family


def _seed_visits(rng: random.Random, result: RegistrySeed) -> None:
    workers = {a.node_id: a.user for a in Assignment.objects.current().filter(
        role=Role.WORKER).select_related("user")}
    households = list(Household.objects.filter(dwelling__building__node_id__in=workers)
                      .values_list("pk", "dwelling__building__node_id"))
    rng.shuffle(households)
    today = timezone.localdate()
    visits = [
        Visit(household_id=pk, visitor=workers[node_id],
              visited_on=today - dt.timedelta(days=rng.randrange(0, 180)),
              purpose=rng.choice(VisitPurpose.values),
              notes=rng.choice(("入户核实人口信息", "了解生活困难", "宣传防诈骗知识",
                                "检查燃气安全", "调解邻里噪音纠纷", "慰问独居老人")),
              follow_up_needed=rng.random() < 0.1)
        for pk, node_id in households[: max(1, len(households) // 7)]
    ]
    Visit.objects.bulk_create(visits)
    result.visits += len(visits)

