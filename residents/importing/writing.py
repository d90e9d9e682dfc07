"""Counting (dry run) and writing the rows."""

import time

from django.db.models import Case, Value, When
from django.utils import timezone

from .. import crypto
from ..models import (
    Building,
    Dwelling,
    Household,
    Membership,
    Relation,
    Resident,
)
from .checking import _BuildingPlan, _Homes, _KeyIndex
from .common import _YIELD_EVERY, ImportReport
from .copy import _copy_available, _Tables
from .rows import _Row

# --- Counting (dry run) and writing ---------------------------------------------------------


class _Counter:
    """What a dry run would create, counted with the same keys the writer uses."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.dwellings, self.households = _KeyIndex(), _KeyIndex()

    def prepare(self, batch: list[_Row]) -> None:
        pass

    def write(self, batch: list[_Row], plans: dict, homes: _Homes) -> None:
        for row in batch:
            plan = plans[row.building_key]
            if homes.dwelling_of(plan, row) is None and not self.dwellings.add(
                    hash(row.dwelling_key), 1):
                self.report.dwellings += 1
            if homes.household_of(plan, row) is None and not self.households.add(
                    hash(row.household_key), 1):
                self.report.households += 1
        self.report.residents += len(batch)

    def finish(self, plans: dict) -> None:
        self.report.buildings = sum(plan.pk is None for plan in plans.values())


class _Writer:
    """Writes checked batches, with COPY on PostgreSQL and bulk_create elsewhere."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.today = timezone.localdate()
        self.new_buildings: list[_BuildingPlan] = []
        self.tables = _Tables(timezone.now()) if _copy_available() else None

    def prepare(self, batch: list[_Row]) -> None:
        """Encrypt the ID numbers (and, for COPY, format what can be of each resident's line).
        Runs in the reading thread: no database here."""
        if not self.report.ok:
            return  # nothing will be written
        for index, row in enumerate(batch):
            if row.id_number is not None and not row.errors:
                row.token = crypto.encrypt(row.id_number.value)
                if self.tables is not None:
                    row.copy_tail = self.tables.resident_tail(row)
            if not index % _YIELD_EVERY:
                time.sleep(0)

    def write(self, batch: list[_Row], plans: dict, homes: _Homes) -> None:
        self._create_buildings(batch, plans)
        self._create_dwellings(batch, plans, homes)
        residents = self._create_residents(batch, plans)
        households, heads = self._create_households(batch, plans, homes, residents)
        self._create_memberships(batch, households, residents)
        if heads:
            Household.objects.filter(pk__in=heads).update(head_id=Case(
                *[When(pk=pk, then=Value(resident)) for pk, resident in heads.items()]))

    def finish(self, plans: dict) -> None:
        for plan in self.new_buildings:
            if plan.max_entrance > 1:
                Building.objects.filter(pk=plan.pk).update(entrances=plan.max_entrance)

    def _create_buildings(self, batch: list[_Row], plans: dict) -> None:
        new = {row.building_key: plans[row.building_key] for row in batch
               if plans[row.building_key].pk is None}
        created = Building.objects.bulk_create([
            Building(node=plan.node, estate=estate, name=name, floors=plan.floors,
                     entrances=plan.max_entrance) for (estate, name), plan in new.items()])
        for plan, building in zip(new.values(), created, strict=True):
            plan.pk = building.pk
            self.new_buildings.append(plan)
        self.report.buildings += len(created)

    def _create_dwellings(self, batch: list[_Row], plans: dict, homes: _Homes) -> None:
        new: dict[tuple, tuple] = {}
        for row in batch:
            key = (plans[row.building_key].pk, row.entrance, row.door)
            if key not in homes.dwellings and key not in new:
                new[key] = (*key, row.floor, row.use)
        if self.tables is not None:
            ids = self.tables.dwellings.insert(new.values())
        else:
            ids = [d.pk for d in Dwelling.objects.bulk_create(
                Dwelling(building_id=b, entrance=e, number=n, floor=f, use=u)
                for b, e, n, f, u in new.values())]
        homes.dwellings.update(zip(new, ids, strict=True))
        self.report.dwellings += len(new)

    def _create_residents(self, batch: list[_Row], plans: dict) -> list[int]:
        if self.tables is not None:
            ids = self.tables.residents(batch, plans)
        else:
            ids = [resident.pk for resident in Resident.objects.bulk_create(
                [_resident(row, plans[row.building_key].node.pk) for row in batch])]
        self.report.residents += len(ids)
        return ids

    def _create_households(self, batch: list[_Row], plans: dict, homes: _Homes,
                           residents: list[int]) -> tuple[list[int], dict[int, int]]:
        """Each row's household pk, creating missing ones (with their head when the head's
        row is in this batch); plus the heads to set on households that already existed."""
        new: dict[tuple, int | None] = {}  # (dwelling pk, number) -> head
        heads: dict[int, int] = {}
        keys = [(homes.dwelling_of(plans[row.building_key], row), row.household)
                for row in batch]
        for key, row, resident in zip(keys, batch, residents, strict=True):
            is_head = row.relation == Relation.HEAD
            if key in homes.households:
                if is_head:
                    heads[homes.households[key]] = resident
            elif is_head or key not in new:
                new[key] = resident if is_head else None
        if self.tables is not None:
            ids = self.tables.households.insert((d, n, h) for (d, n), h in new.items())
        else:
            ids = [h.pk for h in Household.objects.bulk_create(
                Household(dwelling_id=d, number=n, head_id=h) for (d, n), h in new.items())]
        homes.households.update(zip(new, ids, strict=True))
        self.report.households += len(new)
        return [homes.households[key] for key in keys], heads

    def _create_memberships(self, batch: list[_Row], households: list[int],
                            residents: list[int]) -> None:
        rows = zip(batch, households, residents, strict=True)
        if self.tables is not None:
            self.tables.memberships(rows, self.today)
        else:
            Membership.objects.bulk_create([
                Membership(household_id=household, resident_id=resident, relation=row.relation,
                           joined_on=row.moved_in_on or self.today)
                for row, household, resident in rows])


def _resident(row: _Row, node_id: int) -> Resident:
    number = row.id_number
    return Resident(
        node_id=node_id, name=row.name, phone=row.phone, residence_type=row.residence_type,
        moved_in_on=row.moved_in_on, registration_place=row.registration_place,
        party_member=row.party_member, id_number_token=row.token, id_number_hash=row.id_hash,
        id_number_masked=number.masked, gender=number.gender, birth_date=number.birth_date)
