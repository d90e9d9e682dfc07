"""The map's data for one viewport, at 10,000 and 100,000 tickets and 2,000 buildings.

On the demo tree with its boundaries (`seed_grids`), tickets are placed at random points of their
level-5 grid and owned there. They arrive at a steady PER_DAY, so a larger count is a longer
history (10,000 is about five weeks, 100,000 a year), almost all of it closed, with a fixed 500
open (a street's open work does not grow with its history), 100 of them overdue. 2,000 buildings
stand in the grids. The center staff of 世纪城 look at their community's box:

- open tickets, clustered (`/api/v1/tickets/?format=geojson&status=open&bbox=`);
- the buildings (`/api/v1/buildings/?format=geojson&bbox=`);
- every ticket of the last 30 days, clustered (the heat map);
- the grid boundaries with their figures (`/api/v1/grid-nodes/?format=geojson`): open and
  overdue work, and the closure rate of the last 30 days.

Target: for every view, the p50 at 100k / p50 at 10k ≤ 1.5, and at most (cells + 1)² ticket
features whatever the number of tickets.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from grids.demo import seed_grids  # noqa: E402
from grids.models import GridNode, NodeKind  # noqa: E402
from residents.models import Building  # noqa: E402
from tickets.demo import story_timestamps  # noqa: E402
from tickets.models import Category, Channel, Status, Ticket  # noqa: E402

User = get_user_model()
OPEN, OVERDUE, BUILDINGS = 500, 100, 2000
# Tickets a day: the 13 communities of a street receive about 100,000 a year.
PER_DAY = 274
BATCH = 5000
CELLS = 48
NOW = timezone.now()


class Seeder:
    def __init__(self) -> None:
        self.rng = random.Random(2026)  # noqa: S311 - benchmark data, not secrets
        self.grids = [(grid, shape(grid.boundary).bounds) for grid in
                      GridNode.objects.filter(kind=NodeKind.GRID5, boundary__isnull=False)]
        self.category = Category.objects.get_or_create(code="facilities",
                                                       defaults={"name": "设施维修"})[0]
        self.count = 0

    def _point(self, bounds) -> tuple[Decimal, Decimal]:
        west, south, east, north = bounds
        return (Decimal(f"{self.rng.uniform(south, north):.6f}"),
                Decimal(f"{self.rng.uniform(west, east):.6f}"))

    def _ticket(self, index: int) -> Ticket:
        grid, bounds = self.rng.choice(self.grids)
        latitude, longitude = self._point(bounds)
        is_open = index < OPEN
        if is_open:
            created = NOW - dt.timedelta(days=self.rng.uniform(0.5, 6))
        else:  # the older the later it is added: the history grows back in time
            created = NOW - dt.timedelta(days=0.5 + (index + self.rng.random()) / PER_DAY)
        overdue = index < OVERDUE
        ticket = Ticket(
            reference=f"M{index:09d}", tracking_token=f"map-{index}", short_code="BENCH3",
            channel=Channel.HOTLINE, category=self.category, title="楼道灯不亮",
            description="基准测试", node=grid, owner=grid, latitude=latitude,
            longitude=longitude, status=Status.ACCEPTED if is_open else Status.CLOSED,
            stage_started_at=created, accept_due_at=created + dt.timedelta(hours=24),
            contact_due_at=created + dt.timedelta(hours=48),
            resolve_due_at=NOW - dt.timedelta(hours=1) if overdue
            else created + dt.timedelta(days=9),
            accepted_at=created + dt.timedelta(hours=2), created_at=created, updated_at=created)
        if not is_open:
            ticket.resolved_at = ticket.closed_at = created + dt.timedelta(days=3)
        return ticket

    def top_up(self, total: int) -> None:
        with story_timestamps():  # bulk_create keeps each ticket's own created_at
            while self.count < total:
                size = min(BATCH, total - self.count)
                Ticket.objects.bulk_create([self._ticket(self.count + i) for i in range(size)])
                self.count += size
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def buildings(self) -> None:
        rows = []
        for number in range(BUILDINGS):
            grid, bounds = self.grids[number % len(self.grids)]
            latitude, longitude = self._point(bounds)
            rows.append(Building(node=grid, estate=f"基准{grid.code}", name=f"{number}栋",
                                 floors=6, latitude=latitude, longitude=longitude))
        Building.objects.bulk_create(rows)


def p50(fn, repeat: int = 7) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def measure(client: Client, box: str) -> tuple[dict[str, float], dict[str, int]]:
    since = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    views = {
        "open tickets, clustered": ("/api/v1/tickets/", {"status": "open", "bbox": box,
                                                         "cells": CELLS}),
        "buildings": ("/api/v1/buildings/", {"bbox": box}),
        "heat map, last 30 days": ("/api/v1/tickets/", {"since": since, "bbox": box,
                                                        "cells": CELLS}),
        "grid boundaries with figures": ("/api/v1/grid-nodes/", {}),
    }
    times, features = {}, {}
    for name, (url, params) in views.items():
        def get(url=url, params=params):
            response = client.get(url, {"format": "geojson", **params})
            assert response.status_code == 200, response.content[:300]
            return response
        times[name] = p50(get)
        features[name] = len(get().json()["features"])
    return times, features


JUDGED = ("open tickets, clustered", "buildings", "heat map, last 30 days",
          "grid boundaries with figures")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seed_grids()
        seeder = Seeder()
        seeder.buildings()
        staff = User.objects.get(username="sjc_staff")
        client = Client()
        client.force_login(staff)
        west, south, east, north = shape(GridNode.objects.get(code="SJC").boundary).bounds
        box = f"{west},{south},{east},{north}"
        results = {}
        for size in (args.small, args.large):
            seeder.top_up(size)
            results[size] = measure(client, box)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    small, large = results[args.small], results[args.large]
    print(f"database: {connection.vendor}; {BUILDINGS:,} buildings, {OPEN} open tickets "
          f"({OVERDUE} overdue); viewport: 世纪城 ({box})")
    print(f"{'view':<32}{'p50 ms ' + f'{args.small:,}':>16}{'p50 ms ' + f'{args.large:,}':>17}"
          f"{'ratio':>8}{'features':>10}")
    worst = 0.0
    for name in small[0]:
        ratio = large[0][name] / small[0][name]
        if name in JUDGED:
            worst = max(worst, ratio)
        print(f"{name:<32}{small[0][name]:>16.1f}{large[0][name]:>17.1f}{ratio:>8.2f}"
              f"{large[1][name]:>10}{'' if name in JUDGED else '  (reported)'}")
    bound = (CELLS + 1) ** 2
    bounded = all(large[1][name] <= bound for name in small[0] if "tickets" in name
                  or "heat" in name)
    ok = worst <= 1.5 and bounded
    print(f"\nworst judged ratio {args.large:,}/{args.small:,}: {worst:.2f} (target <= 1.5); "
          f"ticket features at most {bound:,}: {'yes' if bounded else 'no'}: "
          f"{'OK' if ok else 'OVER TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
