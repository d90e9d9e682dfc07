"""A real PostgreSQL primary and a real streaming replica, made inside the test (initdb,
pg_basebackup -R) on spare ports: the portal, run against them in a process of its own, sends
lag-tolerant reads to the replica and a user's reads right after their own write to the primary.

The replica's replay is paused while one worker accepts a ticket: the worker's own dashboard
figures count it at once (pinned to the primary), a colleague's do not yet (the paused replica),
the colleague's ticket list does (the primary); once replay resumes, the colleague's figures
count it too.
"""

import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REQUIRED
from tests.processes import ROOT, free_port, wait_for

pytestmark = pytest.mark.postgres

TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "psql")
FALLBACK_DIRS = ("/usr/local/bin", "/usr/bin", *sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                                          reverse=True))


def find_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in FALLBACK_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@pytest.fixture(scope="module")
def tools() -> dict[str, str]:
    found = {name: find_tool(name) for name in TOOLS}
    missing = sorted(name for name, path in found.items() if path is None)
    reason = None
    if missing:
        reason = f"needs the PostgreSQL server programs: {', '.join(missing)} not found"
    elif os.geteuid() == 0 and not _has_account("postgres"):
        reason = "PostgreSQL will not run as root, and there is no `postgres` account to use"
    if reason:
        if "postgres" in REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    return found  # type: ignore[return-value]


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class Cluster:
    """PostgreSQL servers under one temporary folder. PostgreSQL refuses to run as root: as
    root, every server program runs as the `postgres` account, which owns the folder."""

    def __init__(self, tools: dict[str, str]):
        self.tools = tools
        self.base = Path(tempfile.mkdtemp(prefix="gridportal-replica-"))
        self.user = None
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.base, account.pw_uid, account.pw_gid)
            self.user = "postgres"
        self.started: list[Path] = []

    def run(self, tool: str, *args: str) -> str:
        result = subprocess.run([self.tools[tool], *args], capture_output=True, text=True,
                                user=self.user, cwd=self.base, check=False, timeout=120)
        assert result.returncode == 0, f"{tool} {' '.join(args)}:\n{result.stderr}"
        return result.stdout

    def sql(self, port: int, query: str, database: str = "postgres") -> str:
        return self.run("psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d",
                        database, "-XAtc", query).strip()

    def configure(self, data: Path, port: int) -> None:
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.base}'\nfsync = off\n"
                       "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                       "shared_buffers = 32MB\n")

    def start(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-l", str(self.base / f"{data.name}.log"), "-w",
                 "-t", "60", "start")
        self.started.append(data)

    def primary(self, port: int) -> Path:
        data = self.base / "primary"
        # --auth=trust also lets replication connections from 127.0.0.1 in (pg_hba.conf).
        self.run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")
        self.configure(data, port)
        self.start(data)
        return data

    def replica(self, primary_port: int, port: int) -> Path:
        data = self.base / "replica"
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres",
                 "-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {port}\n")
        self.start(data)
        return data

    def stop_and_remove(self) -> None:
        for data in reversed(self.started):
            subprocess.run([self.tools["pg_ctl"], "-D", str(data), "-m", "immediate", "-w",
                            "stop"], capture_output=True, user=self.user, cwd=self.base,
                           check=False, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def portal(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_a_worker_reads_their_own_step_at_once_and_a_colleague_once_the_replica_replays(
        tools, tmp_path):
    cluster = Cluster(tools)
    primary_port, replica_port = free_port(), free_port()
    try:
        cluster.primary(primary_port)
        cluster.sql(primary_port, "CREATE DATABASE gridportal")
        cluster.replica(primary_port, replica_port)
        wait_for("the replica to stream from the primary", lambda: cluster.sql(
            primary_port, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
        ) == "1", seconds=30)
        assert cluster.sql(replica_port, "SELECT pg_is_in_recovery()") == "t"

        env = {key: value for key, value in os.environ.items()
               if key not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
        env.update(
            DJANGO_SETTINGS_MODULE="gridportal.settings", VAR_DIR=str(tmp_path),
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{primary_port}/gridportal",
            DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{replica_port}/gridportal",
            ALLOWED_HOSTS="testserver", HTTPS="0", DEBUG="0", DEMO_MODE="0",
            CELERY_TASK_ALWAYS_EAGER="1", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
        portal(env, "manage.py", "migrate", "--noinput", "-v", "0")
        seen = json.loads(portal(env, "-m", "tests.gridportal.replica_driver").splitlines()[-1])
    finally:
        cluster.stop_and_remove()

    assert seen["before"] == 0
    assert seen["step_status"] == 302
    assert seen["worker_pinned"] is True
    # The replica really is behind: the step is not there yet.
    assert seen["replica_status_while_paused"] == "new"
    # (1) The worker's own figures count their step at once: read from the primary.
    assert seen["worker_stats"] == 1
    # (2) A colleague's figures come from the paused replica: not yet.
    assert seen["colleague_stats_while_paused"] == 0
    # (3) The colleague's ticket list is not lag-tolerant: the primary, accepted already.
    assert seen["colleague_list_status"] == "accepted"
    # (4) Once the replica has replayed, the colleague's figures count it too.
    assert seen["colleague_stats_after_resume"] == 1
