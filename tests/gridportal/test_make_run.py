"""`make run`'s process set under supervisord (supervisord.dev.conf), started for real on the
embedded defaults: a worker killed with kill -9 is started again while web keeps answering, and
Ctrl-C (SIGINT to supervisord) stops every process."""

import os
import re
import signal
import subprocess

import pytest

from tests.processes import (
    BIN,
    ROOT,
    alive,
    free_port,
    portal_env,
    processes_of,
    supervisor_status,
    wait_for,
    web_answers,
)

PROGRAMS = {"web", "worker", "deadlines", "beat"}


def test_make_run_starts_supervisord_with_the_four_processes():
    makefile = (ROOT / "Makefile").read_text()
    assert "supervisord -n -c supervisord.dev.conf" in makefile
    conf = (ROOT / "supervisord.dev.conf").read_text()
    assert set(re.findall(r"^\[program:(\w+)\]", conf, re.M)) == PROGRAMS
    assert "-Q celery,callbacks -n worker@" in conf and "-Q deadlines -n deadlines@" in conf
    assert conf.count("autorestart=true") == len(PROGRAMS)


def all_running(env):
    now = supervisor_status(env)
    return now if set(now) == PROGRAMS and all(s == "RUNNING" for s, _ in now.values()) else None


@pytest.fixture
def runner(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    port = free_port()
    env = portal_env(var_dir, port)
    log = (tmp_path / "supervisord.log").open("w")
    proc = subprocess.Popen([BIN / "supervisord", "-n", "-c", ROOT / "supervisord.dev.conf"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    yield proc, env, port, var_dir
    if proc.poll() is None:  # the test failed half-way: leave nothing running
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for pid in processes_of(var_dir):
        os.kill(pid, signal.SIGKILL)
    log.close()


def test_a_killed_worker_is_restarted_and_ctrl_c_stops_everything(runner):
    proc, env, port, var_dir = runner
    first = wait_for("the four processes to run", lambda: all_running(env))
    wait_for("web to answer", lambda: web_answers(port))
    worker_pid = first["worker"][1]

    os.kill(worker_pid, signal.SIGKILL)
    wait_for("the killed worker to be gone", lambda: not alive(worker_pid))
    second = wait_for("a new worker", lambda: (now := all_running(env))
                      and now["worker"][1] != worker_pid and now)
    # The others kept serving: same processes, and web still answers.
    assert {name: pid for name, (_, pid) in second.items() if name != "worker"} == {
        name: pid for name, (_, pid) in first.items() if name != "worker"}
    assert web_answers(port)

    started = {pid for _, pid in first.values()} | {pid for _, pid in second.values()}
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert [pid for pid in started if alive(pid)] == []
    assert processes_of(var_dir) == []
    assert not web_answers(port)
