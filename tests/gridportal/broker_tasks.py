"""A test-only Celery task that a worker loads with `-I tests.gridportal.broker_tasks`: it notes
each start and each completion in a file, and between them waits for a `go` file to appear."""

import os
import time
from pathlib import Path

from celery import shared_task


@shared_task(acks_late=True)
def hold(folder: str) -> str:
    log = Path(folder) / "log"
    with log.open("a") as f:
        f.write(f"started {os.getpid()}\n")
    while not (Path(folder) / "go").exists():
        time.sleep(0.1)
    with log.open("a") as f:
        f.write(f"done {os.getpid()}\n")
    return "done"
