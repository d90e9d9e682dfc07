"""The closed-loop load test of bench/district.py: gunicorn on the bench's test database, driven
by locust (bench/locustfile.py) in a process of its own.

gunicorn runs the production settings (`gridportal.settings`, DEBUG off; its state in a
temporary VAR_DIR; the static files collected and compressed into var/bench-static/, kept for
the next run) with the bench's SECRET_KEY and PII keys, so the
sessions the bench makes are valid there and the registry reads as the bench wrote it. It gets
no REDIS_URL: the cache is each worker's memory and nothing is shared with other work on the
Redis server (the pages measured enqueue nothing). HTTPS is off, as in docker-compose.yml's
default, since nothing terminates TLS in front of it.
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.processes import database_url, free_port

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
# The collected static files, kept between runs (var/ is the portal's runtime state, not in git).
STATIC_CACHE = Path(settings.VAR_DIR) / "bench-static"
SPAWN_RATE = 10  # users started a second; the stats are reset once all of them run
STARTUP_SECONDS = 120


@dataclass
class LoadResult:
    requests: int
    per_second: float
    p50: float
    p95: float
    failures: int
    errors: list[str]
    by_account: dict[str, int]  # requests made as each of the bench's users


def _number(text: str) -> float:
    """A figure of locust's CSV ("N/A" when no request finished)."""
    return float(text) if text not in ("", "N/A") else 0.0


def session_cookie(user) -> str:
    """A session for `user` made on the server (as the bench's test client logs in)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class LoadTest:
    """`users` locust users for `seconds` against gunicorn with `workers` workers."""

    def __init__(self, *, seconds: int, users: int, workers: int, keep_csv: Path | None) -> None:
        self.seconds, self.users, self.workers = seconds, users, workers
        self.keep_csv = keep_csv
        self.var_dir = Path(tempfile.mkdtemp(prefix="gridportal-bench-load-"))
        self.env = self._environment()
        self.static_ready = False

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if key not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_REPLICA_URL")
               and not key.startswith("LOCUST_")}
        env.update(
            DJANGO_SETTINGS_MODULE="gridportal.settings", DATABASE_URL=database_url(),
            VAR_DIR=str(self.var_dir), STATIC_ROOT=str(STATIC_CACHE),
            SECRET_KEY=settings.SECRET_KEY, PII_HASH_KEY=settings.PII_HASH_KEY,
            PII_ENCRYPTION_KEYS=",".join(settings.PII_ENCRYPTION_KEYS),
            DEBUG="0", DEMO_MODE="0", HTTPS="0", ALLOWED_HOSTS="127.0.0.1",
            LOG_LEVEL="WARNING", EMAIL_URL="consolemail://", PYTHONUNBUFFERED="1")
        return env

    def _collect_static(self) -> None:
        """The production static storage (hashed, compressed names) needs collectstatic, which
        takes minutes here (brotli): its result is kept in STATIC_CACHE for the next runs, made
        again when a file under static/ or the locked requirements are newer."""
        if self.static_ready:
            return
        manifest = STATIC_CACHE / "staticfiles.json"
        sources = [ROOT / "requirements" / "base.txt",
                   *(path for folder in settings.STATICFILES_DIRS
                     for path in Path(folder).rglob("*") if path.is_file())]
        newest = max(path.stat().st_mtime for path in sources)
        if not manifest.exists() or manifest.stat().st_mtime < newest:
            started = time.perf_counter()
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput",
                            "--clear", "-v", "0"], cwd=ROOT, env=self.env, check=True)
            print(f"  load test: static files collected in {STATIC_CACHE} in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        self.static_ready = True

    def _start_gunicorn(self, port: int) -> subprocess.Popen:
        log = (self.var_dir / "gunicorn.log").open("ab")
        command = [sys.executable, "-m", "gunicorn", "gridportal.wsgi:application",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                   "--timeout", "120"]
        server = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({server.returncode}): {self._tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=5):
                    return server
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        self._stop(server)
        raise RuntimeError(f"gunicorn did not answer in {STARTUP_SECONDS} s: {self._tail()}")

    def _tail(self, name: str = "gunicorn.log") -> str:
        path = self.var_dir / name
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    @staticmethod
    def _stop(server: subprocess.Popen) -> None:
        """Stops gunicorn and waits, so its database connections are gone before the bench
        writes again or drops the database."""
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    def run(self, size: int, plan: dict) -> LoadResult:
        """One load test: `plan` is bench/locustfile.py's (cookie name, sessions, pages)."""
        self._collect_static()
        plan_path = self.var_dir / "plan.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        csv_dir = self.keep_csv or self.var_dir
        csv_dir.mkdir(parents=True, exist_ok=True)
        prefix = csv_dir / f"district-load-{size}"
        port = free_port()
        server = self._start_gunicorn(port)
        try:
            command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                       "-u", str(self.users), "-r", str(SPAWN_RATE), "-t", f"{self.seconds}s",
                       "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
                       "--reset-stats", "--only-summary", "--stop-timeout", "0",
                       "--loglevel", "WARNING"]
            with (self.var_dir / "locust.log").open("ab") as log:
                subprocess.run(command, cwd=ROOT, check=False, stdout=log,
                               stderr=subprocess.STDOUT,
                               env={**self.env, "GRIDPORTAL_LOAD_PLAN": str(plan_path)})
        finally:
            self._stop(server)
        return self._read(prefix)

    def _read(self, prefix: Path) -> LoadResult:
        stats_path = Path(f"{prefix}_stats.csv")
        if not stats_path.exists():
            raise RuntimeError(f"locust wrote no statistics: {self._tail('locust.log')}")
        with stats_path.open(encoding="utf-8") as stats_file:
            rows = list(csv.DictReader(stats_file))
        total = next(row for row in rows if row["Name"] == "Aggregated")
        by_account: dict[str, int] = {}
        for row in rows:
            if row["Name"] != "Aggregated":
                account = row["Name"].split(": ", 1)[0]
                by_account[account] = by_account.get(account, 0) + int(row["Request Count"])
        with Path(f"{prefix}_failures.csv").open(encoding="utf-8") as failures_file:
            errors = [f"{row['Name']}: {row['Error']} x{row['Occurrences']}"
                      for row in csv.DictReader(failures_file)]
        return LoadResult(requests=int(total["Request Count"]),
                          per_second=_number(total["Requests/s"]), p50=_number(total["50%"]),
                          p95=_number(total["95%"]), failures=int(total["Failure Count"]),
                          errors=errors, by_account=by_account)

    def close(self) -> None:
        shutil.rmtree(self.var_dir, ignore_errors=True)
