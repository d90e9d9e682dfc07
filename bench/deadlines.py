"""A due reminder is not kept waiting behind a flood of notices.

The production shape (docker-compose.yml) on the real servers: PostgreSQL, Redis, a worker for
the notice queue (`-Q celery`), a worker of its own for the deadline queue (`-Q deadlines`) and
beat sending the minute sweep. The bench queues 5,000 ticket notices (each a real delivery to the
owning grid's people), with a ticket whose accept deadline falls 45 seconds later, and measures
how long after that deadline its overdue reminder reaches the worker's inbox.

Target: within 2 minutes of the due time (the sweep runs once a minute). It also prints how many
of the notices were still queued at that moment: before the deadline queue, the reminder waited
behind all of them (3,292 queued tasks at about 175 a minute, some 20 minutes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridportal .venv/bin/python bench/deadlines.py

REDIS_URL (default redis://127.0.0.1:6379/14) names a Redis database the bench empties.
"""

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VAR = tempfile.mkdtemp(prefix="gridportal-bench-deadlines-")
REDIS_URL = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.update({"DJANGO_SETTINGS_MODULE": "gridportal.settings", "VAR_DIR": VAR,
                   "EMAIL_URL": "memorymail://", "CELERY_TASK_ALWAYS_EAGER": "0"})
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gridportal")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from grids.demo import seed_grids  # noqa: E402
from grids.models import Assignment, NodeKind, Role  # noqa: E402
from tests.processes import database_url  # noqa: E402
from tickets.models import (  # noqa: E402
    Category,
    Channel,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStage,
    TicketEvent,
)
from tickets.services import ticket_create  # noqa: E402
from tickets.sweep import schedule  # noqa: E402
from tickets.tasks import notify_task  # noqa: E402

TARGET_SECONDS = 120.0
DUE_IN = dt.timedelta(seconds=45)


def _processes(env: dict) -> dict[str, subprocess.Popen]:
    celery = [sys.executable, "-m", "celery", "-A", "gridportal"]
    commands = {
        "worker": celery + ["worker", "--loglevel=WARNING", "-Q", "celery", "-n", "celery@%h"],
        "worker-deadlines": celery + ["worker", "--loglevel=WARNING", "-Q", "deadlines",
                                      "-n", "deadlines@%h"],
        "beat": celery + ["beat", "--loglevel=WARNING",
                          "--schedule", str(Path(VAR) / "celerybeat-schedule")],
    }
    return {name: subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                   stdout=(Path(VAR) / f"{name}.log").open("wb"),
                                   stderr=subprocess.STDOUT)
            for name, command in commands.items()}


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def run(notices: int) -> int:
    seed_grids()
    assignment = (Assignment.objects.current()
                  .filter(role=Role.WORKER, node__kind=NodeKind.GRID5)
                  .select_related("node").first())
    node = assignment.node
    category = Category.objects.filter(route_to_role="", route_to_kind="", is_wish=False).first()
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()

    # The flood: ticket events each telling the grid's people (their own inbox rows).
    tickets = [ticket_create(actor=None, channel=Channel.HOTLINE, category=category,
                             title=f"楼道灯不亮 {n}", description="通知压力测试", node=node)
               for n in range(50)]
    broker.flushdb()  # the 50 creation notices are not part of the measured flood
    events = TicketEvent.objects.bulk_create(
        TicketEvent(ticket=tickets[n % len(tickets)], kind="created") for n in range(notices))
    started = time.perf_counter()
    for event in events:
        notify_task.delay(event.pk)
    print(f"queued {notices} notices in {time.perf_counter() - started:.1f} s "
          f"(queue 'celery': {broker.llen('celery')})")

    # The deadline: the accept window is nearly over and ends 45 seconds from now.
    due = ticket_create(actor=None, channel=Channel.HOTLINE, category=category,
                        title="限时受理", description="到期提醒", node=node)
    now = timezone.now()
    due.stage_started_at, due.accept_due_at = now - dt.timedelta(hours=4), now + DUE_IN
    schedule(due)  # the sweep reads tickets by their next moment
    due.save(update_fields=["stage_started_at", "accept_due_at", "next_check_at"])
    due_at = now + DUE_IN

    env = {**os.environ, "DATABASE_URL": database_url()}
    processes = _processes(env)
    delivered = None
    try:
        deadline = time.monotonic() + DUE_IN.total_seconds() + 600
        while time.monotonic() < deadline:
            crashed = [name for name, p in processes.items() if p.poll() is not None]
            if crashed:
                print(f"process(es) exited: {crashed}; logs in {VAR}")
                return 1
            overdue = Reminder.objects.filter(ticket=due, stage=ReminderStage.ACCEPT,
                                              kind=ReminderKind.OVERDUE).first()
            delivered = overdue and (Notification.objects
                                     .filter(key__startswith=f"reminder:{overdue.pk}:",
                                             user=assignment.user).first())
            if delivered is not None:
                break
            time.sleep(1)
        left = broker.llen("celery")
        told = Notification.objects.filter(key__startswith="event:").count()
    finally:
        _stop(processes)

    if delivered is None:
        print(f"the overdue reminder was not delivered within 10 minutes; logs in {VAR}")
        return 1
    delay = (delivered.created_at - due_at).total_seconds()
    verdict = "OK" if delay <= TARGET_SECONDS else "OVER TARGET"
    print(f"notices still queued when the reminder arrived: {left} of {notices} "
          f"({told} inbox rows written by then)")
    print(f"{'measure':<44}{'seconds':>10}{'target':>10}  verdict")
    print(f"{'overdue reminder after its due time':<44}{delay:>10.1f}{TARGET_SECONDS:>10.0f}"
          f"  {verdict}")
    return 0 if verdict == "OK" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=5000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("needs PostgreSQL: set DATABASE_URL=postgres://... (the workers share the database)")
        return 2
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        print(f"needs Redis at {REDIS_URL}: {exc}")
        return 2
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return run(args.notices)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    sys.exit(main())
