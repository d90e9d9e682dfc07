"""Helpers for tests that start the portal's real processes (supervisord, Celery workers) on the
embedded defaults: SQLite and the file broker in a temporary VAR_DIR."""

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
SUPERVISOR_CONF = ROOT / "supervisord.dev.conf"
POLL = 0.2  # seconds between two looks at a process


def portal_env(var_dir: Path, port: int = 0) -> dict[str, str]:
    """The environment of `make run` with its state in `var_dir`: gridportal.settings, no Redis,
    no PostgreSQL."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL")}
    env.update(VAR_DIR=str(var_dir), GRIDPORTAL_PORT=str(port), DEBUG="1", DEMO_MODE="1",
               PYTHONUNBUFFERED="1")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], object], seconds: float = 90) -> object:
    """Poll `check` every 0.2 s until it returns something true; fail naming `what` after
    about `seconds` of polls (a bound on a hang, counted in polls: nothing here is timed)."""
    for _ in range(int(seconds / POLL)):
        result = check()
        if result:
            return result
        time.sleep(POLL)
    raise AssertionError(f"gave up waiting for {what}")


def alive(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def processes_of(var_dir: Path) -> list[int]:
    """Every live process whose environment names `var_dir`: what a run started, at any depth."""
    marker = f"VAR_DIR={var_dir}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0") and alive(int(entry)):
            found.append(int(entry))
    return found


def supervisor_status(env: dict[str, str]) -> dict[str, tuple[str, int]]:
    """`supervisorctl status` of `make run`'s process set: each program's state and pid."""
    out = subprocess.run([BIN / "supervisorctl", "-c", SUPERVISOR_CONF, "status"], env=env,
                         capture_output=True, text=True, check=False).stdout
    found = {}
    for line in out.splitlines():
        match = re.match(r"(\w+)\s+(\w+)\s+(?:pid (\d+))?", line)
        if match:
            found[match[1]] = (match[2], int(match[3] or 0))
    return found


def web_answers(port: int) -> bool:
    """Whether the portal's health check answers 200 on `port`."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=10) as r:
            return r.status == 200
    except OSError:
        return False


def database_url() -> str:
    """The URL of the database this process is connected to (the test database, during a test),
    for a worker process started beside it."""
    from django.db import connection

    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")
