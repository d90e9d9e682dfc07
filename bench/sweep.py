"""The deadline sweep at scale: 1,000 due tickets cost the same among 100k tickets as among 10k.

Seeds the demo grid tree, then tickets in bulk (a year of them across the lowest grids, mostly
closed, the open ones due later) up to N, and 1,000 due ones: 450 early warnings, 450 overdue
(early warning and deadline together), 50 past their grace (escalated automatically, through
the transition) and 50 replied tickets nobody evaluated (closed). It times one sweep of them
(best of 3; before each run the previous run's due tickets are deleted and 1,000 fresh ones
inserted, so N stays put) and counts its SQL queries.

Targets: a sweep of the 1,000 due tickets under 5 s at every size, and its time at 100k / at
10k <= 1.5. The exit code is 1 when one is missed. `--huge` measures at 1M too.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_bench .venv/bin/python bench/sweep.py
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from sizes import add_size_arguments, measured_sizes, test_database  # noqa: E402

from grids.demo import seed_grids  # noqa: E402
from grids.models import Assignment, GridNode, NodeKind, Role  # noqa: E402
from tickets.demo import story_timestamps  # noqa: E402
from tickets.models import Category, Channel, Satisfaction, Status, Ticket, Whistle  # noqa: E402
from tickets.sweep import sweep  # noqa: E402

CHUNK = 5000
RUNS = 3
# Due tickets of each kind, and what the sweep owes them (key whistle: wall clock, 75% early
# warning, 24 hours' grace, 7 days to rate).
MIX = {"warning": 450, "overdue": 450, "escalate": 50, "close": 50}
DUE = sum(MIX.values())
EXPECTED = {"resolve:due_soon": 950, "resolve:overdue": 500, "resolve:escalated": 50,
            "closed": 50}
TARGET_SECONDS, TARGET_RATIO = 5.0, 1.5
NOW = timezone.now()
HOUR = dt.timedelta(hours=1)


class Seeder:
    def __init__(self) -> None:
        self.rng = random.Random(2026)
        grids = GridNode.objects.filter(kind=NodeKind.GRID5, parent__isnull=False)
        workers = {a.node_id: a.user_id for a in Assignment.objects.filter(role=Role.WORKER)}
        self.grids = [(grid, workers.get(grid.pk)) for grid in grids]
        self.categories = list(Category.objects.all())
        self.count = 0
        self.run = 0

    def _base(self, reference: str, created: dt.datetime, **fields) -> Ticket:
        grid, worker = self.rng.choice(self.grids)
        return Ticket(reference=reference, tracking_token=f"bench-{reference}",
                      short_code="BENCH3", channel=self.rng.choice(Channel.values),
                      category=self.rng.choice(self.categories), title="楼道灯不亮",
                      description="基准测试", node=grid, owner=grid, assignee_id=worker,
                      stage_started_at=created, accept_due_at=created + 8 * HOUR,
                      contact_due_at=created + 24 * HOUR, created_at=created,
                      updated_at=created, **fields)

    def _background(self, index: int) -> Ticket:
        rng = self.rng
        created = NOW - dt.timedelta(days=rng.uniform(0.5, 365))
        status = rng.choices([Status.CLOSED, Status.IN_PROGRESS, Status.REPLIED], [94, 4, 2])[0]
        closed = created + dt.timedelta(days=rng.uniform(1, 8))
        ticket = self._base(f"B{index:09d}", created, whistle=rng.choice(Whistle.values),
                            status=status, resolve_due_at=created + dt.timedelta(days=9),
                            accepted_at=created + HOUR)
        if status == Status.CLOSED:
            ticket.resolved_at = ticket.closed_at = closed
            ticket.satisfaction = rng.choice(Satisfaction.values)
        else:  # open or waiting for its rating: checked again later, not now
            ticket.next_check_at = NOW + dt.timedelta(hours=rng.uniform(1, 24 * 7))
        return ticket

    def _due(self, index: int, kind: str) -> Ticket:
        started = {"warning": NOW - 7 * HOUR, "overdue": NOW - 10 * HOUR,
                   "escalate": NOW - 40 * HOUR, "close": NOW - dt.timedelta(days=10)}[kind]
        resolve_due = {"warning": NOW + HOUR, "overdue": NOW - HOUR,
                       "escalate": NOW - 30 * HOUR, "close": started + 8 * HOUR}[kind]
        ticket = self._base(f"D{self.run}-{index:05d}", started, whistle=Whistle.KEY,
                            status=Status.ACCEPTED, resolve_due_at=resolve_due,
                            accepted_at=started + HOUR, contacted_at=started + HOUR,
                            next_check_at=NOW - dt.timedelta(minutes=1))
        if kind == "close":
            ticket.status = Status.REPLIED
            ticket.resolved_at = ticket.replied_at = NOW - dt.timedelta(days=8)
        return ticket

    def top_up(self, total: int) -> None:
        """Background tickets until there are `total` with the due ones."""
        with story_timestamps():
            while self.count < total - DUE:
                size = min(CHUNK, total - DUE - self.count)
                Ticket.objects.bulk_create([self._background(self.count + i)
                                            for i in range(size)])
                self.count += size
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def fresh_due(self) -> None:
        """Replace the last run's due tickets (escalated, closed, reminded) by fresh ones."""
        Ticket.objects.filter(reference__startswith="D").delete()
        self.run += 1
        kinds = [kind for kind, count in MIX.items() for _ in range(count)]
        with story_timestamps():
            Ticket.objects.bulk_create([self._due(i, kind) for i, kind in enumerate(kinds)])


class QueryCounter:
    """Counts the SQL statements run (Django's query log keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(seeder: Seeder, total: int) -> tuple[float, int]:
    started = time.perf_counter()
    seeder.top_up(total)
    print(f"  {total:,} tickets seeded in {time.perf_counter() - started:.0f} s", flush=True)
    best, queries = float("inf"), 0
    for _ in range(RUNS):
        seeder.fresh_due()
        counted = QueryCounter()
        with connection.execute_wrapper(counted):
            start = time.perf_counter()
            done = sweep(NOW)
            seconds = time.perf_counter() - start
        assert done == EXPECTED, done
        if seconds < best:
            best, queries = seconds, counted.count
    print(f"  sweep of {DUE:,} due: best {best:.2f} s, {queries} queries", flush=True)
    return best, queries


def main() -> int:
    parser = argparse.ArgumentParser()
    add_size_arguments(parser)
    args = parser.parse_args()
    sizes = measured_sizes(args)
    with test_database():
        seed_grids()
        seeder = Seeder()
        results = {size: measure(seeder, size) for size in sizes}
    print(f"\ndatabase: {connection.vendor}")
    print(f"{'tickets':>12}{'sweep s':>10}{'queries':>10}{'ratio':>8}")
    base = results[sizes[0]][0]
    for size in sizes:
        seconds, queries = results[size]
        print(f"{size:>12,}{seconds:>10.2f}{queries:>10}{seconds / base:>8.2f}")
    slowest = max(seconds for seconds, _ in results.values())
    ratio = results[sizes[1]][0] / base
    fast, flat = slowest < TARGET_SECONDS, ratio <= TARGET_RATIO
    print(f"\nslowest sweep of {DUE:,} due tickets: {slowest:.2f} s (target < "
          f"{TARGET_SECONDS:.0f} s): {'OK' if fast else 'OVER TARGET'}")
    print(f"time at {sizes[1]:,} / at {sizes[0]:,}: {ratio:.2f} (target <= {TARGET_RATIO}): "
          f"{'OK' if flat else 'OVER TARGET'}")
    return 0 if fast and flat else 1


if __name__ == "__main__":
    sys.exit(main())
