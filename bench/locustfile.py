"""Locust users for the closed-loop load test of bench/district.py.

bench/district.py starts gunicorn on the district it built and runs locust (headless, in a
process of its own: locust's gevent monkey-patching stays out of the bench's Django process)
with this file. The three kinds of user are the bench's three accounts: a grid worker, a
community's center staff and the street dispatcher, spawned 3 : 2 : 1 (50 users: about 25, 17
and 8). Every simulated user of a kind shares that account's session, made on the server by the
bench (no login: 50 logins would only exercise the lockout). Each user asks for its next page as
soon as the last one has answered (no wait: a closed loop), picking it by the weights below
among the pages its account may open.

The plan comes from the JSON file named by GRIDPORTAL_LOAD_PLAN:

    {"cookie": "sessionid",
     "users": {"worker": {"session": "<key>", "pages": {"ticket list": "/tickets/", ...}},
               "center staff": {...}, "dispatcher": {...}}}

A request counts as failed unless it answers 200 (a redirect to the login page is a failure).
Requests are named "<user>: <page>", so locust's CSV has a row per user and page.

    GRIDPORTAL_LOAD_PLAN=plan.json locust -f bench/locustfile.py --headless -u 50 -r 10 \
        -t 60s --host http://127.0.0.1:8000 --csv load
"""

import json
import os
import random

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

# How often a user opens each page, out of 100: the daily work (lists, a ticket, 我的任务, home)
# most, the registry and the map less, the aggregates (dashboard, stats API) least.
PAGE_WEIGHTS = {
    "ticket list": 20,
    "ticket page": 20,
    "我的任务": 15,
    "home (我的任务 first)": 15,
    "registry search": 10,
    "colour map": 8,
    "map tickets in view": 6,
    "dashboard": 3,
    "stats API": 3,
}


def _plan() -> dict:
    path = os.environ.get("GRIDPORTAL_LOAD_PLAN")
    if not path:
        raise SystemExit("GRIDPORTAL_LOAD_PLAN names no plan (bench/district.py writes one)")
    with open(path, encoding="utf-8") as plan_file:
        return json.load(plan_file)


PLAN = _plan()


class _DistrictUser(FastHttpUser):
    abstract = True
    account = ""
    wait_time = constant(0)
    # Under load a request waits in gunicorn's queue behind the others: no client timeout
    # shorter than gunicorn's own (120 s) plus that wait.
    network_timeout = 600.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        user = PLAN["users"][self.account]
        self.headers = {"Cookie": f"{PLAN['cookie']}={user['session']}"}
        self.pages = [(page, url) for page, url in user["pages"].items() if page in PAGE_WEIGHTS]
        self.weights = [PAGE_WEIGHTS[page] for page, _ in self.pages]

    @task
    def open_a_page(self) -> None:
        page, url = random.choices(self.pages, self.weights)[0]  # noqa: S311 - not a secret
        with self.client.get(url, name=f"{self.account}: {page}", headers=self.headers,
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"answers {response.status_code}")


class Worker(_DistrictUser):
    account = "worker"
    weight = 3


class CenterStaff(_DistrictUser):
    account = "center staff"
    weight = 2


class Dispatcher(_DistrictUser):
    account = "dispatcher"
    weight = 1
