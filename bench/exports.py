"""Registry exports at scale: 100,000 rows as xlsx and csv, in constant memory.

Builds its own throw-away test database, a community of grids and a center-staff member holding
the export permissions (with full ID numbers, so that every row is also decrypted and its reveal
logged: the heaviest export there is), and imports generated residents with the same generator
as `bench/import_residents.py`: first 10,000, then (the registry emptied) 100,000.

For each size and format it downloads `/residents/export/` through the real view (the test
client, the whole file read and thrown away block by block) and reports:
- rows/s (a run without tracemalloc, which slows Python down);
- the peak of Python allocations during the export (tracemalloc, a second run);
- the peak resident set size of the process during the export over its size before (VmHWM
  reset through /proc/self/clear_refs, where Linux allows it), for reference;
- the file's size and the number of SQL queries.

Target (constant memory): for each format, the tracemalloc peak at 100k rows is at most 1.5x
that at 10k. The exit code is 1 when a format is over target. The queries are expected to be
the same at both sizes except the reveal log's inserts (one per chunk of rows).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_bench .venv/bin/python bench/exports.py
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.import_residents import (  # noqa: E402
    build_community,
    empty_registry,
    run_import,
    write_csv,
)
from residents.models import IdRevealLog, Resident  # noqa: E402

FORMATS = ("xlsx", "csv")
TARGET = 1.5


def vm_status(field: str) -> float | None:
    """A VmRSS / VmHWM line of /proc/self/status, in MiB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def download(client: Client, fmt: str) -> int:
    response = client.get("/residents/export/", {"format": fmt})
    assert response.status_code == 200, response.status_code
    size = 0
    for block in response.streaming_content:
        size += len(block)
    response.close()
    return size


def measure(client: Client, fmt: str, rows: int) -> dict:
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        size = download(client, fmt)
        elapsed = time.perf_counter() - start
    IdRevealLog.objects.all().delete()
    rss_before = vm_status("VmRSS")
    rss_reset = reset_peak_rss()
    tracemalloc.start()
    download(client, fmt)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_peak = vm_status("VmHWM") if rss_reset else None
    IdRevealLog.objects.all().delete()
    return {"rows/s": rows / elapsed, "seconds": elapsed, "peak": peak / 2**20,
            "rss": None if rss_peak is None or rss_before is None else rss_peak - rss_before,
            "bytes": size, "queries": len(queries)}


def exporter():
    staff = build_community()
    for codename in ("export_residents", "reveal_id_number"):
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(staff)
    return staff, client


def run(sizes: tuple[int, ...]) -> dict:
    staff, client = exporter()
    folder = Path(tempfile.mkdtemp(prefix="gridportal-bench-"))
    results: dict = {}
    try:
        for rows in sizes:
            empty_registry()
            path = folder / f"{rows}.csv"
            write_csv(path, rows)
            report = run_import(staff, path)
            path.unlink()
            assert report.ok, report.errors[:5]
            assert Resident.objects.count() == rows
            for fmt in FORMATS:
                results[fmt, rows] = measure(client, fmt, rows)
    finally:
        folder.rmdir()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridportal")
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = run((args.small, args.rows))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"database: {connection.vendor}; registry export with full ID numbers (decrypted, "
          f"each reveal logged)")
    over = False
    for fmt in FORMATS:
        for rows in (args.small, args.rows):
            r = results[fmt, rows]
            rss = "n/a" if r["rss"] is None else f"{r['rss']:.1f} MiB"
            print(f"{fmt:4} {rows:>8,} rows: {r['seconds']:7.2f} s {r['rows/s']:>8,.0f} rows/s"
                  f"   peak traced {r['peak']:6.1f} MiB   peak RSS over start {rss}"
                  f"   {r['bytes'] / 2**20:6.1f} MiB file   {r['queries']} queries")
        ratio = results[fmt, args.rows]["peak"] / results[fmt, args.small]["peak"]
        print(f"{fmt:4} peak at {args.rows:,} / peak at {args.small:,}: {ratio:.2f}"
              f"   (target <= {TARGET})")
        over = over or ratio > TARGET
    print("OVER TARGET" if over else "OK")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
