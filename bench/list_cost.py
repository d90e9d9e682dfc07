"""What a list page costs beyond its own SQL: at most 5× the same statements replayed raw.

On PostgreSQL with the demo tree (`seed_grids`), the demo registry (`seed_registry`) and 100,000
tickets (seeded by bench/tickets.py's Seeder: a year of them, mostly closed), for 世纪城's center
staff, a hub head and a grid worker, each list page:

- the staff ticket list (`/tickets/`, newest first), the open queue (`/tickets/?status=open`),
  我的任务 (`/tickets/mine/`), the home page with its task counts (`/`) and the residents list
  (`/residents/`);
- p50 of the whole page through the test client (middleware, session, view, template);
- its SQL statements (CaptureQueriesContext), replayed with a raw psycopg cursor (every row
  fetched, inside a transaction rolled back): p50;
- the ratio page / replay, judged against <= 5.

Then where the rest goes: cProfile of 10 loads of each page, the top 15 functions by cumulative
time (`--no-profile` to skip). The exit code is 1 when a ratio is over target.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_bench .venv/bin/python bench/list_cost.py

The test environment's template instrumentation (a signal and a copy of the context for each
template rendered) is left off: it is no cost of the page in service.
"""

import argparse
import cProfile
import importlib.util
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from grids.demo import seed_grids  # noqa: E402
from residents.demo import seed_registry  # noqa: E402

# bench/tickets.py shares its name with the tickets app: load it by its path.
_spec = importlib.util.spec_from_file_location("bench_tickets",
                                               Path(__file__).with_name("tickets.py"))
bench_tickets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_tickets)

User = get_user_model()
USERS = {"center staff": "sjc_staff", "hub head": "sjc_hub1_head",
         "grid worker": "sjc_g5_01_worker"}
PAGES = {"ticket list": "/tickets/", "open queue": "/tickets/?status=open",
         "my tasks": "/tickets/mine/", "home": "/", "residents": "/residents/"}
TARGET = 5.0


def p50_pair(first, second, repeat: int) -> tuple[float, float]:
    """The p50 of each, their samples taken in turn (so that load from other processes on the
    machine falls on both alike)."""
    first(), second()  # warm up
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, kept in zip((first, second), samples, strict=True):
            start = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - start)
    return statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000


def replay(statements: list[str]) -> None:
    """The statements through a raw cursor, every row fetched, nothing kept."""
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
        finally:
            cursor.execute("ROLLBACK")


def measure(client: Client, url: str, repeat: int) -> dict | None:
    if client.get(url).status_code != 200:
        return None
    connection.queries_log.clear()  # a full log (its maxlen) would capture nothing
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Read now: the next request empties the connection's log (django.db.reset_queries).
    captured_sql = [query["sql"] for query in captured.captured_queries]
    statements = [sql for sql in captured_sql
                  if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    page, raw = p50_pair(lambda: client.get(url), lambda: replay(statements), repeat)
    assert statements, url
    return {"page": page, "queries": len(captured_sql), "raw": raw,
            "ratio": page / raw}


def profile(client: Client, url: str) -> str:
    """The top 15 functions by cumulative time over 10 loads, leaving out the chain every
    request passes through (the client, the handler, middleware, the view's decorators: each
    holds 90% of the time or more)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(cumulative for _calls, _primitive, _tot, cumulative, _callers in stats.values())
    rows = sorted(((cumulative, calls, tottime, key) for key, (_primitive, calls, tottime,
                   cumulative, _callers) in stats.items() if cumulative < 0.9 * total),
                  reverse=True)[:15]
    lines = [f"{'cumulative s':>12}{'calls':>9}{'own s':>8}  function"]
    for cumulative, calls, tottime, (filename, line, name) in rows:
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        lines.append(f"{cumulative:>12.3f}{calls:>9}{tottime:>8.3f}  {short}:{line}({name})")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    # Not setup_test_environment(): its template instrumentation (a signal and a copy of the
    # context for every template rendered, kept by the test client) is no cost of the page.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows, profiles = [], []
    try:
        started = time.perf_counter()
        seed_grids()
        seed_registry()
        bench_tickets.Seeder().top_up(args.tickets)
        print(f"{args.tickets:,} tickets seeded in {time.perf_counter() - started:.0f} s",
              flush=True)
        for who, username in USERS.items():
            client = Client()
            client.force_login(User.objects.get(username=username))
            for page, url in PAGES.items():
                result = measure(client, url, args.repeat)
                rows.append((who, page, result))
                if result is not None and not args.no_profile:
                    profiles.append((who, page, profile(client, url)))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"database: {connection.vendor}, {args.tickets:,} tickets")
    print(f"\n{'user':<14}{'page':<13}{'page p50 ms':>12}{'queries':>9}{'raw p50 ms':>12}"
          f"{'ratio':>8}  verdict")
    worst = 0.0
    for who, page, result in rows:
        if result is None:
            print(f"{who:<14}{page:<13}{'(no access)':>12}")
            continue
        worst = max(worst, result["ratio"])
        verdict = "OK" if result["ratio"] <= TARGET else "OVER"
        print(f"{who:<14}{page:<13}{result['page']:>12.1f}{result['queries']:>9}"
              f"{result['raw']:>12.1f}{result['ratio']:>8.1f}  {verdict}")
    for who, page, text in profiles:
        print(f"\n--- {who}, {page}: cProfile of 10 loads, top 15 by cumulative time\n{text}")
    print(f"\nworst ratio page / raw replay: {worst:.1f} (target <= {TARGET:g}): "
          f"{'OK' if worst <= TARGET else 'OVER TARGET'}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
