"""The embedded broker: kombu's filesystem transport, made safe for `make run`.

kombu's own filesystem transport has two faults that lose work on one machine:

- A message file is created under its final name and then written (kombu issue #1551): a
  consumer may take it while it is still empty or half written, and the worker dies on a
  `JSONDecodeError`. Here a message is written to a hidden temporary file in the same folder and
  renamed into place (`os.replace`), so a consumer sees a whole message or none.
- A consumer removes the file when it takes the message and keeps the message only in memory
  until the ack: a worker killed with `kill -9` while it holds a task (acks_late) loses it. Here
  a consumer moves the file into a folder of its own under `unacked/` and deletes it on the ack;
  a warm shutdown puts it back as before. Each consumer process holds an exclusive `flock` on
  `unacked/<owner>.lock` while it lives; the kernel releases that lock however the process dies,
  so any consumer that later takes the lock knows the owner is gone and moves the owner's files
  back into the queue (at its start, then every `recover_interval` seconds). A process id reused
  by another process cannot confuse this, and several workers share one folder safely.

- The exchange tables under `control/` had the same fault (created empty, then locked and
  written): they are changed under a lock and replaced whole.

The result is at-least-once delivery, as with Redis or RabbitMQ: a task interrupted by a kill runs
again, so tasks stay idempotent (they are: see tickets/tasks.py).

Transport options, besides kombu's (`data_folder_in`, `data_folder_out`, `control_folder`):
`unacked_folder` (default: `unacked` beside `data_folder_in`), `recover_interval` (seconds,
default 10) and `fsync` (default False: a rename is atomic for readers and survives any process
crash; fsync only adds safety against a power cut, at a cost measured in bench/broker.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from queue import Empty

from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

_OWNER_LOCK = threading.Lock()


class _Owner:
    """This process's claim on `unacked/`: a folder for the messages it holds, and a lock file it
    keeps locked until it dies."""

    def __init__(self, folder: Path):
        self.name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.pid = os.getpid()
        self.folder = folder / self.name
        self.folder.mkdir(parents=True, exist_ok=True)
        # Locked under a hidden name, then renamed: a lock file under its final name is always
        # held by a live owner or by nobody, never seen unlocked by a recovering consumer.
        hidden = folder / f".{self.name}.lock"
        self._lock_file = open(hidden, "a+b")  # noqa: SIM115 (held for the process's life)
        fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(hidden, folder / f"{self.name}.lock")


_owners: dict[tuple[int, str], _Owner] = {}


def _owner_for(folder: Path) -> _Owner:
    """One owner per process and folder (a forked child makes its own)."""
    key = (os.getpid(), str(folder))
    with _OWNER_LOCK:
        owner = _owners.get(key)
        if owner is None:
            owner = _owners[key] = _Owner(folder)
        return owner


def _take_back(lock_path: Path, queue_folder: Path) -> int:
    """Move back the messages of the owner of `lock_path` if it is gone; return how many."""
    try:
        lock_file = open(lock_path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return 0  # another consumer recovered it first
    moved = 0
    with lock_file:
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # its owner is alive
        owner_folder = lock_path.with_suffix("")
        for message in sorted(os.listdir(owner_folder)) if owner_folder.exists() else []:
            with contextlib.suppress(FileNotFoundError):
                os.replace(owner_folder / message, queue_folder / message)
                moved += 1
        with contextlib.suppress(OSError):
            owner_folder.rmdir()
        with contextlib.suppress(FileNotFoundError):
            lock_path.unlink()
    return moved


def recover(unacked: Path, queue_folder: Path, *, exclude: str = "") -> int:
    """Move back into `queue_folder` the messages held by consumers that are gone; return how
    many. An owner is gone when its lock file can be locked."""
    try:
        names = os.listdir(unacked)
    except FileNotFoundError:
        return 0
    moved = sum(_take_back(unacked / name, queue_folder) for name in names
                if name.endswith(".lock") and not name.startswith(".")
                and name != f"{exclude}.lock")
    if moved:
        logger.warning("Broker: %d message(s) held by a consumer that died are queued again",
                       moved)
    return moved


class QoS(virtual.QoS):
    def ack(self, delivery_tag):
        self.channel._forget(delivery_tag)
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        # With requeue the base class calls Channel._restore, which forgets the file itself.
        super().reject(delivery_tag, requeue=requeue)
        self.channel._forget(delivery_tag)



class Channel(filesystem.Channel):
    """Atomic writes; unacked messages kept on disk until the ack."""

    QoS = QoS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held: dict[str, Path] = {}  # delivery tag -> file under unacked/<owner>/
        self._no_ack_queues: set[str] = set()
        self._recovered_at = 0.0

    # --- options -----------------------------------------------------------------------------
    @property
    def unacked_folder(self) -> Path:
        default = Path(self.data_folder_in).parent / "unacked"
        return Path(self.transport_options.get("unacked_folder") or default)

    @property
    def recover_interval(self) -> float:
        return float(self.transport_options.get("recover_interval", 10))

    @property
    def fsync(self) -> bool:
        return bool(self.transport_options.get("fsync", False))

    # --- writing -----------------------------------------------------------------------------
    def _put(self, queue, payload, **kwargs):
        """Write the message under a hidden name, then rename it into place."""
        name = f"{int(round(time.monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        temporary = os.path.join(folder, f".{name}.tmp")
        try:
            with open(temporary, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
                if self.fsync:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(temporary, os.path.join(folder, name))
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise filesystem.ChannelError(f"Cannot add message {name!r} to {folder}") from exc

    # --- bindings ----------------------------------------------------------------------------
    # kombu creates an exchange's table with open("wb") and then locks it: a process declaring at
    # the same moment (supervisord starts four at once) reads it empty and dies on a
    # JSONDecodeError, as bench/broker.py showed. Here a table is changed under one lock for the
    # control folder and replaced whole; readers need no lock.
    @contextlib.contextmanager
    def _control_lock(self):
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with open(self.control_folder / ".lock", "a+b") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            yield

    def _write_table(self, file: Path, queues: list) -> None:
        temporary = file.with_name(f".{file.name}.{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(str_to_bytes(dumps(queues)))
        os.replace(temporary, file)

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            table = loads(bytes_to_str(file.read_bytes()))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot open {file}") from exc
        return [filesystem.exchange_queue_t(*q) for q in table]

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._control_lock():
            queues = self.get_table(exchange)
            if binding not in queues:
                queues.insert(0, binding)
                self._write_table(file, queues)

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        file = self._exchange_file(exchange)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._control_lock():
            queues = self.get_table(exchange)
            if binding in queues:
                queues.remove(binding)
                self._write_table(file, queues)

    # --- reading -----------------------------------------------------------------------------
    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        if not no_ack:
            return super().basic_get(queue, no_ack=no_ack, **kwargs)
        self._no_ack_queues.add(queue)
        try:
            return super().basic_get(queue, no_ack=no_ack, **kwargs)
        finally:
            self._no_ack_queues.discard(queue)

    def _maybe_recover(self) -> None:
        now = time.monotonic()
        if now - self._recovered_at < self.recover_interval:
            return
        self._recovered_at = now
        owner = _owner_for(self.unacked_folder)
        recover(self.unacked_folder, Path(self.data_folder_in), exclude=owner.name)

    def _get(self, queue):
        """Take the oldest message of `queue` by moving its file into this consumer's folder."""
        self._maybe_recover()
        wanted = f"{queue}.msg"
        folder = self.data_folder_in
        owner = _owner_for(self.unacked_folder)
        for filename in sorted(os.listdir(folder)):
            if filename.partition(".")[2] != wanted:
                continue
            held = owner.folder / filename
            try:
                os.rename(os.path.join(folder, filename), held)
            except FileNotFoundError:
                continue  # another consumer took it
            try:
                payload = loads(bytes_to_str(held.read_bytes()))
            except (OSError, ValueError):
                # Not a message this transport wrote whole (left by kombu's own transport):
                # kept aside for a person to read, never retried in a loop.
                broken = self.unacked_folder.parent / "broken"
                broken.mkdir(exist_ok=True)
                os.replace(held, broken / filename)
                logger.error("Broker: unreadable message %s moved to %s", filename, broken)
                continue
            if queue in self._no_ack_queues:
                held.unlink()
            else:
                self._held[payload["properties"]["delivery_tag"]] = held
            return payload
        raise Empty()

    # --- acknowledging -----------------------------------------------------------------------
    def _forget(self, delivery_tag) -> None:
        held = self._held.pop(delivery_tag, None)
        if held is not None:
            with contextlib.suppress(FileNotFoundError):
                held.unlink()

    def _restore(self, message):
        """Queue the message again (marked redelivered), then drop the held copy: a crash in
        between leaves two copies, never none."""
        super()._restore(message)
        self._forget(message.delivery_tag)




class Transport(filesystem.Transport):
    """kombu's filesystem transport with atomic writes and redelivery after a consumer dies."""

    Channel = Channel
    global_state = virtual.BrokerState()
    driver_name = "gridportal-filesystem"


def queued(folder: Path) -> dict[str, int]:
    """Messages waiting in a queue folder, by queue name (for the bench and the soak)."""
    counts: dict[str, int] = {}
    for name in os.listdir(folder):
        if name.endswith(".msg") and not name.startswith("."):
            queue = name.partition(".")[2][: -len(".msg")]
            counts[queue] = counts.get(queue, 0) + 1
    return counts
