"""A district to measure on: every page of 莲华街道 (13 communities, ~60,000 households, ~170,000
residents) at 10k and 100k tickets over three years (`--huge`: 1M too), for three users.

Builds the district with `tickets.district` (the tree, the registry, 10k tickets with their
events and reminders), measures, tops it up to the next size, measures again. For a grid worker,
a community's center staff and the street dispatcher it times (2 warm-ups, one load counting
its SQL queries, then `--repeat` loads for p50 and p95 in ms) the ticket list, a ticket's page,
the home page (我的任务 first), 我的任务, the KPI dashboard, the stats API, the registry search,
a building's colour map, the map's open-ticket layer for a community's viewport, and the KPI
export (xlsx; the portal has no other ticket export). A page a user may not open is reported as
such, not timed. Then the deadline sweep of 1,000 due tickets, with bench/sweep.py's due
tickets and measurement, after one untimed sweep has settled what the built history left due.
After the page timings, at every size, a closed-loop load test (bench/district_load.py): gunicorn
(`--workers`, 2 for this 2-core machine) on the same test database, and locust, headless, with
`--load-users` (50) users as the three accounts, each asking for its next page of a weighted mix
(bench/locustfile.py: lists, ticket page, 我的任务, home, dashboard, stats API, registry search,
colour map, map layer) as soon as the last one answered, for `--load-seconds` (60; the first 5 s
start the users and are not counted): requests/s, p50, p95 and failures. `--no-load` skips it.

The KPI rollup is rebuilt once after each top-up (`tickets.district`) and the changes the sweep
made are folded before the pages are timed, as Celery beat's minute job would have.

Targets: every page's p50 at the largest size / at 10k <= 1.5, except the dashboard, the stats
API and the KPI export (they read the period's rollup rows): <= 3; the sweep under 5 s
at every size and its time at 100k / at 10k <= 1.5; the load test's requests/s at every larger
size >= 0.8 x at 10k, with no failed request. The exit code is 1 when one is missed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_bench .venv/bin/python bench/district.py
"""

import argparse
import logging
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sweep as sweep_bench  # noqa: E402 - bench/sweep.py (sets up Django)
from district_load import LoadResult, LoadTest, session_cookie  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from sizes import add_size_arguments, measured_sizes, test_database  # noqa: E402

from residents.models import Building, Resident  # noqa: E402
from tickets import selectors  # noqa: E402
from tickets.district import build_registry, build_tree, top_up_tickets  # noqa: E402
from tickets.rollup import fold_all  # noqa: E402
from tickets.sweep import sweep  # noqa: E402

User = get_user_model()
USERS = {"worker": "lhjd_c01_g5_01_worker", "center staff": "lhjd_c01_staff",
         "dispatcher": "lhjd_dispatcher"}
AGGREGATES = ("dashboard", "stats API", "KPI export")
PAGE_RATIO, AGGREGATE_RATIO = 1.5, 3.0
THROUGHPUT_RATIO = 0.8
WARM_UPS = 2


def _viewport() -> str:
    """The first community's buildings, as the map's view box."""
    box = Building.objects.filter(node__code__startswith="LHJD-C01-").aggregate(
        west=Min("longitude"), east=Max("longitude"), south=Min("latitude"),
        north=Max("latitude"))
    return f"{box['west']},{box['south']},{box['east']},{box['north']}"


def _pages(user) -> dict[str, str]:
    ticket = selectors.ticket_list_for(user=user).order_by("-id").first()
    building = Building.objects.filter(node__code__startswith="LHJD-C01-G5-01").first()
    surname = Resident.objects.filter(node__code__startswith="LHJD-C01-G5-01").values_list(
        "name", flat=True).first()[0]
    return {
        "ticket list": "/tickets/",
        "ticket page": f"/tickets/{ticket.pk}/" if ticket else "",
        "home (我的任务 first)": "/",
        "我的任务": "/tickets/mine/",
        "dashboard": "/tickets/dashboard/",
        "stats API": "/api/v1/stats/tickets/",
        "registry search": f"/residents/?text={surname}",
        "colour map": f"/residents/buildings/{building.pk}/",
        "map tickets in view": (f"/api/v1/tickets/?format=geojson&status=open&cells=16"
                                f"&bbox={_viewport()}"),
        "KPI export": "/tickets/dashboard/export.xlsx",
    }


def _load(client: Client, url: str) -> int:
    """One load, a streamed body read to its end."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def _time_page(client: Client, url: str, repeat: int) -> tuple[float, float, int] | str:
    """p50 and p95 in ms and the queries of one load, or why the page is not timed."""
    if not url:
        return "nothing in scope"
    for _ in range(WARM_UPS):
        status = _load(client, url)
        if status != 200:
            return f"answers {status}"
    counted = sweep_bench.QueryCounter()
    with connection.execute_wrapper(counted):
        _load(client, url)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        _load(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, counted.count


def measure_pages(repeat: int) -> dict[tuple[str, str], tuple[float, float, int] | str]:
    results = {}
    for label, username in USERS.items():
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for page, url in _pages(user).items():
            results[label, page] = _time_page(client, url, repeat)
    return results


def load_plan(timed: dict[tuple[str, str], tuple[float, float, int] | str]) -> dict:
    """bench/locustfile.py's plan: each user's session and the pages it may open (those timed)."""
    users = {}
    for label, username in USERS.items():
        user = User.objects.get(username=username)
        pages = {page: url for page, url in _pages(user).items()
                 if isinstance(timed[label, page], tuple)}
        users[label] = {"session": session_cookie(user), "pages": pages}
    return {"cookie": settings.SESSION_COOKIE_NAME, "users": users}


def measure_sweep(seeder: "sweep_bench.Seeder", total: int) -> tuple[float, int]:
    """bench/sweep.py's measurement over the district: the built history is settled first."""
    settled = sweep(sweep_bench.NOW)
    print(f"  first sweep over the built history: {settled}", flush=True)
    seeder.count = total  # the district is the background: bench/sweep.py adds none of its own
    return sweep_bench.measure(seeder, total)


def build(households: int, residents: int) -> None:
    started = time.perf_counter()
    tree = build_tree()
    print(f"  tree: {tree.nodes} nodes, {tree.users} people in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    registry = build_registry(households=households, residents=residents)
    print(f"  registry: {registry.buildings:,} buildings, {registry.households:,} households, "
          f"{registry.residents:,} residents in {time.perf_counter() - started:.0f} s",
          flush=True)


def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` columns, a CJK character taking two."""
    wide = sum(unicodedata.east_asian_width(char) in "WF" for char in text)
    return text + " " * max(0, width - len(text) - wide)


def _cell(value) -> str:
    return f"{value[0]:>9.1f}{value[1]:>8.1f}{value[2]:>5}" if isinstance(value, tuple) \
        else f"{value:>22}"


def report(sizes: list[int], pages: dict, sweeps: dict) -> bool:
    base = sizes[0]
    print(f"\ndatabase: {connection.vendor}; ms (p50, p95) and queries of one load")
    print(f"{'user':<14}{'page':<22}" + "".join(f"{f'{s:,}: p50  p95    q':>22}" for s in sizes)
          + "".join(f"{f'{s // 1000}k/{base // 1000}k':>10}" for s in sizes[1:]) + "  target")
    held = True
    for key in pages[base]:
        row = f"{key[0]:<14}{_pad(key[1], 22)}" + "".join(_cell(pages[s][key]) for s in sizes)
        if all(isinstance(pages[s][key], tuple) for s in sizes):
            limit = AGGREGATE_RATIO if key[1] in AGGREGATES else PAGE_RATIO
            ratios = [pages[s][key][0] / pages[base][key][0] for s in sizes[1:]]
            row += "".join(f"{r:>10.2f}" for r in ratios)
            fine = max(ratios) <= limit
            held = held and fine
            row += f"  <= {limit} {'OK' if fine else 'OVER TARGET'}"
        print(row)
    print(f"\n{'deadline sweep of 1,000 due':<36}" + "".join(
        f"{f'{s:,}: {sweeps[s][0]:.2f} s, {sweeps[s][1]} q':>26}" for s in sizes))
    slowest = max(seconds for seconds, _ in sweeps.values())
    ratio = max(sweeps[s][0] for s in sizes[1:]) / sweeps[base][0]
    fast, flat = slowest < 5.0, ratio <= PAGE_RATIO
    print(f"slowest sweep {slowest:.2f} s (target < 5 s): {'OK' if fast else 'OVER TARGET'}; "
          f"worst ratio to {base:,}: {ratio:.2f} (target <= 1.5): "
          f"{'OK' if flat else 'OVER TARGET'}")
    return held and fast and flat


def report_load(sizes: list[int], loads: dict[int, LoadResult], load: LoadTest) -> bool:
    base = sizes[0]
    print(f"\nclosed-loop load: {load.users} users (worker : center staff : dispatcher = "
          f"3 : 2 : 1), no wait, {load.seconds} s, gunicorn with {load.workers} workers")
    print(f"{'tickets':>10}{'requests':>10}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'failures':>10}{f'/ {base // 1000}k':>8}  requests by user")
    for size in sizes:
        result = loads[size]
        ratio = f"{result.per_second / loads[base].per_second:>8.2f}" \
            if size != base and loads[base].per_second else f"{'':>8}"
        by_account = ", ".join(f"{name} {result.by_account[name]}" for name in USERS
                               if name in result.by_account)
        print(f"{size:>10,}{result.requests:>10,}{result.per_second:>8.2f}{result.p50:>9.0f}"
              f"{result.p95:>9.0f}{result.failures:>10}{ratio}  {by_account}")
        for error in result.errors[:5]:
            print(f"{'':>10}failed: {error}")
    worst = min((loads[s].per_second / loads[base].per_second if loads[base].per_second
                 else 0.0) for s in sizes[1:])
    steady = worst >= THROUGHPUT_RATIO
    clean = all(loads[s].failures == 0 and loads[s].requests > 0 for s in sizes)
    print(f"lowest throughput ratio to {base:,}: {worst:.2f} (target >= {THROUGHPUT_RATIO}): "
          f"{'OK' if steady else 'OVER TARGET'}; failed requests (target 0): "
          f"{'OK' if clean else 'OVER TARGET'}")
    return steady and clean


def main() -> int:
    parser = argparse.ArgumentParser()
    add_size_arguments(parser)
    parser.add_argument("--households", type=int, default=60_000)
    parser.add_argument("--residents", type=int, default=170_000)
    parser.add_argument("--repeat", type=int, default=15, help="timed loads of each page")
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--load-seconds", type=int, default=60,
                        help="length of each load test (the first 5 s start the users)")
    parser.add_argument("--load-users", type=int, default=50, help="locust users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--load-csv", type=Path, default=None,
                        help="keep locust's CSV files (a row per user and page) in this folder")
    args = parser.parse_args()
    sizes = measured_sizes(args)
    logging.getLogger("axes").setLevel(logging.WARNING)  # a login per user and size
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 403s reported below
    pages, sweeps, loads = {}, {}, {}
    load = None if args.no_load else LoadTest(seconds=args.load_seconds, users=args.load_users,
                                              workers=args.workers, keep_csv=args.load_csv)
    with test_database():
        _measure(args, sizes, load, pages, sweeps, loads)
    held = report(sizes, pages, sweeps)
    if load:
        held = report_load(sizes, loads, load) and held
    return 0 if held else 1


def _measure(args, sizes: list[int], load, pages: dict, sweeps: dict, loads: dict) -> None:
    """Build, top up and measure at every size (gunicorn stopped before the database goes)."""
    try:
        build(args.households, args.residents)
        seeder = None
        for size in sizes:
            started = time.perf_counter()
            added = top_up_tickets(size)
            print(f"  {size:,} tickets ({added.tickets:,} added, {added.events:,} events) in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            seeder = seeder or sweep_bench.Seeder()
            sweeps[size] = measure_sweep(seeder, size)
            print(f"  KPI changes folded into the rollup (Celery beat's minute job): "
                  f"{fold_all():,}", flush=True)
            pages[size] = measure_pages(args.repeat)
            if load:
                loads[size] = load.run(size, load_plan(pages[size]))
                print(f"  load test: {loads[size].per_second:.2f} requests/s, "
                      f"{loads[size].failures} failed", flush=True)
    finally:
        if load:
            load.close()


if __name__ == "__main__":
    sys.exit(main())
