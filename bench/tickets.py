"""Tickets at scale: the list and the deadline sweep must cost the same at 100k tickets as at 10k.

Seeds the demo grid tree, then tickets in bulk (a year of them across the lowest grids, mostly
closed, each with its acceptance event) up to 10k, measures, tops up to 100k (and 1M with
--huge), measures again. At every size the same OVERDUE tickets are due for the sweep; the others
are closed or due later.

Reports, for each size:
- list p50: GET /api/v1/tickets/ (keyset pagination, first page of 50) for a grid worker and for
  a community center member;
- dashboard p50: GET /tickets/dashboard/ (the last 12 months, every KPI) for the center member;
- one sweep's time: `tickets.sweep.sweep(now)` over the OVERDUE due tickets (median of 5 runs,
  the reminders removed between runs).
Targets: list p50 at 100k / at 10k <= 1.5 (each user) and sweep time ratio <= 1.5; the exit code
is 1 when a ratio is over target. The dashboard aggregates every ticket of the period, so it
grows with them: it is reported, not judged.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_bench .venv/bin/python bench/tickets.py
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from sizes import add_size_arguments, measured_sizes, test_database  # noqa: E402

from grids.demo import seed_grids  # noqa: E402
from grids.models import Assignment, GridNode, NodeKind, Role  # noqa: E402
from tickets.demo import story_timestamps  # noqa: E402
from tickets.models import (  # noqa: E402
    Category,
    Channel,
    EventKind,
    Notification,
    Reminder,
    Satisfaction,
    Status,
    Ticket,
    TicketEvent,
    Whistle,
)
from tickets.sweep import sweep  # noqa: E402

User = get_user_model()
OVERDUE = 200
BATCH = 5000
WORKER, CENTER = "sjc_g5_01_worker", "sjc_staff"
NOW = timezone.now()


class Seeder:
    def __init__(self) -> None:
        self.rng = random.Random(2026)
        grids = GridNode.objects.filter(kind__in=[NodeKind.GRID4, NodeKind.GRID5],
                                        code__regex=r"^(SJC|LH)-").exclude(
            children__kind=NodeKind.GRID5)
        workers = {a.node_id: a.user_id for a in Assignment.objects.filter(role=Role.WORKER)}
        self.grids = [(grid, workers.get(grid.pk)) for grid in grids]
        self.categories = list(Category.objects.all())
        self.count = Ticket.objects.count()

    def _ticket(self, index: int, *, overdue: bool = False) -> Ticket:
        rng = self.rng
        grid, worker = rng.choice(self.grids)
        created = NOW - dt.timedelta(days=8 if overdue else rng.uniform(0.5, 365))
        status = Status.ACCEPTED if overdue else rng.choices(
            [Status.CLOSED, Status.IN_PROGRESS, Status.REPLIED], [94, 4, 2])[0]
        resolve_due = NOW - dt.timedelta(hours=1) if overdue else created + dt.timedelta(days=9)
        closed = created + dt.timedelta(days=rng.uniform(1, 8))
        ticket = Ticket(
            reference=f"B{index:09d}", tracking_token=f"bench-{index}", short_code="BENCH2",
            channel=rng.choice(Channel.values),
            whistle=Whistle.ROUTINE if overdue else rng.choice(Whistle.values),
            category=rng.choice(self.categories), title="楼道灯不亮", description="基准测试",
            node=grid, owner=grid, assignee_id=worker, status=status,
            stage_started_at=created, accept_due_at=created + dt.timedelta(hours=24),
            contact_due_at=created + dt.timedelta(hours=48), resolve_due_at=resolve_due,
            accepted_at=created + dt.timedelta(hours=rng.uniform(1, 30)),
            created_at=created, updated_at=created,
        )
        if status == Status.CLOSED:
            ticket.resolved_at = ticket.closed_at = closed
            ticket.satisfaction = rng.choice(Satisfaction.values)
        elif status == Status.REPLIED:
            ticket.resolved_at = ticket.replied_at = closed
            ticket.next_check_at = NOW + dt.timedelta(days=rng.uniform(1, 7))
        else:
            ticket.next_check_at = max(resolve_due, NOW + dt.timedelta(hours=1))
        if overdue:
            ticket.next_check_at = resolve_due - dt.timedelta(hours=40)  # the early warning
        return ticket

    def top_up(self, total: int) -> None:
        """Add tickets (the OVERDUE due ones first) until there are `total`."""
        with story_timestamps():
            while self.count < total:
                size = min(BATCH, total - self.count)
                tickets = [self._ticket(self.count + i, overdue=self.count + i < OVERDUE)
                           for i in range(size)]
                Ticket.objects.bulk_create(tickets)
                TicketEvent.objects.bulk_create([
                    TicketEvent(ticket=t, kind=EventKind.TRANSITION, action="accept",
                                from_status=Status.NEW, to_status=Status.ACCEPTED,
                                actor_id=t.assignee_id, created_at=t.accepted_at,
                                data={"on_time": t.accepted_at <= t.accept_due_at})
                    for t in tickets])
                self.count += size
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def p50(fn, repeat: int) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _get(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.status_code


def time_sweep(runs: int = 5) -> float:
    """The median time of `runs` sweeps over the same due tickets, reset between runs."""
    due = Ticket.objects.filter(reference__lt=f"B{OVERDUE:09d}")
    samples = []
    for _ in range(runs):
        Reminder.objects.all().delete()
        Notification.objects.all().delete()
        due.update(next_check_at=F("resolve_due_at") - dt.timedelta(hours=40))
        start = time.perf_counter()
        done = sweep(NOW)
        samples.append(time.perf_counter() - start)
        # Accepted and not yet contacted: the first-contact deadline is past too.
        assert done == {f"{clock}:{stage}": OVERDUE for clock in ("contact", "resolve")
                        for stage in ("due_soon", "overdue")}, done
    return statistics.median(samples) * 1000


def measure(seeder: Seeder, total: int) -> dict[str, float]:
    started = time.perf_counter()
    seeder.top_up(total)
    print(f"  {total:,} tickets seeded in {time.perf_counter() - started:.0f} s", flush=True)
    repeat = 50 if total < 500_000 else 10
    results = {}
    for username in (WORKER, CENTER):
        api = APIClient()
        api.force_authenticate(User.objects.get(username=username))
        results[f"list p50 ({username})"] = p50(lambda a=api: _get(a, "/api/v1/tickets/"),
                                                repeat)
    page = Client()
    page.force_login(User.objects.get(username=CENTER))
    results[f"dashboard p50 ({CENTER})"] = p50(lambda: _get(page, "/tickets/dashboard/"),
                                               max(3, repeat // 3))
    results[f"sweep of {OVERDUE} due tickets"] = time_sweep()
    return results


def _plan() -> str:
    from tickets import selectors

    worker = User.objects.get(username=WORKER)
    sql, params = selectors.ticket_list_for(user=worker).order_by("-id")[:51].query \
        .sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def report(sizes: list[int], results: dict[int, dict[str, float]]) -> float:
    base = sizes[0]
    header = "".join(f"{f'{size:,}':>12}" for size in sizes)
    ratios = "".join(f"{f'{size // 1000}k/{base // 1000}k':>12}" for size in sizes[1:])
    print(f"\n{'ms':<40}{header}{ratios}")
    worst = 0.0
    for key in results[base]:
        values = "".join(f"{results[size][key]:>12.1f}" for size in sizes)
        ratio_values = [results[size][key] / results[base][key] for size in sizes[1:]]
        if not key.startswith("dashboard"):
            worst = max(worst, ratio_values[0])
        print(f"{key:<40}{values}" + "".join(f"{r:>12.2f}" for r in ratio_values))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser()
    add_size_arguments(parser)
    args = parser.parse_args()
    sizes = measured_sizes(args)
    with test_database():
        seed_grids()
        seeder = Seeder()
        results = {size: measure(seeder, size) for size in sizes}
        plan = _plan() if connection.vendor == "postgresql" else ""
    print(f"database: {connection.vendor}")
    worst = report(sizes, results)
    if plan:
        print(f"\nplan of the worker's list at {sizes[-1]:,}:\n{plan}")
    verdict = "OK" if worst <= 1.5 else "OVER TARGET"
    print(f"\nworst list/sweep ratio {sizes[1]:,}/{sizes[0]:,}: {worst:.2f} (target <= 1.5): "
          f"{verdict}")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
