"""The embedded broker (gridportal/broker.py), through kombu in this process: whole messages only,
and a message taken but not acked stays on disk until its consumer acks it or is gone."""

import os
from pathlib import Path

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue

from gridportal import broker

QUEUE = Queue("jobs", Exchange("jobs", type="direct"), routing_key="jobs")


@pytest.fixture
def folder(tmp_path):
    # kombu's filesystem transports remember bindings per process; each test has new folders.
    broker.Transport.global_state.clear()
    for sub in ("queue", "control", "unacked"):
        (tmp_path / sub).mkdir()
    yield tmp_path
    broker.Transport.global_state.clear()


def connect(folder: Path) -> Connection:
    return Connection("gridfs://localhost/", transport_options={
        "data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"), "unacked_folder": str(folder / "unacked"),
        "recover_interval": 0})


def publish(conn: Connection, *numbers: int) -> None:
    producer = Producer(conn.default_channel)
    for n in numbers:
        producer.publish({"n": n}, exchange=QUEUE.exchange, routing_key="jobs", declare=[QUEUE],
                         serializer="json")


def take(conn: Connection, count: int = 1, no_ack: bool = False) -> list:
    """Take `count` messages without acking them."""
    taken: list = []
    consumer = Consumer(conn.default_channel, [QUEUE], no_ack=no_ack, accept=["json"],
                        callbacks=[lambda body, message: taken.append(message)])
    consumer.qos(prefetch_count=count)
    with consumer:
        while len(taken) < count:
            conn.drain_events(timeout=5)
    return taken


def files(folder: Path, sub: str) -> list[str]:
    return sorted(str(p.relative_to(folder / sub)) for p in (folder / sub).rglob("*")
                  if p.is_file() and not p.name.endswith(".lock"))


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="REDIS_URL names a broker")
def test_the_settings_use_it_when_no_redis_is_named():
    from gridportal import settings  # the portal's own, under tests.settings' overrides

    with Connection(settings.CELERY_BROKER_URL,
                    transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
        assert isinstance(conn.transport, broker.Transport)


def test_a_message_is_written_whole_under_its_final_name(folder):
    with connect(folder) as conn:
        publish(conn, 1, 2)
    names = os.listdir(folder / "queue")
    assert len(names) == 2
    assert all(name.endswith(".jobs.msg") and not name.startswith(".") for name in names)
    assert broker.queued(folder / "queue") == {"jobs": 2}


def test_a_taken_message_is_kept_on_disk_until_the_ack(folder):
    with connect(folder) as conn:
        publish(conn, 1)
        [message] = take(conn)
        assert message.payload == {"n": 1}
        assert files(folder, "queue") == []
        assert len(files(folder, "unacked")) == 1
        message.ack()
        assert files(folder, "unacked") == []


def test_a_rejected_message_is_queued_again(folder):
    with connect(folder) as conn:
        publish(conn, 1)
        [message] = take(conn)
        message.reject(requeue=True)
        assert files(folder, "unacked") == []
        assert broker.queued(folder / "queue") == {"jobs": 1}


def test_a_warm_shutdown_puts_unacked_messages_back(folder):
    with connect(folder) as conn:
        publish(conn, 1, 2)
        take(conn, 2)
    assert files(folder, "unacked") == []
    assert broker.queued(folder / "queue") == {"jobs": 2}


def test_a_message_taken_without_ack_is_not_kept(folder):
    with connect(folder) as conn:
        publish(conn, 1)
        take(conn, no_ack=True)
        assert files(folder, "unacked") == []
        assert files(folder, "queue") == []


def test_messages_of_a_dead_consumer_are_queued_again_and_a_live_ones_are_not(folder):
    with connect(folder) as conn:
        publish(conn, 1, 2)
        take(conn, 2)
        owner = broker._owner_for(folder / "unacked")
        # Another consumer looks while this one lives: its messages stay where they are.
        assert broker.recover(folder / "unacked", folder / "queue") == 0
        assert len(files(folder, "unacked")) == 2
        # The kernel drops a process's flock however it dies; closing the file does the same.
        owner._lock_file.close()
        del broker._owners[(os.getpid(), str(folder / "unacked"))]
        assert broker.recover(folder / "unacked", folder / "queue") == 2
        assert broker.queued(folder / "queue") == {"jobs": 2}
        assert os.listdir(folder / "unacked") == []
        conn.default_channel.qos._delivered.clear()  # the "dead" consumer restores nothing


def test_the_next_consumer_takes_back_a_dead_consumers_messages(folder):
    dead = folder / "unacked" / "gone-1-abcd"
    dead.mkdir()
    (folder / "unacked" / "gone-1-abcd.lock").touch()  # nobody holds its lock
    with connect(folder) as conn:
        publish(conn, 7)
        os.replace(folder / "queue" / os.listdir(folder / "queue")[0],
                   dead / "1_x.jobs.msg")
        [message] = take(conn)
        assert message.payload == {"n": 7}
        message.ack()
    assert os.listdir(folder / "unacked") == [] or all(
        name.startswith(f"{os.uname().nodename}-{os.getpid()}")
        for name in os.listdir(folder / "unacked"))


def test_an_unreadable_file_is_set_aside_and_the_next_message_delivered(folder):
    (folder / "queue" / "0_half.jobs.msg").write_bytes(b'{"body": "tru')  # kombu #1551
    with connect(folder) as conn:
        publish(conn, 2)
        [message] = take(conn)
        assert message.payload == {"n": 2}
        message.ack()
    assert os.listdir(folder / "broken") == ["0_half.jobs.msg"]


def test_bindings_declared_at_once_are_all_kept(folder):
    """Four processes declare their queues at the same moment when `make run` starts."""
    import threading

    errors: list = []

    def bind(n: int) -> None:
        try:
            with connect(folder) as conn:
                Queue(f"q{n}", Exchange("shared", type="direct"), routing_key=f"q{n}")(
                    conn.default_channel).declare()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=bind, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connect(folder) as conn:
        table = conn.default_channel.get_table("shared")
    assert sorted(q.queue for q in table) == [f"q{n}" for n in range(8)]
    assert [p.name for p in (folder / "control").iterdir() if p.name.endswith(".tmp")] == []
