"""A task is not lost when its worker is killed with kill -9 mid-task on the embedded broker:
a real Celery worker (gridportal.settings, no Redis) takes a task that waits, is killed, and the
next worker runs it to completion, once."""

import os
import signal
import subprocess
import sys

import pytest

from tests.processes import BIN, ROOT, alive, portal_env, wait_for

SEND = ("from gridportal.celery import app; "
        "app.send_task('tests.gridportal.broker_tasks.hold', args=[{folder!r}], queue='celery')")


def start_worker(env, name: str, log) -> subprocess.Popen:
    return subprocess.Popen(
        [BIN / "celery", "-A", "gridportal", "worker", "-Q", "celery", "-n", f"{name}@%h",
         "--pool=solo", "-I", "tests.gridportal.broker_tasks", "--loglevel=INFO",
         "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def lines(path) -> list[str]:
    return path.read_text().split("\n")[:-1] if path.exists() else []


@pytest.fixture
def workers():
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_task_held_by_a_killed_worker_runs_to_completion_once(tmp_path, workers):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    env = portal_env(var_dir)
    task_log = tmp_path / "log"
    worker_log = (tmp_path / "worker.log").open("w")

    subprocess.run([sys.executable, "-c", SEND.format(folder=str(tmp_path))], cwd=ROOT, env=env,
                   check=True)
    first = start_worker(env, "first", worker_log)
    workers.append(first)
    wait_for("the first worker to start the task", lambda: lines(task_log))
    os.kill(first.pid, signal.SIGKILL)
    wait_for("the first worker to die", lambda: first.poll() is not None)
    assert lines(task_log) == [f"started {first.pid}"]
    # The task is on disk, held by the dead worker: not in the queue, not lost.
    held = list((var_dir / "broker" / "unacked").rglob("*.msg"))
    assert len(held) == 1
    assert list((var_dir / "broker" / "queue").glob("*.msg")) == []

    second = start_worker(env, "second", worker_log)
    workers.append(second)
    wait_for("the second worker to take the task again", lambda: len(lines(task_log)) == 2)
    (tmp_path / "go").touch()
    wait_for("the task to complete", lambda: len(lines(task_log)) == 3)
    second.send_signal(signal.SIGTERM)  # warm shutdown: anything else held would be put back
    assert second.wait(timeout=60) == 0
    worker_log.close()

    assert lines(task_log) == [f"started {first.pid}", f"started {second.pid}",
                               f"done {second.pid}"]
    broker_files = list((var_dir / "broker").rglob("*.msg"))
    assert broker_files == []  # acked, and never queued a second time
    assert not alive(first.pid)
