"""Admin changelists answer quickly on the demo community.

Seeds the demo community (`seed_demo`) into a throw-away test database (SQLite unless
DATABASE_URL says otherwise), then opens every admin changelist as a superuser: the median of 3
loads in milliseconds, the queries and the rows, each against the target of 1 s a page. (That the
queries do not grow with the rows is a test: tests/gridportal/test_admin_queries.py.)

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridportal .venv/bin/python bench/admin_lists.py
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

TARGET_MS = 1000
LOADS = 3


def measure(client, url: str) -> tuple[float, int]:
    client.get(url)  # warm: templates, the session, the permission cache
    times = []
    for _ in range(LOADS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
    return statistics.median(times), len(queries)


def main() -> int:
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    failed = False
    try:
        call_command("seed_demo", stdout=io.StringIO())
        user = get_user_model().objects.create_superuser("bench-admin", password=None)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        print(f"database: {connection.vendor}; target {TARGET_MS} ms a page (median of {LOADS})")
        print(f"{'changelist':<30}{'rows':>8}{'queries':>9}{'ms':>8}  verdict")
        for model in sorted(admin.site._registry, key=lambda model: model._meta.label):
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            milliseconds, queries = measure(client, url)
            verdict = "OK" if milliseconds <= TARGET_MS else "OVER TARGET"
            failed |= verdict == "OVER TARGET"
            rows = model._base_manager.count()
            print(f"{opts.label:<30}{rows:>8}{queries:>9}{milliseconds:>8.0f}  {verdict}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print("verdict:", "OVER TARGET" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
