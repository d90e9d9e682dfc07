"""Every API operation, fuzzed from the project's own OpenAPI schema with schemathesis: no answer
is a 5xx, and every answer keeps the schema (a documented status code, a documented content
type, a body and headers that conform).

The schema is the one drf-spectacular serves at /api/schema/, loaded over WSGI in-process (no
server), and the requests go to the same WSGI application. Each run plays one caller:

- a grid worker (worker_a, grid G5A) and the center staff, with their API tokens, on every
  operation;
- an anonymous caller, without a token, on the operations open to anyone (the public report,
  tracking and look-up, and the token exchange).

The world (tests/world.py) holds an object of every kind, so small ids name real tickets,
committees, meetings and so on. schemathesis runs, for each caller:

- its `examples` phase (the examples the schema gives, when it gives any);
- its `coverage` phase, deterministic boundary values: for the staff and the grid worker the
  valid ones of every GET operation's parameters (the list filters: a year of 2000 and 2100,
  an empty text, ...); for the anonymous caller every boundary, valid and invalid, of the
  public operations, bodies included. Every boundary of every operation takes minutes per
  caller: ``SCHEMA_FUZZ_COVERAGE=1`` turns it on for a deeper run;
- its `fuzzing` phase, data drawn from each operation's schema, valid and invalid
  (``MAX_EXAMPLES`` per operation);
- its `stateful` phase, scenarios chained through the links it infers between operations
  (a POST's id into the matching GET and actions; ``SCENARIOS`` of up to ``MAX_STEPS``
  calls).

The run is deterministic (fixed seed, no example database) and bounded, so CI gives the same
verdict each time. schemathesis runs through its engine, the one its command line uses: its
pytest integration (`schemathesis.pytest.from_fixture`) does not work with pytest 9.2.

A failure lists each broken check with the operation, what was wrong and a curl command that
reproduces it (the token shows as [Filtered]).
"""

import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from schemathesis.engine import Status, events, from_schema

# The engine runs requests in a worker thread, which must see the world: committed data.
pytestmark = pytest.mark.django_db(transaction=True)

SEED = 20261202
# Bounded for the suite (about a minute on SQLite on two cores); raise them for a deeper run,
# e.g. SCHEMA_FUZZ_EXAMPLES=100 SCHEMA_FUZZ_COVERAGE=1 pytest tests/api/test_schema_fuzz.py
MAX_EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "5"))  # per operation, fuzzing phase
SCENARIOS = 3 * MAX_EXAMPLES  # stateful scenarios per caller
MAX_STEPS = 6  # calls per scenario at most
COVERAGE = os.environ.get("SCHEMA_FUZZ_COVERAGE") == "1"  # all boundaries everywhere: minutes
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance"]
# What the anonymous caller may use: everything else answers 403 before reading any input.
PUBLIC_OPERATIONS = r"^/api/v1/(public/|auth/token/)"
_SCHEMA: dict = {}  # the schema document, read once (drf-spectacular takes seconds to build it)


def _config(headers: dict[str, str], *, coverage: str) -> schemathesis.Config:
    """`coverage` "all": the coverage phase walks the boundaries of every parameter and body
    field of every operation, with valid and invalid values; "query": only the valid boundary
    values of the GET operations' parameters (their filters), which takes seconds, not
    minutes."""
    if COVERAGE:
        coverage = "all"
    query_only = coverage == "query"
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "suppress-health-check": ["all"],
        "headers": headers,
        "workers": 1,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True, "unexpected-methods": [],
                         "generation": {"mode": "positive" if query_only else "all"}},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True, "max-steps": MAX_STEPS,
                         "generation": {"max-examples": SCENARIOS}},
        },
        "operations": [{"exclude-method": "GET", "phases": {"coverage": {"enabled": False}}}]
        if query_only else [],
    })


class _WSGIApp(WSGIHandler):
    """The portal's WSGI application, remembering the database connections its requests used:
    the engine calls it from a worker thread, whose connection outlives the run (CONN_MAX_AGE)
    and would keep PostgreSQL from dropping the test database. `close()` closes them."""

    def __init__(self):
        super().__init__()
        self.used: set = set()

    def __call__(self, environ, start_response):
        try:
            return super().__call__(environ, start_response)
        finally:
            self.used.add(connections["default"])

    def close(self) -> None:
        for connection in self.used:
            connection.inc_thread_sharing()  # its thread is over: closing it here is safe
            connection.close()


@dataclass
class Outcome:
    """What one run of the engine did: requests by phase, statuses by operation, failures."""

    requests: Counter = field(default_factory=Counter)
    statuses: dict[str, Counter] = field(default_factory=dict)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def record(self, phase: str, recorder) -> None:
        for case_id, interaction in recorder.interactions.items():
            self.requests[phase] += 1
            if interaction.response is not None:
                label = recorder.cases[case_id].value.operation.label
                self.statuses.setdefault(label, Counter())[interaction.response.status_code] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    operation = recorder.cases[case_id].value.operation.label
                    failure = check.failure_info.failure
                    key = (operation, check.name, failure.title)
                    self.failures.setdefault(key, f"{failure.message}\n"
                                                  f"{check.failure_info.code_sample}")

    def report(self) -> str:
        lines = [f"{len(self.failures)} broken check(s), {len(self.errors)} error(s):"]
        for (operation, check, title), detail in sorted(self.failures.items()):
            lines.append(f"\n{operation}: {check}: {title}\n{detail.strip()[:1500]}")
        lines.extend(f"\nerror: {error}" for error in self.errors)
        return "\n".join(lines)


def _run(schema) -> Outcome:
    outcome = Outcome()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            outcome.record(str(getattr(event, "phase", "fuzz")), event.recorder)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.info.title}: {event.value}"[:1500])
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception}"[:1500])
    return outcome


def _load_schema(world, role: str):
    """The schema served at /api/schema/ (read by the center staff), with the caller's token
    on every request; over WSGI, in-process."""
    headers = {} if role == "anonymous" else {"Authorization": f"Token {world.tokens[role]}"}
    if "document" not in _SCHEMA:
        staff = {"Authorization": f"Token {world.tokens['center_staff']}"}
        loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(),
                                                headers=staff)
        _SCHEMA["document"] = loaded.raw_schema
    # The anonymous run walks every boundary of the few public operations, bodies included.
    coverage = "all" if role == "anonymous" else "query"
    schema = schemathesis.openapi.from_dict(_SCHEMA["document"],
                                            config=_config(headers, coverage=coverage))
    schema.app = _WSGIApp()
    return schema.include(path_regex=PUBLIC_OPERATIONS) if role == "anonymous" else schema


@pytest.mark.parametrize("role", ["worker_a", "center_staff", "anonymous"])
def test_no_operation_answers_5xx_or_breaks_the_schema(world, role):
    cache.clear()  # rate limits start afresh for each caller
    schema = _load_schema(world, role)

    try:
        outcome = _run(schema)
    finally:
        schema.app.close()

    assert not outcome.failures and not outcome.errors, outcome.report()
    # The run did test something: every operation was called, in both phases, and the caller
    # got through to real answers, not only refusals.
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert set(outcome.statuses) == operations, operations - set(outcome.statuses)
    assert outcome.requests["fuzzing"] >= MAX_EXAMPLES * len(operations) // 2, outcome.requests
    assert outcome.requests["stateful"] >= SCENARIOS, outcome.requests
    answered = {label for label, statuses in outcome.statuses.items()
                if any(200 <= status < 300 for status in statuses)}
    if role == "anonymous":  # random reports and codes are refused; the options are public
        assert "GET /api/v1/public/report-options/" in answered
    else:
        # A grid worker's role refuses much of the API (the three lists' keeping, the board's
        # queue, the dashboard): at least a third must still answer.
        assert len(answered) >= len(operations) // 3, sorted(operations - answered)
    print(f"\n{role}: {sum(outcome.requests.values())} requests {dict(outcome.requests)}, "
          f"{len(answered)} of {len(operations)} operations answered 2xx")
