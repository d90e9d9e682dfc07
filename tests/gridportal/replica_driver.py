"""Run by test_replica_postgres.py in a process of its own, against a real primary and a real
streaming replica (DATABASE_URL, DATABASE_REPLICA_URL): two colleagues use the portal while the
replica stops replaying. Prints what each of them saw as one JSON object.

    python -m tests.gridportal.replica_driver
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridportal.settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.conftest import Community  # noqa: E402
from tests.processes import wait_for  # noqa: E402
from tests.tickets.factories import make_ticket  # noqa: E402

STATS_URL = "/api/v1/stats/tickets/"


def scalar(alias: str, sql: str, params: tuple = ()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def replica_has_replayed(lsn: str) -> bool:
    return bool(scalar("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)))


def caught_up() -> None:
    lsn = scalar("default", "SELECT pg_current_wal_lsn()")
    wait_for("the replica to replay the primary's writes", lambda: replica_has_replayed(lsn),
             seconds=30)


def accepted_in_stats(client: Client) -> int:
    response = client.get(STATS_URL)
    assert response.status_code == 200, response.content
    return {row["value"]: row["count"] for row in response.json()["by_status"]}["accepted"]


def main() -> dict:
    community = Community()
    ticket = make_ticket(node=community.g5a)
    worker, colleague = Client(), Client()
    worker.force_login(community.worker_a)
    colleague.force_login(community.center_staff)
    caught_up()
    seen: dict = {"before": accepted_in_stats(colleague)}

    scalar("replica", "SELECT pg_wal_replay_pause()")
    wait_for("replay to pause",
             lambda: scalar("replica", "SELECT pg_get_wal_replay_pause_state()") == "paused")
    response = worker.post(reverse("tickets:act", args=[ticket.pk]), {"action": "accept"})
    seen["step_status"] = response.status_code
    seen["worker_pinned"] = "gp_primary" in response.cookies
    seen["worker_stats"] = accepted_in_stats(worker)
    seen["colleague_stats_while_paused"] = accepted_in_stats(colleague)
    listed = colleague.get(reverse("ticket-list")).json()["results"]
    seen["colleague_list_status"] = {row["id"]: row["status"] for row in listed}[ticket.pk]
    seen["replica_status_while_paused"] = scalar(
        "replica", "SELECT status FROM tickets_ticket WHERE id = %s", (ticket.pk,))

    scalar("replica", "SELECT pg_wal_replay_resume()")
    caught_up()
    seen["colleague_stats_after_resume"] = accepted_in_stats(colleague)
    return seen


if __name__ == "__main__":
    print(json.dumps(main()))
