"""Run the same work in several threads released at the same moment (for races that only the
real PostgreSQL server shows): each thread's result, or the repr of what it raised."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def at_once(work: Callable[[], Any], times: int = 2, timeout: float = 120) -> list[Any]:
    """`work()` in `times` threads behind one barrier; each thread closes its own database
    connections. The outcomes come in the order the threads finished."""
    barrier = threading.Barrier(times)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(work())
        except Exception as error:  # noqa: BLE001 - the caller judges every outcome
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
