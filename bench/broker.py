"""Which embedded broker `make run` uses (no Redis): measured, not guessed.

For each candidate, in a fresh temporary folder:
- throughput: one process publishes N small messages, then one consumer takes and acks them all
  (messages per second each way);
- concurrency: two producer processes publish N/2 messages each while a consumer process takes
  them, `--rounds` times (the write/read race of kombu #1551 does not strike every round); lost,
  duplicated and consumer crashes are counted over all rounds;
- kill -9: K messages are queued; a consumer takes them one at a time (prefetch 1, ack after
  the work, as Celery's acks_late) and is killed with SIGKILL while it holds one; a second
  consumer then drains the queue. Lost = messages neither consumer finished.

Candidates: kombu's filesystem transport as it is, gridportal.broker (atomic writes, unacked
messages kept on disk), the same with fsync, and kombu's SQLAlchemy transport on an SQLite file
(when SQLAlchemy is installed). Targets for the one `make run` uses: 0 lost, 0 crashes in every
scenario, and at least 200 messages/s each way (a sweep a minute and a notice per ticket event
on a demo need a few a second).

    .venv/bin/python bench/broker.py [-n 2000] [-k 100] [--only NAME]
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kombu import Connection, Consumer, Exchange, Producer, Queue  # noqa: E402

QUEUE = "bench"
TARGET_RATE = 200


def _options(kind: str, folder: Path) -> dict:
    if kind == "sqla":
        return {"url": f"sqla+sqlite:///{folder / 'broker.sqlite3'}", "transport": None,
                "options": {}}
    for sub in ("queue", "control", "processed", "unacked"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    options = {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
               "control_folder": str(folder / "control"),
               "processed_folder": str(folder / "processed"), "store_processed": False,
               "unacked_folder": str(folder / "unacked"), "recover_interval": 0,
               "fsync": kind == "atomic+fsync"}
    transport = None if kind == "filesystem" else "gridportal.broker:Transport"
    return {"url": "filesystem://localhost/", "transport": transport, "options": options}


def connect(kind: str, folder: Path) -> Connection:
    # The filesystem transports remember bindings per process: each scenario has a new folder.
    from kombu.transport import filesystem

    from gridportal import broker

    if folder != getattr(connect, "folder", None):
        filesystem.Transport.global_state.clear()
        broker.Transport.global_state.clear()
        connect.folder = folder  # type: ignore[attr-defined]
    o = _options(kind, folder)
    return Connection(o["url"], transport=o["transport"], transport_options=o["options"])


def _queue() -> Queue:
    return Queue(QUEUE, Exchange(QUEUE, type="direct"), routing_key=QUEUE)


def publish(kind: str, folder: Path, ids) -> None:
    with connect(kind, folder) as conn:
        producer = Producer(conn.default_channel)
        queue = _queue()
        for i in ids:
            producer.publish({"id": i, "text": "x" * 100}, exchange=queue.exchange,
                             routing_key=QUEUE, declare=[queue], serializer="json")


def consume(kind: str, folder: Path, expected: int, log: Path | None = None,
            hold_at: int | None = None, idle: float = 5.0) -> list[int]:
    """Take messages until `expected` are done or the queue stays empty for `idle` seconds;
    write each finished id to `log`. With `hold_at`, stop working (without acking) at that
    message: the parent kills the process there."""
    done: list[int] = []
    out = log.open("a") if log else None

    def on_message(body, message):
        if hold_at is not None and len(done) == hold_at:
            if out:
                out.write("HOLDING\n")
                out.flush()
            time.sleep(3600)
        done.append(body["id"])
        if out:
            out.write(f"{body['id']}\n")
            out.flush()
        message.ack()

    with connect(kind, folder) as conn:
        consumer = Consumer(conn.default_channel, [_queue()], callbacks=[on_message],
                            accept=["json"])
        consumer.qos(prefetch_count=1)
        with consumer:
            last = time.monotonic()
            while len(done) < expected and time.monotonic() - last < idle:
                try:
                    conn.drain_events(timeout=0.2)
                    last = time.monotonic()
                except TimeoutError:
                    pass
    return done


def _self(*args: str) -> list[str]:
    return [sys.executable, __file__, *args]


def throughput(kind: str, n: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="bench-broker-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        publish(kind, folder, range(n))
        put = n / (time.perf_counter() - started)
        started = time.perf_counter()
        got = consume(kind, folder, n, idle=2.0)
        get = len(got) / (time.perf_counter() - started)
        assert len(got) == n, f"{kind}: consumed {len(got)} of {n}"
    return put, get


def concurrency(kind: str, n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-broker-") as tmp:
        folder = Path(tmp)
        log = folder / "done.log"
        publish(kind, folder, [])  # declares the queue and the exchange
        consumer = subprocess.Popen(_self("--role", "consume", kind, tmp, str(n), str(log)),
                                    stderr=subprocess.PIPE, text=True)
        half = n // 2
        producers = [subprocess.Popen(_self("--role", "publish", kind, tmp, str(start),
                                            str(start + half))) for start in (0, half)]
        for p in producers:
            p.wait()
        _, err = consumer.communicate(timeout=600)
        ids = [int(line) for line in log.read_text().split()] if log.exists() else []
        crashed = consumer.returncode != 0
        return {"lost": n - len(set(ids)), "duplicated": len(ids) - len(set(ids)),
                "crashed": crashed, "error": err.strip().splitlines()[-1] if crashed else ""}


def kill9(kind: str, k: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-broker-") as tmp:
        folder = Path(tmp)
        log = folder / "done.log"
        publish(kind, folder, range(k))
        first = subprocess.Popen(_self("--role", "consume", kind, tmp, str(k), str(log),
                                       str(k // 2)))
        deadline = time.monotonic() + 120
        while "HOLDING" not in (log.read_text() if log.exists() else ""):
            if time.monotonic() > deadline or first.poll() is not None:
                raise RuntimeError(f"{kind}: the first consumer never reached the message")
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        second = subprocess.run(_self("--role", "consume", kind, tmp, str(k), str(log)),
                                check=False)
        ids = [int(line) for line in log.read_text().split() if line.isdigit()]
        result = {"lost": k - len(set(ids)), "duplicated": len(ids) - len(set(ids)),
                  "crashed": second.returncode != 0}
        if kind == "sqla":
            import sqlite3

            with sqlite3.connect(folder / "broker.sqlite3") as db:
                result["rows_left"] = db.execute("SELECT count(*) FROM kombu_message").fetchone()[0]
        return result


def _child(argv: list[str]) -> None:
    role, kind, tmp = argv[:3]
    if role == "publish":
        publish(kind, Path(tmp), range(int(argv[3]), int(argv[4])))
    else:
        hold = int(argv[5]) if len(argv) > 5 else None
        consume(kind, Path(tmp), int(argv[3]), Path(argv[4]), hold_at=hold)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--role":
        _child(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000, help="messages for throughput/concurrency")
    parser.add_argument("-k", type=int, default=100, help="messages for the kill -9 scenario")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the concurrency test")
    parser.add_argument("--only", action="append", help="candidate(s) to run")
    args = parser.parse_args()
    kinds = ["filesystem", "atomic", "atomic+fsync", "sqla"]
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        kinds.remove("sqla")
        print("kombu's SQLAlchemy transport skipped: SQLAlchemy is not installed")
    kinds = [k for k in kinds if not args.only or k in args.only]
    print(f"N={args.n} messages (throughput; 2 producers + 1 consumer, {args.rounds} rounds), "
          f"K={args.k} (kill -9); target for the one in use (atomic): 0 lost, 0 crashed, "
          f">= {TARGET_RATE}/s each way")
    print(f"{'broker':<14}{'put/s':>8}{'get/s':>8}  {'2 producers + consumer':<38}"
          f"{'kill -9 of the consumer':<34}verdict")
    failed = False
    for kind in kinds:
        put, get = throughput(kind, args.n)
        rounds = [concurrency(kind, args.n) for _ in range(args.rounds)]
        conc = {"lost": sum(r["lost"] for r in rounds),
                "duplicated": sum(r["duplicated"] for r in rounds),
                "crashed": sum(r["crashed"] for r in rounds),
                "error": next((r["error"] for r in rounds if r["error"]), "")}
        killed = kill9(kind, args.k)
        conc_text = (f"lost {conc['lost']}, dup {conc['duplicated']}, "
                     f"crashed {conc['crashed']}/{args.rounds}")
        kill_text = f"lost {killed['lost']}, dup {killed['duplicated']}"
        if "rows_left" in killed:
            kill_text += f", rows kept {killed['rows_left']}"
        ok = (not conc["crashed"] and conc["lost"] == 0 and killed["lost"] == 0
              and not killed["crashed"] and min(put, get) >= TARGET_RATE)
        if kind == "atomic":  # the one settings.py uses
            failed |= not ok
        print(f"{kind:<14}{put:>8.0f}{get:>8.0f}  {conc_text:<38}{kill_text:<34}"
              f"{'OK' if ok else 'FAILS'}")
        if conc["error"]:
            print(f"{'':<14}consumer crashed: {conc['error'][:110]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
