"""Demo grid tree shaped like two real communities (世纪城 and 六合), with people in every role.

Idempotent: nodes are found by code and users by username, so a second run adds nothing.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from . import services
from .models import Assignment, GridNode, NodeKind, OpeningHours, Role, ServicePoint

User = get_user_model()

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = ["芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
         "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "玉兰", "志强", "海燕",
         "春梅", "晓东"]

SJC_HUBS = ["枫丹白鹭", "金色年华", "云岭", "丽阳", "滇池", "翠湖", "春城"]
SJC_GRID5_PER_HUB = [5, 4, 4, 4, 4, 4, 4]  # 29 level-5 grids
SJC_POINTS_PER_HUB = [3, 3, 2, 2, 2, 2, 2]  # 16 estate service points
LH_GRID5_PER_GRID4 = [3, 3, 2, 2]  # 4 level-4 and 10 level-5 grids
# Grids left short-staffed on purpose, so the staffing page has something to show.
WITHOUT_WORKER = {"SJC-G5-07", "LH-G5-09"}
WITHOUT_HEAD = {"SJC-G5-18"}

STAFF_GROUP = "Community staff"
STAFF_PERMISSIONS = [
    "view_gridnode", "add_gridnode", "change_gridnode",
    "view_assignment", "add_assignment", "change_assignment",
    "view_servicepoint", "add_servicepoint", "change_servicepoint",
    "view_openinghours", "add_openinghours", "change_openinghours", "delete_openinghours",
]


@dataclass
class DemoSeed:
    created_nodes: int = 0
    created_users: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)


class _Seeder:
    def __init__(self) -> None:
        self.result = DemoSeed()
        self.name_index = 0
        self.demo_hash: str | None = None
        self.admin = self._admin()

    def _admin(self):
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser(username="admin", email="admin@localhost",
                                                  password=None, first_name="管理员")
            self._set_demo_password(admin)
            self.result.created_users += 1
        return admin

    def _set_demo_password(self, user) -> None:
        if settings.DEMO_MODE:
            # Argon2 is slow on purpose: hash the shared demo password once, not per user.
            if self.demo_hash is None:
                self.demo_hash = make_password(settings.DEMO_PASSWORD)
            user.password = self.demo_hash
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])

    def _person_name(self) -> tuple[str, str]:
        i = self.name_index
        self.name_index += 1
        return SURNAMES[i % len(SURNAMES)], GIVEN[(i * 7) % len(GIVEN)]

    def node(self, *, code: str, kind: NodeKind, name: str, parent: GridNode | None,
             coverage: str = "") -> GridNode:
        existing = GridNode.objects.filter(code=code).first()
        if existing is not None:
            return existing
        self.result.created_nodes += 1
        return services.node_create(actor=self.admin, parent=parent, kind=kind, name=name,
                                    code=code, coverage=coverage)

    def person(self, username: str, node: GridNode, role: Role, *, staff: bool = False):
        surname, given = self._person_name()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, last_name=surname,
                                            first_name=given, is_staff=staff)
            self._set_demo_password(user)
            if staff:
                user.groups.add(self.staff_group())
            self.result.created_users += 1
        if not Assignment.objects.filter(user=user, node=node, role=role).exists():
            services.assignment_create(actor=self.admin, user=user, node=node, role=role,
                                       starts_on=dt.date(2024, 1, 1))
        return user

    def staff_group(self) -> Group:
        group, created = Group.objects.get_or_create(name=STAFF_GROUP)
        if created:
            group.permissions.set(Permission.objects.filter(
                content_type__app_label="grids", codename__in=STAFF_PERMISSIONS))
        return group

    def service_point(self, node: GridNode, name: str, *, until: str = "20:00",
                      kind: str = "service_point") -> None:
        if ServicePoint.objects.filter(node=node, name=name).exists():
            return
        point = ServicePoint.objects.create(
            node=node, name=name, kind=kind, address=f"{node.name}{name}一楼",
            phone="0871-6" + str(1000000 + ServicePoint.objects.count() * 37)[-7:],
            services="社保认证\n医保登记\n证明开具\n政策咨询",
        )
        closes = dt.time.fromisoformat(until)
        OpeningHours.objects.bulk_create(
            [OpeningHours(service_point=point, weekday=day, opens=dt.time(8, 30), closes=closes)
             for day in range(1, 8)]
        )


def seed_grids() -> DemoSeed:
    with transaction.atomic():
        seeder = _Seeder()
        street = seeder.node(code="ST", kind=NodeKind.STREET, name="示范街道", parent=None,
                             coverage="示范街道办事处辖区")
        seeder.person("street_staff", street, Role.CENTER_STAFF, staff=True)
        seeder.person("liaison_cg", street, Role.DEPARTMENT_LIAISON)
        _seed_shijicheng(seeder, street)
        _seed_liuhe(seeder, street)
        seeder.person("street_dispatcher", street, Role.DISPATCHER)
        _draw_boundaries(seeder.admin)
    seeder.result.logins = [
        ("admin", "管理员 / administrator"),
        ("sjc_staff", "世纪城社区 中心工作人员 / center staff"),
        ("sjc_hub1_head", "枫丹白鹭片区 片区长 / hub head"),
        ("sjc_g5_01_worker", "枫丹白鹭第1五级网格 网格员 / grid worker"),
        ("sjc_g5_02_worker", "枫丹白鹭第2五级网格 网格员 / grid worker"),
        ("lh_staff", "六合社区 中心工作人员 / center staff"),
        ("street_dispatcher", "示范街道 街道调度 / street dispatcher"),
        ("sjc_g5_03_volunteer", "枫丹白鹭第3五级网格 志愿者 / volunteer"),
        ("sjc_hub1_property", "枫丹白鹭片区 物业人员 / property staff"),
        ("liaison_cg", "城管 部门联络员 / department liaison"),
    ]
    return seeder.result


def _seed_shijicheng(seeder: _Seeder, street: GridNode) -> None:
    community = seeder.node(code="SJC", kind=NodeKind.COMMUNITY, name="世纪城社区",
                            parent=street, coverage="世纪城片区，7个服务枢纽，16个苑区服务点")
    seeder.person("sjc_staff", community, Role.CENTER_STAFF, staff=True)
    seeder.person("sjc_secretary", community, Role.HEAD, staff=True)
    grid5_number = 0
    point_number = 0
    for hub_index, hub_name in enumerate(SJC_HUBS, start=1):
        hub = seeder.node(code=f"SJC-H{hub_index}", kind=NodeKind.HUB, name=f"{hub_name}片区",
                          parent=community)
        seeder.person(f"sjc_hub{hub_index}_head", hub, Role.HEAD)
        seeder.person(f"sjc_hub{hub_index}_property", hub, Role.PROPERTY_STAFF)
        grid4 = seeder.node(code=f"SJC-G4-{hub_index}", kind=NodeKind.GRID4,
                            name=f"{hub_name}四级网格", parent=hub)
        seeder.person(f"sjc_g4_{hub_index}_head", grid4, Role.HEAD)
        seeder.person(f"sjc_g4_{hub_index}_police", grid4, Role.POLICE_OFFICER)
        seeder.person(f"sjc_g4_{hub_index}_party", grid4, Role.PARTY_INSTRUCTOR)
        for point in range(SJC_POINTS_PER_HUB[hub_index - 1]):
            point_number += 1
            seeder.service_point(grid4, f"{hub_name}苑区服务点{point + 1}",
                                 until="20:00" if point == 0 else "18:00")
        for number in range(1, SJC_GRID5_PER_HUB[hub_index - 1] + 1):
            grid5_number += 1
            code = f"SJC-G5-{grid5_number:02d}"
            grid5 = seeder.node(code=code, kind=NodeKind.GRID5,
                                name=f"{hub_name}第{number}五级网格", parent=grid4,
                                coverage=f"{hub_name}{number * 2 - 1}-{number * 2}栋")
            if code not in WITHOUT_HEAD:
                seeder.person(f"sjc_g5_{grid5_number:02d}_head", grid5, Role.HEAD)
            if code not in WITHOUT_WORKER:
                seeder.person(f"sjc_g5_{grid5_number:02d}_worker", grid5, Role.WORKER)
            if grid5_number % 3 == 0:
                seeder.person(f"sjc_g5_{grid5_number:02d}_volunteer", grid5, Role.VOLUNTEER)


def _seed_liuhe(seeder: _Seeder, street: GridNode) -> None:
    community = seeder.node(code="LH", kind=NodeKind.COMMUNITY, name="六合社区", parent=street,
                            coverage="81栋楼，4个四级网格，10个五级网格")
    seeder.person("lh_staff", community, Role.CENTER_STAFF, staff=True)
    seeder.service_point(community, "六合民生驿站", kind="station")
    grid5_number = 0
    for grid4_index, count in enumerate(LH_GRID5_PER_GRID4, start=1):
        grid4 = seeder.node(code=f"LH-G4-{grid4_index}", kind=NodeKind.GRID4,
                            name=f"六合第{grid4_index}四级网格", parent=community)
        seeder.person(f"lh_g4_{grid4_index}_head", grid4, Role.HEAD)
        for _ in range(count):
            grid5_number += 1
            code = f"LH-G5-{grid5_number:02d}"
            grid5 = seeder.node(code=code, kind=NodeKind.GRID5,
                                name=f"六合第{grid5_number}五级网格", parent=grid4)
            seeder.person(f"lh_g5_{grid5_number:02d}_head", grid5, Role.HEAD)
            if code not in WITHOUT_WORKER:
                seeder.person(f"lh_g5_{grid5_number:02d}_worker", grid5, Role.WORKER)


# --- Boundaries -----------------------------------------------------------------------------
# Plausible boundaries around 世纪城 in Kunming (WGS-84): the street is a strip 5.5 km east to
# west; 世纪城's seven hubs are columns 500 m wide, west of 六合's four level-4 grids; each
# column's level-5 grids are stacked south to north. Neighbours share edges exactly.
WEST, SOUTH, NORTH = 102.700, 25.000, 25.012
COLUMN = 0.005
SJC_COLUMNS = len(SJC_HUBS)
LH_COLUMNS = len(LH_GRID5_PER_GRID4)


def _rectangle(west: float, south: float, east: float, north: float) -> dict:
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return {"type": "Polygon",
            "coordinates": [[[round(lon, 6), round(lat, 6)] for lon, lat in corners]]}


def _column(index: int) -> tuple[float, float]:
    return WEST + COLUMN * index, WEST + COLUMN * (index + 1)


def _demo_boundaries() -> dict[str, dict]:
    """Boundary by node code, parents before children."""
    shapes = {
        "ST": _rectangle(WEST, SOUTH, WEST + COLUMN * (SJC_COLUMNS + LH_COLUMNS), NORTH),
        "SJC": _rectangle(WEST, SOUTH, WEST + COLUMN * SJC_COLUMNS, NORTH),
        "LH": _rectangle(WEST + COLUMN * SJC_COLUMNS, SOUTH,
                         WEST + COLUMN * (SJC_COLUMNS + LH_COLUMNS), NORTH),
    }
    columns = [(f"SJC-H{i}", f"SJC-G4-{i}", "SJC", count)
               for i, count in enumerate(SJC_GRID5_PER_HUB, start=1)]
    columns += [(None, f"LH-G4-{i}", "LH", count)
                for i, count in enumerate(LH_GRID5_PER_GRID4, start=1)]
    numbers = {"SJC": 0, "LH": 0}
    for index, (hub, grid4, prefix, count) in enumerate(columns):
        west, east = _column(index)
        if hub is not None:
            shapes[hub] = _rectangle(west, SOUTH, east, NORTH)
        shapes[grid4] = _rectangle(west, SOUTH, east, NORTH)
        step = (NORTH - SOUTH) / count
        for row in range(count):
            numbers[prefix] += 1
            shapes[f"{prefix}-G5-{numbers[prefix]:02d}"] = _rectangle(
                west, SOUTH + step * row, east, SOUTH + step * (row + 1))
    return shapes


def _draw_boundaries(admin) -> None:
    """Give every demo node without a boundary its own (kept when one was drawn since)."""
    shapes = _demo_boundaries()
    nodes = GridNode.objects.filter(code__in=shapes, boundary__isnull=True).in_bulk(
        field_name="code")
    for code, shape in shapes.items():
        if code in nodes:
            services.node_update(actor=admin, node=nodes[code], boundary=shape)
    _place_service_points()


def _place_service_points() -> None:
    """Each demo service point without a place stands inside its node's boundary: down the
    middle of the node, one after another (idempotent: placed points keep theirs)."""
    points = list(ServicePoint.objects.filter(latitude__isnull=True,
                                              node__boundary__isnull=False)
                  .select_related("node").order_by("node_id", "pk"))
    order: dict[int, int] = {}
    for point in points:
        index = order[point.node_id] = order.get(point.node_id, -1) + 1
        ring = point.node.boundary["coordinates"][0]
        lons, lats = [lon for lon, _lat in ring], [lat for _lon, lat in ring]
        west, east, south, north = min(lons), max(lons), min(lats), max(lats)
        point.longitude = Decimal(f"{(west + east) / 2:.6f}")
        point.latitude = Decimal(f"{south + (north - south) * (index % 4 + 1) / 5:.6f}")
    ServicePoint.objects.bulk_update(points, ["latitude", "longitude"])
