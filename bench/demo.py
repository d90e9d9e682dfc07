"""The demo loads quickly: seeding it is part of `make run` on a fresh machine.

Times each step of `manage.py seed_demo` on an empty test database (SQLite unless DATABASE_URL
says otherwise) and prints each against its target: the ticket year within 20 s, the committees'
year within 10 s (targets measured on a 2-core machine; they were timed assertions in the tests,
which failed a fresh clone on a busy machine, so they are judged here instead).

    .venv/bin/python bench/demo.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from committees.demo import seed_committees  # noqa: E402
from grids.demo import seed_grids  # noqa: E402
from residents.demo import seed_registry  # noqa: E402
from tickets.demo import seed_tickets  # noqa: E402

STEPS = [("grid tree", seed_grids, None), ("registry", seed_registry, None),
         ("tickets (a year)", seed_tickets, 20.0), ("committees (a year)", seed_committees, 10.0)]


def main() -> int:
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    failed = False
    try:
        print(f"database: {connection.vendor}")
        print(f"{'step':<24}{'seconds':>10}{'target':>10}  verdict")
        for label, step, target in STEPS:
            started = time.perf_counter()
            step()
            seconds = time.perf_counter() - started
            verdict = "-" if target is None else ("OK" if seconds <= target else "OVER TARGET")
            failed |= verdict == "OVER TARGET"
            shown = "" if target is None else f"{target:.0f}"
            print(f"{label:<24}{seconds:>10.1f}{shown:>10}  {verdict}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
