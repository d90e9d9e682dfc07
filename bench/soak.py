"""`make run` holds up: the real process set under supervisord on the embedded defaults (SQLite,
the file broker), with ticket events, due reminders and a worker killed with kill -9 every few
minutes.

In a temporary VAR_DIR it migrates, builds a small community (tests/conftest.py's) whose routine
tickets warn at half their accept window, starts supervisord.dev.conf, and for `--minutes`:
creates a ticket every `--ticket-every` seconds (its "created" notice goes through the celery
queue) whose accept deadline is `--window` seconds away, so the minute sweep records its
reminders (early warning, overdue) and queues their deliveries on the deadlines queue while it
runs; every `--kill-every` seconds kills the worker or the deadlines worker (in turn) with
SIGKILL; and checks that web answers. Tickets stop early enough for their last reminder to be
due before the end, and the run waits for the last due reminder plus two sweeps before judging.

It prints, against their targets:
- crashes: processes that exited other than by the deliberate kills (target 0);
- reminders lost: a sweep recorded due reminders of a ticket, and nobody got a notice (0);
- reminders duplicated: a person told twice for the same sweep's reminders of a ticket (0);
- worst delay between a reminder's due moment and its notice (target <= 150 s: the sweep runs
  once a minute, and a killed worker takes some seconds to be back);
- web checks that failed (0).

    .venv/bin/python bench/soak.py [--minutes 30] [--kill-every 180]
"""

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.processes import (  # noqa: E402
    BIN,
    alive,
    free_port,
    portal_env,
    supervisor_status,
    wait_for,
    web_answers,
)

CONF = ROOT / "supervisord.dev.conf"
PROGRAMS = ("web", "worker", "deadlines", "beat")
DELAY_TARGET = 150


def wait(what: str, check, seconds: float = 120):
    try:
        return wait_for(what, check, seconds)
    except AssertionError as exc:
        raise SystemExit(f"soak: {exc}") from None


def prepare(window: int):
    """Migrate the temporary database and build the community; return the grid to report in."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.conftest import Community
    from tickets.models import SLAPolicy, Whistle

    community = Community()
    SLAPolicy.objects.update_or_create(whistle=Whistle.ROUTINE, node_kind="grid5", defaults={
        "accept_hours": 1, "contact_hours": 2, "resolve_amount": 8, "resolve_unit": "hours",
        "warn_percent": 50, "grace_hours": 1000})
    return community


def new_ticket(community, window: int, n: int) -> None:
    """A routine ticket whose accept deadline is `window` seconds away (warned at half way)."""
    from django.utils import timezone

    from tests.tickets.factories import make_ticket
    from tickets.models import Ticket

    ticket = make_ticket(node=community.g5a, title=f"soak {n}")
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        stage_started_at=now, accept_due_at=now + dt.timedelta(seconds=window),
        next_check_at=now + dt.timedelta(seconds=window / 2))


def judge_reminders() -> dict:
    """Group each ticket's reminders by the sweep that recorded them; each group owes a notice."""
    from tickets.models import Notification, Reminder, Ticket

    lost = duplicated = groups = 0
    worst = 0.0
    for ticket in Ticket.objects.filter(title__startswith="soak "):
        reminders = list(Reminder.objects.filter(ticket=ticket).order_by("created_at"))
        sweeps: list[list] = []
        for reminder in reminders:
            if sweeps and (reminder.created_at - sweeps[-1][-1].created_at).total_seconds() < 20:
                sweeps[-1].append(reminder)
            else:
                sweeps.append([reminder])
        for group in sweeps:
            groups += 1
            notices = list(Notification.objects.filter(
                user__isnull=False,
                key__regex=r"^reminder:(" + "|".join(str(r.pk) for r in group) + "):"))
            if not notices:
                lost += 1
                continue
            users = [n.user_id for n in notices]
            duplicated += len(users) - len(set(users))
            half = ticket.stage_started_at + (ticket.accept_due_at - ticket.stage_started_at) / 2
            due = max(ticket.accept_due_at if r.kind == "overdue" else half for r in group)
            worst = max(worst, (min(n.created_at for n in notices) - due).total_seconds())
    return {"tickets": Ticket.objects.filter(title__startswith="soak ").count(),
            "groups": groups, "lost": lost, "duplicated": duplicated, "worst_delay": worst,
            "notices": Notification.objects.filter(key__startswith="event:").count()}


def crashes(log: str, kills: dict[str, int]) -> dict[str, int]:
    exits: dict[str, int] = {}
    for name in re.findall(r"(?:exited|gave up): (\w+)", log):
        exits[name] = exits.get(name, 0) + 1
    return {name: exits.get(name, 0) - kills.get(name, 0) for name in PROGRAMS
            if exits.get(name, 0) != kills.get(name, 0)}


def main() -> int:  # noqa: C901 (one story, told in order)
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--kill-every", type=float, default=None,
                        help="seconds between kills (default 180; 45 for runs under 15 min)")
    parser.add_argument("--ticket-every", type=float, default=None,
                        help="seconds between tickets (default 10; 5 for runs under 15 min)")
    parser.add_argument("--window", type=int, default=None,
                        help="seconds from a ticket to its accept deadline (default 240; "
                             "30 for runs under 15 min)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    short = args.minutes < 15
    kill_every = args.kill_every or (45 if short else 180)
    window = args.window or (30 if short else 240)
    ticket_every = args.ticket_every or (5 if short else 10)
    settle = 80  # from the last reminder's due moment: the next sweep, a restart, the delivery

    tmp = Path(tempfile.mkdtemp(prefix="gridportal-soak-"))
    var_dir = tmp / "var"
    var_dir.mkdir()
    port = free_port()
    env = portal_env(var_dir, port)
    os.environ.update(env, DJANGO_SETTINGS_MODULE="gridportal.settings")
    community = prepare(window)

    log_path = tmp / "supervisord.log"
    log_file = log_path.open("w")
    proc = subprocess.Popen([BIN / "supervisord", "-n", "-c", CONF], cwd=ROOT, env=env,
                            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    kills: dict[str, int] = {}
    web_failures = checks = tickets = 0
    try:
        wait("the four processes", lambda: all(
            supervisor_status(env).get(p, ("", 0))[0] == "RUNNING" for p in PROGRAMS))
        wait("web", lambda: web_answers(port))
        wait("both workers", lambda: log_path.read_text().count(" ready.") >= 2)
        print(f"soak: {args.minutes:g} min in {tmp}, a ticket every {ticket_every:g} s "
              f"(deadline {window} s away), a worker killed every {kill_every:g} s")
        started = time.monotonic()
        end = started + args.minutes * 60
        last_ticket_at = end - window - settle
        next_ticket, next_kill, victim = started, started + kill_every, 0
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_ticket and now < last_ticket_at:
                tickets += 1
                new_ticket(community, window, tickets)
                next_ticket += ticket_every
            if now >= next_kill:
                name = ("worker", "deadlines")[victim % 2]
                victim += 1
                state, pid = supervisor_status(env).get(name, ("", 0))
                if state == "RUNNING" and alive(pid):
                    os.kill(pid, signal.SIGKILL)
                    kills[name] = kills.get(name, 0) + 1
                    print(f"soak: {time.monotonic() - started:6.0f} s  kill -9 {name} ({pid})")
                next_kill += kill_every
            checks += 1
            web_failures += not web_answers(port)
            time.sleep(1)
        if tickets == 0:
            print("soak: the run was too short for any ticket's reminders to fall due in it")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            print("soak: supervisord did not stop within 60 s after SIGINT")
        log_file.close()

    found = judge_reminders()
    crashed = crashes(log_path.read_text(), kills)
    rows = [
        ("crashes (exits other than the kills)", sum(crashed.values()), "0",
         sum(crashed.values()) == 0),
        ("reminders lost", found["lost"], "0", found["lost"] == 0),
        ("reminders duplicated", found["duplicated"], "0", found["duplicated"] == 0),
        ("worst reminder delay (s)", f"{found['worst_delay']:.0f}", f"<= {DELAY_TARGET}",
         found["worst_delay"] <= DELAY_TARGET),
        ("web checks failed", f"{web_failures} of {checks}", "0", web_failures == 0),
    ]
    print(f"tickets {found['tickets']}, event notices {found['notices']}, reminder groups due "
          f"{found['groups']}, kills {sum(kills.values())} {kills}")
    if crashed:
        print(f"unexpected exits: {crashed}")
    failed = False
    for label, value, target, ok in rows:
        failed |= not ok
        print(f"{label:<40}{value!s:>12}{target:>10}  {'OK' if ok else 'FAILS'}")
    if args.keep or failed:
        print(f"soak: logs and state kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
