"""Checking the file as a whole: repeats, buildings, homes."""

from array import array
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from gridportal import permissions
from grids.models import GridNode
from grids.selectors import User, visible_nodes

from ..models import (
    Building,
    Dwelling,
    Household,
    Membership,
    Relation,
    Resident,
)
from ..selectors import WRITE, building_list_for
from ..services import check_building_node, check_dwelling_place
from .common import (  # noqa: F401
    _MASK64,
    BUILDING,
    ENTRANCE,
    FLOOR,
    FLOORS,
    GRID_CODE,
    ID_NUMBER,
    RELATION,
    ImportReport,
)
from .rows import _Row

# --- Checking the file ----------------------------------------------------------------------


class _KeyIndex:
    """An insert-only map of 64-bit keys to row numbers, in two flat arrays (open addressing,
    at most 80% full): 12 bytes a slot, where a dict of hash strings takes some 200 a key."""

    def __init__(self, capacity: int = 1 << 12):
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self._keys = array("Q", bytes(8 * capacity))
        self._rows = array("I", bytes(4 * capacity))
        self._size = 0

    def add(self, key: int, row: int) -> int:
        """Remember `row` under `key`, unless the key is known: then return its earlier row."""
        key = (key & _MASK64) or 1
        keys = self._keys
        mask = len(keys) - 1
        slot = (key ^ (key >> 29)) & mask
        while keys[slot]:
            if keys[slot] == key:
                return self._rows[slot]
            slot = (slot + 1) & mask
        keys[slot], self._rows[slot] = key, row
        self._size += 1
        if self._size * 5 > len(keys) * 4:  # at most 80% full
            self._grow()
        return 0

    def _grow(self) -> None:
        old_keys, old_rows = self._keys, self._rows
        self._allocate(len(old_keys) * 2)
        for key, row in zip(old_keys, old_rows, strict=True):
            if key:
                self.add(key, row)


@dataclass
class _BuildingPlan:
    pk: int | None  # None: to be created
    node: GridNode
    floors: int
    entrances: int
    max_entrance: int = 1


class _Homes:
    """The dwellings and households a batch refers to that are already in the database."""

    def __init__(self):
        self.dwellings: dict[tuple, int] = {}  # (building pk, entrance, door) -> pk
        self.households: dict[tuple, int] = {}  # (dwelling pk, number) -> pk
        self.headed: set[int] = set()  # household pks with a current head

    def dwelling_of(self, plan: _BuildingPlan, row: _Row) -> int | None:
        return self.dwellings.get((plan.pk, row.entrance, row.door))

    def household_of(self, plan: _BuildingPlan, row: _Row) -> int | None:
        dwelling = self.dwelling_of(plan, row)
        return None if dwelling is None else self.households.get((dwelling, row.household))


class _InFile:
    """What the rows before tell: a repeated ID number, a second head of the same household.
    Pure computation, in reading order (so it runs in the reading thread)."""

    def __init__(self):
        self.ids = _KeyIndex(1 << 14)
        self.heads = _KeyIndex()

    def check(self, row: _Row) -> None:
        if row.id_hash:
            earlier = self.ids.add(int(row.id_hash[:16], 16), row.number)
            if earlier:
                row.errors.append((ID_NUMBER, _("The same ID number is in row %(row)d.")
                                   % {"row": earlier}))
        if row.relation == Relation.HEAD:
            earlier = self.heads.add(hash(row.household_key), row.number)
            if earlier:
                row.errors.append((RELATION, _("This household already has a head "
                                               "(row %(row)d).") % {"row": earlier}))


def _has_error(row: _Row, column: str) -> bool:
    return any(name == column for name, _message in row.errors)


class _Checker:
    """Checks batches of rows against the database: registered ID numbers, buildings (in the
    actor's area, where they may edit), dwelling places, existing heads of household."""

    def __init__(self, actor: User, report: ImportReport):
        self.actor, self.report = actor, report
        self.plans: dict[tuple[str, str], _BuildingPlan] = {}
        self.hidden: set[tuple[str, str]] = set()  # existing buildings outside the actor's scope
        self.grids: dict[str, GridNode | None] = {}
        self.editor_at: dict[int, bool] = {}
        self.places: dict[tuple, list[tuple[str, str]]] = {}

    def fail(self, row: _Row, column: str, message: Any) -> None:
        row.errors.append((column, str(message)))
        self.report.add_error(row.number, column, message)

    def check(self, batch: list[_Row]) -> _Homes:
        """Report the rows' own errors, then check them against the database."""
        for row in batch:
            for column, message in row.errors:
                self.report.add_error(row.number, column, message)
        self.report.rows += len(batch)
        self._check_registered(batch)
        self._load_buildings(batch)
        by_building: dict[tuple[str, str], list[_Row]] = {}
        for row in batch:
            by_building.setdefault(row.building_key, []).append(row)
        for key, rows in by_building.items():
            self._check_building(key, rows)
        homes = self.find_homes(batch)
        self._check_heads(batch, homes)
        return homes

    def _check_registered(self, batch: list[_Row]) -> None:
        fresh = [row for row in batch if row.id_hash and not _has_error(row, ID_NUMBER)]
        known = set(Resident.objects.filter(id_number_hash__in=[row.id_hash for row in fresh])
                    .values_list("id_number_hash", flat=True))
        for row in fresh:
            if row.id_hash in known:
                self.fail(row, ID_NUMBER,
                          _("A resident with this ID number is already registered."))

    def _load_buildings(self, batch: list[_Row]) -> None:
        keys = {row.building_key for row in batch} - set(self.plans) - self.hidden
        if not keys:
            return
        found = {(b.estate, b.name): b for b in Building.objects.filter(
            estate__in={estate for estate, _name in keys}, name__in={n for _e, n in keys}
        ).select_related("node") if (b.estate, b.name) in keys}
        visible = set(building_list_for(user=self.actor).filter(
            pk__in=[b.pk for b in found.values()]).values_list("pk", flat=True))
        for key, building in found.items():
            if building.pk in visible:
                self.plans[key] = _BuildingPlan(building.pk, building.node, building.floors,
                                                building.entrances)
            else:
                self.hidden.add(key)

    def _check_building(self, key: tuple[str, str], rows: list[_Row]) -> None:
        """The rows of one building: it must be known (or defined by a row), in the actor's
        area, where they may edit; each row's entrance and floor must exist in it."""
        if key in self.hidden:
            for row in rows:
                self.fail(row, BUILDING, _("This building is not in your area."))
            return
        plan, start = self.plans.get(key), 0
        while plan is None and start < len(rows):
            plan = self._plan_new_building(rows[start])
            start += plan is None
        if plan is None:
            return
        may_edit = self._may_edit(plan.node)
        for row in rows[start:]:
            if not may_edit:
                self.fail(row, BUILDING, _("Only the grid's head, workers and center staff may "
                                           "change the registry."))
            self._check_place(row, plan)

    def _plan_new_building(self, row: _Row) -> _BuildingPlan | None:
        if not row.grid_code:
            if all(row.building_key):
                self.fail(row, BUILDING, _("Unknown building. To add it, fill in its grid code "
                                           "(网格编码) and number of floors (楼层数)."))
            return None
        node = self._grid(row.grid_code)
        if node is None:
            self.fail(row, GRID_CODE, _("No grid with this code in your area."))
            return None
        try:
            check_building_node(node)
        except ValidationError as error:
            self.fail(row, GRID_CODE, error.messages[0])
            return None
        if row.floors is None:
            self.fail(row, FLOORS, _("A new building needs its number of floors."))
            return None
        if not all(row.building_key):
            return None
        plan = _BuildingPlan(None, node, row.floors, entrances=50)
        self.plans[row.building_key] = plan
        return plan

    def _grid(self, code: str) -> GridNode | None:
        if code not in self.grids:
            self.grids[code] = (visible_nodes(self.actor, WRITE)
                                .filter(code=code, active=True).first())
        return self.grids[code]

    def _may_edit(self, node: GridNode) -> bool:
        if node.pk not in self.editor_at:
            self.editor_at[node.pk] = permissions.has(self.actor, WRITE, node)
        return self.editor_at[node.pk]

    def _check_place(self, row: _Row, plan: _BuildingPlan) -> None:
        if row.entrance is None or row.floor is None:
            return
        place = (plan.entrances, plan.floors, row.entrance, row.floor)
        if place not in self.places:
            self.places[place] = _place_errors(plan, row.entrance, row.floor)
        for column, message in self.places[place]:
            self.fail(row, column, message)
        if row.entrance > plan.max_entrance and not self.places[place]:
            plan.max_entrance = row.entrance

    def find_homes(self, batch: list[_Row]) -> _Homes:
        homes = _Homes()
        doors: dict[int, set[str]] = {}
        for row in batch:
            plan = self.plans.get(row.building_key)
            if plan is not None and plan.pk is not None:
                doors.setdefault(plan.pk, set()).add(row.door)
        if not doors:
            return homes
        where = Q()
        for building, numbers in doors.items():
            where |= Q(building_id=building, number__in=numbers)
        for pk, building, entrance, number in Dwelling.objects.filter(where).values_list(
                "pk", "building_id", "entrance", "number"):
            homes.dwellings[(building, entrance, number)] = pk
        households = Household.objects.filter(
            dwelling_id__in=homes.dwellings.values(), active=True).order_by("-pk")
        for pk, dwelling, number in households.values_list("pk", "dwelling_id", "number"):
            homes.households[(dwelling, number)] = pk  # the oldest one wins
        if any(row.relation == Relation.HEAD for row in batch):
            homes.headed = set(Membership.objects.current().filter(
                household_id__in=homes.households.values(), relation=Relation.HEAD
            ).values_list("household_id", flat=True))
        return homes

    def _check_heads(self, batch: list[_Row], homes: _Homes) -> None:
        if not homes.headed:
            return
        for row in batch:
            if row.relation != Relation.HEAD or _has_error(row, RELATION):
                continue
            plan = self.plans.get(row.building_key)
            if plan is not None and homes.household_of(plan, row) in homes.headed:
                self.fail(row, RELATION, _("This household already has a head."))


def _place_errors(plan: _BuildingPlan, entrance: int, floor: int) -> list[tuple[str, str]]:
    try:
        check_dwelling_place(SimpleNamespace(entrances=plan.entrances, floors=plan.floors),
                              entrance, floor)
    except ValidationError as error:
        return [(ENTRANCE if name == "entrance" else FLOOR, messages[0])
                for name, messages in error.message_dict.items()]
    return []
