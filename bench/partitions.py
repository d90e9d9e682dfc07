"""Monthly partitioning of tickets, ticket events and reminders: does it pay, and at what size?

PostgreSQL only (on SQLite it says so and exits 0). In two scratch schemas of the database it
builds the three tables exactly as the portal creates them (the DDL Django's schema editor
writes for `Ticket`, `TicketEvent` and `Reminder`: same columns, checks and indexes; the foreign
keys among the three kept, those to other tables left out of both layouts):

    part_plain   plain tables, as today;
    part_month   the same tables PARTITION BY RANGE (created_at), one partition per month over
                 the 36 months of history and 3 ahead. PostgreSQL wants the partition key in every
                 primary key and unique constraint, so (id) becomes (id, created_at), and so on.
                 The partitioned events and reminders reference the plain tickets (a foreign key
                 from a partitioned table to a plain one is allowed; one *to* a partitioned
                 ticket table on `id` alone is not).

It fills them in SQL (generate_series): N tickets spread over 36 months on a street of 13
communities (338 grids), about 5 events and 1.5 reminders a ticket, the last two months' tickets
half open with their next deadline check, and times, p50 of RUNS runs after WARMUP, the queries the
portal runs: a ticket by id, a ticket's timeline (events by ticket_id), the reminders of a sweep
batch, the newest list page (street-wide and in a community's scope), the sweep's due rows,
a month's and a year's KPI aggregate, the accept-events aggregate of `kpis._accept_groups`,
single-row and batch inserts; then once: retention of the oldest month (DELETE against DETACH +
DROP PARTITION) and VACUUM ANALYZE. It prints size, query, plain ms, partitioned ms, the ratio
(partitioned / plain: below 1 partitioning is faster) and a verdict worked out from the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_parts \\
        .venv/bin/python bench/partitions.py --sizes 100000,1000000

The scratch schemas are dropped at the end (`--keep` keeps them). Figures on a shared machine are
noisy: compare ratios, not milliseconds.
"""

# Statements are assembled from this file's constant schema and table names; values are passed
# as parameters.
# ruff: noqa: S608

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridportal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from tickets.models import Reminder, Ticket, TicketEvent  # noqa: E402

PLAIN, MONTH = "part_plain", "part_month"
TICKETS, EVENTS, REMINDERS = "tickets_ticket", "tickets_ticketevent", "tickets_reminder"
TABLES = (TICKETS, EVENTS, REMINDERS)
CST = dt.timezone(dt.timedelta(hours=8))
FIRST_MONTH = dt.date(2024, 1, 1)
HISTORY_MONTHS, AHEAD_MONTHS = 36, 3
NOW = dt.datetime(2027, 1, 1, tzinfo=CST)  # the end of the 36 months of history
WARMUP, RUNS = 2, 15
# A ratio (partitioned / plain) at or below this is a gain; at or above its inverse, a loss.
GAIN = 0.67


def month_start(index: int) -> dt.datetime:
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    return dt.datetime(FIRST_MONTH.year + year, month + 1, 1, tzinfo=CST)


def sql(template: str, schema: str, **values: object) -> str:
    """Fill {s} with a schema name and {name} with constants (never user input)."""
    text = template
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text.replace("{s}", schema)


def execute(statement: str, params: object = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def clock(statement: str, params: object = None) -> float:
    start = time.perf_counter()
    execute(statement, params)
    return (time.perf_counter() - start) * 1000


# --- The portal's DDL --------------------------------------------------------------------------


def portal_ddl() -> tuple[list[str], list[str]]:
    """CREATE TABLE statements and the rest (indexes, foreign keys among the three tables), as
    the schema editor writes them for the models."""
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in (Ticket, TicketEvent, Reminder):
            editor.create_model(model)
    creates, rest = [], []
    for statement in editor.collected_sql:
        if "summoned_departments" in statement:
            continue
        target = re.search(r'REFERENCES "(\w+)"', statement)
        if target and target[1] not in TABLES:
            continue  # a foreign key to the tree, the registry or users: out of both layouts
        (creates if statement.startswith("CREATE TABLE") else rest).append(statement)
    return creates, rest


def build_nodes(schema: str) -> None:
    """A street (id 1) of 13 communities (ids 2-14) of 26 grids each (ids 15-352), as
    nested-set ranges on one tree, the shape the scope query reads."""
    execute(sql("""
        CREATE TABLE {s}.nodes (id bigint PRIMARY KEY, tree_id int NOT NULL, lft int NOT NULL,
                                rght int NOT NULL);
        INSERT INTO {s}.nodes VALUES (1, 1, 1, 704);
        INSERT INTO {s}.nodes SELECT 2 + c, 1, 2 + c * 54, 2 + c * 54 + 53
            FROM generate_series(0, 12) c;
        INSERT INTO {s}.nodes SELECT 15 + j, 1, 3 + (j / 26) * 54 + (j % 26) * 2,
                                     4 + (j / 26) * 54 + (j % 26) * 2
            FROM generate_series(0, 337) j;
        CREATE INDEX ON {s}.nodes (tree_id, lft);
        ANALYZE {s}.nodes;
    """, schema))


def create_partitioned(table: str) -> None:
    execute(sql("""
        CREATE TABLE {s}.{t} (LIKE {p}.{t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
            PARTITION BY RANGE (created_at);
        CREATE SEQUENCE {s}.{t}_id_seq OWNED BY {s}.{t}.id;
        ALTER TABLE {s}.{t} ALTER COLUMN id SET DEFAULT nextval('{s}.{t}_id_seq');
    """, MONTH, t=table, p=PLAIN))
    for index in range(HISTORY_MONTHS + AHEAD_MONTHS):
        start, end = month_start(index), month_start(index + 1)
        execute(sql("CREATE TABLE {s}.{t}_{m} PARTITION OF {s}.{t} "
                    "FOR VALUES FROM ('{a}') TO ('{b}')", MONTH, t=table,
                    m=f"{start:%Y_%m}", a=start.isoformat(), b=end.isoformat()))


def partitioned_indexes(table: str) -> list[str]:
    """The plain table's indexes and unique constraints for the partitioned one: every primary
    key and unique one with created_at added (PostgreSQL requires the partition key in them)."""
    rows = execute("""
        SELECT pg_get_indexdef(i.indexrelid), i.indisunique, c.conname, c.contype
        FROM pg_index i LEFT JOIN pg_constraint c
             ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')
        WHERE i.indrelid = %s::regclass ORDER BY i.indexrelid""", [f"{PLAIN}.{table}"])
    statements = []
    for definition, unique, constraint, kind in rows:
        columns = re.search(r"USING btree \((.*?)\)(?: WHERE|$)", definition)[1]
        if unique and "created_at" not in columns:
            columns += ", created_at"
        if kind == "p":
            statements.append(f"ALTER TABLE {MONTH}.{table} ADD PRIMARY KEY ({columns})")
        elif kind == "u":
            statements.append(f"ALTER TABLE {MONTH}.{table} ADD CONSTRAINT {constraint} "
                              f"UNIQUE ({columns})")
        else:
            head, _sep, tail = definition.partition(" USING btree (")
            statements.append(head.replace(f" ON {PLAIN}.", f" ON {MONTH}.") + " USING btree ("
                              + columns + tail[tail.index(")"):])
    return statements


# --- Synthetic history -------------------------------------------------------------------------

FILL_TICKETS = """
INSERT INTO {s}.tickets_ticket (id, reference, tracking_token, short_code, channel, whistle,
    category_id, title, description, node_id, building_id, dwelling_id, address, resident_id,
    reporter_name, reporter_phone, owner_id, department_id, assignee_id, status,
    stage_started_at, accept_due_at, contact_due_at, resolve_due_at, accepted_at, contacted_at,
    resolved_at, closed_at, replied_at, next_check_at, satisfaction, rating_comment,
    escalation_level, returns_upheld, returns_rejected, extensions, merged_into_id,
    external_number, idempotency_key, idempotency_digest, created_by_id, created_at, updated_at)
SELECT g, 'T' || lpad(g::text, 12, '0'), md5(g::text) || md5((g * 7)::text),
    upper(substr(md5((g * 3)::text), 1, 8)),
    (ARRAY['hotline', 'jiesu_jiban', 'wechat_group', 'walk_in', 'patrol', 'self_report'])
        [1 + g % 6],
    CASE WHEN g % 997 = 0 THEN 'emergency' WHEN g % 50 = 0 THEN 'key' ELSE 'routine' END,
    1 + g % 20, '居民反映 ' || g, repeat('楼道灯不亮，请尽快维修。', 4), grid, NULL, NULL, '',
    CASE WHEN g % 4 = 0 THEN 1 + g % 170000 END, '', '',
    CASE WHEN g % 10 = 0 THEN 2 + (grid - 15) / 26 ELSE grid END, NULL,
    CASE WHEN NOT still_open OR g % 4 <> 0 THEN 1 + g % 600 END,
    CASE WHEN still_open THEN (ARRAY['new', 'accepted', 'in_progress', 'replied'])[1 + g % 4]
         WHEN g % 100 = 0 THEN 'merged' WHEN g % 100 = 1 THEN 'rejected' ELSE 'closed' END,
    created, created + interval '24 hours', created + interval '48 hours',
    created + interval '7 days', created + interval '2 hours', created + interval '5 hours',
    CASE WHEN NOT still_open THEN created + interval '3 days' END,
    CASE WHEN NOT still_open THEN created + interval '4 days' END,
    CASE WHEN NOT still_open THEN created + interval '3 days' END,
    CASE WHEN still_open THEN created + (g % 30) * interval '1 day' END,
    CASE WHEN NOT still_open AND g % 3 = 0 THEN 'satisfied' ELSE '' END, '',
    (g % 10 = 0)::int, 0, 0, 0, CASE WHEN g % 100 = 0 AND NOT still_open THEN g - 1 END,
    CASE WHEN g % 6 = 0 THEN 'W' || g ELSE '' END, '', '', 1 + g % 600, created,
    created + interval '4 days'
FROM (SELECT g, created, created > timestamptz '{now}' - interval '60 days' AND g % 2 = 0
             AS still_open, 15 + ((g * 2654435761) % 338)::int AS grid
      FROM (SELECT g, timestamptz '{first}' + ((g - 1)::float8 / {n}) * interval '1096 days'
                   AS created FROM generate_series(1, {n}) g) spread) s
"""

FILL_EVENTS = """
INSERT INTO {s}.tickets_ticketevent (ticket_id, kind, action, from_status, to_status, actor_id,
                                     note, public, data, created_at)
SELECT t.id, CASE WHEN k = 1 THEN 'created' WHEN k = 4 THEN 'comment' ELSE 'transition' END,
    CASE k WHEN 1 THEN '' WHEN 2 THEN 'accept' WHEN 3 THEN 'start' WHEN 4 THEN ''
           WHEN 5 THEN 'resolve' WHEN 6 THEN 'reply' ELSE 'close' END,
    '', '', 1 + (t.id + k) % 600, CASE WHEN k = 4 THEN '已联系居民，约定上门时间。' ELSE '' END,
    k IN (1, 5, 6),
    CASE WHEN k = 2 THEN jsonb_build_object('on_time', t.id % 7 <> 0) ELSE '{}'::jsonb END,
    t.created_at + (k - 1) * interval '20 hours'
FROM {s}.tickets_ticket t CROSS JOIN LATERAL generate_series(1, 3 + (t.id % 5)::int) k
ORDER BY t.id, k
"""

FILL_REMINDERS = """
INSERT INTO {s}.tickets_reminder (ticket_id, stage, kind, level, created_at)
SELECT t.id, CASE k WHEN 1 THEN 'accept' ELSE 'resolve' END, 'due_soon', 0,
       t.created_at + k * interval '1 day'
FROM {s}.tickets_ticket t CROSS JOIN LATERAL generate_series(1, 1 + (t.id % 2)::int) k
ORDER BY t.id, k
"""


def build(size: int, log: Callable[[str], None]) -> dict[str, float]:
    """Both layouts at `size` tickets; seconds spent on each step."""
    seconds: dict[str, float] = {}
    creates, rest = portal_ddl()
    execute(f"DROP SCHEMA IF EXISTS {PLAIN} CASCADE; DROP SCHEMA IF EXISTS {MONTH} CASCADE; "
            f"CREATE SCHEMA {PLAIN}; CREATE SCHEMA {MONTH}")
    for schema in (PLAIN, MONTH):
        build_nodes(schema)
    start = time.perf_counter()
    execute(f"SET search_path TO {PLAIN}; " + "; ".join(creates) + "; SET search_path TO public")
    fill = {"first": month_start(0).isoformat(), "now": NOW.isoformat(), "n": size}
    for template in (FILL_TICKETS, FILL_EVENTS, FILL_REMINDERS):
        execute(sql(template, PLAIN, **fill))
    execute(f"SET search_path TO {PLAIN}; " + "; ".join(rest) + "; SET search_path TO public")
    for table in TABLES:
        execute(f"SELECT setval(pg_get_serial_sequence('{PLAIN}.{table}', 'id'), "
                f"(SELECT max(id) FROM {PLAIN}.{table}))")
    execute(f"ANALYZE {PLAIN}.{TICKETS}, {PLAIN}.{EVENTS}, {PLAIN}.{REMINDERS}")
    seconds["plain"] = time.perf_counter() - start
    log(f"  plain layout built in {seconds['plain']:.0f} s")
    start = time.perf_counter()
    for table in TABLES:
        create_partitioned(table)
        execute(f"INSERT INTO {MONTH}.{table} SELECT * FROM {PLAIN}.{table} ORDER BY id")
        for statement in partitioned_indexes(table):
            execute(statement)
        execute(f"SELECT setval('{MONTH}.{table}_id_seq', (SELECT max(id) FROM {MONTH}.{table}))")
    for table in (EVENTS, REMINDERS):
        execute(f"ALTER TABLE {MONTH}.{table} ADD CONSTRAINT {table}_ticket_fk FOREIGN KEY "
                f"(ticket_id) REFERENCES {PLAIN}.{TICKETS} (id) DEFERRABLE INITIALLY DEFERRED")
    execute(f"ANALYZE {MONTH}.{TICKETS}, {MONTH}.{EVENTS}, {MONTH}.{REMINDERS}")
    seconds["partitioned"] = time.perf_counter() - start
    log(f"  partitioned layout built in {seconds['partitioned']:.0f} s")
    return seconds


# --- The portal's queries ----------------------------------------------------------------------

COMMUNITY = 5  # node id of the community whose staff's list and KPIs are timed
SCOPE = """JOIN {s}.nodes o ON o.id = t.owner_id JOIN {s}.nodes n ON n.id = t.node_id
    WHERE ((o.tree_id = 1 AND o.lft >= {lft} AND o.lft < {rght})
           OR (n.tree_id = 1 AND n.lft >= {lft} AND n.lft < {rght}))"""
KPI = """SELECT t.assignee_id, t.owner_id, count(*), count(*) FILTER (WHERE status = 'closed'),
    count(*) FILTER (WHERE status = 'closed' AND resolved_at <= resolve_due_at),
    count(*) FILTER (WHERE satisfaction <> ''),
    count(*) FILTER (WHERE status IN ('new', 'accepted', 'in_progress', 'on_hold')),
    sum(escalation_level), sum(accepted_at - t.created_at)
    FROM {s}.tickets_ticket t {where} GROUP BY 1, 2"""
ACCEPTS = """SELECT e.actor_id, t.owner_id, count(*),
    count(*) FILTER (WHERE (e.data -> 'on_time') = 'true'::jsonb)
    FROM {s}.tickets_ticketevent e JOIN {tickets} t ON t.id = e.ticket_id
    WHERE e.action = 'accept' {hint} AND e.ticket_id IN (
        SELECT id FROM {s}.tickets_ticket WHERE created_at >= %s AND created_at < %s)
    GROUP BY 1, 2"""


class Probe:
    """One query timed on both layouts: `make(schema)` answers (statement, params) for a run."""

    def __init__(self, name: str, make: Callable[[str, int], tuple[str, object]]) -> None:
        self.name, self.make = name, make

    def p50(self, schema: str) -> float:
        times = []
        for run in range(WARMUP + RUNS):
            statement, params = self.make(schema, run)
            elapsed = clock(statement, params)
            if run >= WARMUP:
                times.append(elapsed)
        return statistics.median(times)


def probes(size: int) -> list[Probe]:
    rng = random.Random(size)
    ids = [rng.randint(1, size) for _ in range(WARMUP + RUNS)]
    recent = [rng.randint(int(size * 0.97), size) for _ in range(WARMUP + RUNS)]
    created = dict(execute(f"SELECT id, created_at FROM {PLAIN}.{TICKETS} WHERE id = ANY(%s)",
                           [ids + recent]))
    due = [row[0] for row in execute(f"SELECT id FROM {PLAIN}.{TICKETS} WHERE next_check_at <= "
                                     f"%s ORDER BY id LIMIT 200", [NOW])]
    lft, rght = execute(f"SELECT lft, rght FROM {PLAIN}.nodes WHERE id = %s", [COMMUNITY])[0]
    scope = sql(SCOPE, "{s}", lft=lft, rght=rght)
    last = (month_start(HISTORY_MONTHS - 1), month_start(HISTORY_MONTHS))
    year = (month_start(HISTORY_MONTHS - 12), month_start(HISTORY_MONTHS))
    period = "WHERE t.created_at >= %s AND t.created_at < %s"

    def q(template: str, params: object = None, **values: object):
        return lambda s, run: (sql(template, s, **values), params)

    return [
        Probe("ticket by id (ticket page)",
              lambda s, run: (sql("SELECT * FROM {s}.tickets_ticket WHERE id = %s", s),
                              [ids[run]])),
        Probe("timeline: events by ticket_id",
              lambda s, run: (sql("SELECT * FROM {s}.tickets_ticketevent WHERE ticket_id = %s "
                                  "ORDER BY created_at, id", s), [ids[run]])),
        Probe("timeline, recent ticket, + created_at >= ticket's",
              lambda s, run: (sql("SELECT * FROM {s}.tickets_ticketevent WHERE ticket_id = %s "
                                  "AND created_at >= %s ORDER BY created_at, id", s),
                              [recent[run], created[recent[run]]])),
        Probe("sweep: due ids (200)", q("SELECT id FROM {s}.tickets_ticket WHERE next_check_at "
                                        "<= %s AND id > 0 ORDER BY id LIMIT 200", [NOW])),
        Probe("sweep: lock the batch", q("SELECT * FROM {s}.tickets_ticket WHERE id = ANY(%s) "
                                         "AND next_check_at <= %s ORDER BY id "
                                         "FOR UPDATE SKIP LOCKED", [due, NOW])),
        Probe("sweep: the batch's reminders", q("SELECT ticket_id, stage, kind, level FROM "
                                                "{s}.tickets_reminder WHERE ticket_id = ANY(%s)",
                                                [due])),
        Probe("list newest page, street",
              q("SELECT * FROM {s}.tickets_ticket t ORDER BY created_at DESC, id DESC LIMIT 26")),
        Probe("list newest page, community scope",
              q("SELECT t.* FROM {s}.tickets_ticket t " + scope
                + " ORDER BY t.created_at DESC, t.id DESC LIMIT 26")),
        Probe("KPI month, street", q(KPI, list(last), where=period)),
        Probe("KPI month, community", q(KPI, list(last), where=scope + " AND "
                                        + period.removeprefix("WHERE "))),
        Probe("KPI 12 months, street", q(KPI, list(year), where=period)),
        Probe("accepts month (kpis._accept_groups)",
              q(ACCEPTS, list(last), tickets="{s}.tickets_ticket", hint="")),
        Probe("accepts month, events partitioned, tickets plain",
              q(ACCEPTS, list(last), tickets=f"{PLAIN}.tickets_ticket", hint="")),
        Probe("accepts month, + e.created_at >= since",
              q(ACCEPTS, [last[0], *last], tickets="{s}.tickets_ticket",
                hint="AND e.created_at >= %s")),
        Probe("insert 1 event", q(
            "INSERT INTO {s}.tickets_ticketevent (ticket_id, kind, action, from_status, "
            "to_status, actor_id, note, public, data, created_at) VALUES (%s, 'comment', '', "
            "'', '', 1, 'note', false, '{}', %s) RETURNING id", [size, NOW - dt.timedelta(1)])),
        Probe("insert 1,000 events (one statement)", q(
            "INSERT INTO {s}.tickets_ticketevent (ticket_id, kind, action, from_status, "
            "to_status, actor_id, note, public, data, created_at) SELECT %s - mod(g, 1000), "
            "'comment', '', '', '', 1, 'note', false, '{}', %s FROM generate_series(1, 1000) g",
            [size, NOW - dt.timedelta(1)])),
        Probe("insert 1 ticket", lambda s, run: (ticket_copy(s, run), [size])),
    ]


def ticket_copy(schema: str, run: int) -> str:
    """Insert a new ticket copied from ticket %s (fresh id, reference, token, created_at)."""
    columns = [row[0] for row in execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND "
        "table_name = %s ORDER BY ordinal_position", [schema, TICKETS])]
    fresh = {"id": f"nextval(pg_get_serial_sequence('{PLAIN}.{TICKETS}', 'id'))"
             if schema == PLAIN else f"nextval('{MONTH}.{TICKETS}_id_seq')",
             "reference": f"'N{schema[5]}{run}-' || t.id",
             "tracking_token": f"md5('{schema}{run}') || t.id",
             "external_number": "''", "merged_into_id": "NULL", "status": "'new'",
             "created_at": f"timestamptz '{(NOW - dt.timedelta(1)).isoformat()}'"}
    values = ", ".join(fresh.get(column, f"t.{column}") for column in columns)
    return sql("INSERT INTO {s}.tickets_ticket (" + ", ".join(columns) + ") SELECT " + values
               + " FROM {s}.tickets_ticket t WHERE t.id = %s", schema)


# --- Retention and maintenance (once, at the end) -----------------------------------------------


def retention() -> list[tuple[str, float, float]]:
    """Remove the oldest month: DELETE on the plain tables, DETACH + DROP on the partitioned."""
    rows = []
    oldest = month_start(0)
    cut = month_start(1)
    # The partitioned children reference the plain tickets: drop those keys first (untimed) so
    # the plain DELETE of tickets checks only its own layout's references.
    for table in (EVENTS, REMINDERS):
        execute(f"ALTER TABLE {MONTH}.{table} DROP CONSTRAINT {table}_ticket_fk")
    for table in (EVENTS, REMINDERS, TICKETS):
        if table == TICKETS:  # children of the month's tickets written in the next month
            last_id = execute(f"SELECT max(id) FROM {PLAIN}.{TICKETS} WHERE created_at < %s",
                              [cut])[0][0]
            execute(f"UPDATE {PLAIN}.{TICKETS} SET merged_into_id = NULL, status = 'rejected' "
                    f"WHERE merged_into_id <= %s AND created_at >= %s", [last_id, cut])
            for child in (EVENTS, REMINDERS):
                execute(f"DELETE FROM {PLAIN}.{child} WHERE ticket_id <= %s", [last_id])
        plain = clock(f"DELETE FROM {PLAIN}.{table} WHERE created_at < %s", [cut])
        partition = f"{MONTH}.{table}_{oldest:%Y_%m}"
        month = clock(f"ALTER TABLE {MONTH}.{table} DETACH PARTITION {partition}; "
                      f"DROP TABLE {partition}")
        rows.append((f"retention: drop oldest month of {table}", plain, month))
    return rows


def maintenance() -> list[tuple[str, float, float]]:
    rows = []
    for table in (EVENTS, TICKETS):
        plain = clock(f"VACUUM (ANALYZE) {PLAIN}.{table}")
        month = clock(f"VACUUM (ANALYZE) {MONTH}.{table}")
        rows.append((f"VACUUM ANALYZE {table} (all of it)", plain, month))
        newest = month_start(HISTORY_MONTHS - 1)
        execute(f"UPDATE {PLAIN}.{table} SET created_at = created_at WHERE created_at >= %s",
                [newest])
        execute(f"UPDATE {MONTH}.{table} SET created_at = created_at WHERE created_at >= %s",
                [newest])
        plain = clock(f"VACUUM (ANALYZE) {PLAIN}.{table}")
        month = clock(f"VACUUM (ANALYZE) {MONTH}.{table}_{newest:%Y_%m}")
        rows.append((f"VACUUM ANALYZE {table} after the newest month changed (partition only)",
                     plain, month))
    return rows


# --- Report -----------------------------------------------------------------------------------


def measure(size: int, log: Callable[[str], None]) -> list[tuple[str, float, float]]:
    rows = []
    for probe in probes(size):
        plain, month = probe.p50(PLAIN), probe.p50(MONTH)
        log(f"  {probe.name:<55} {plain:9.2f} {month:9.2f}")
        rows.append((probe.name, plain, month))
    for name, plain, month in [*retention(), *maintenance()]:
        log(f"  {name:<55} {plain:9.2f} {month:9.2f}")
        rows.append((name, plain, month))
    return rows


def counts() -> str:
    found = [execute(f"SELECT count(*) FROM {PLAIN}.{table}")[0][0] for table in TABLES]
    return "{:,} tickets, {:,} events, {:,} reminders".format(*found)


def verdict(results: dict[int, list[tuple[str, float, float]]]) -> list[str]:
    lines = []
    for size, rows in results.items():
        gains = [f"{name} ({month / plain:.2f})" for name, plain, month in rows
                 if plain and month / plain <= GAIN]
        losses = [f"{name} ({month / plain:.2f})" for name, plain, month in rows
                  if plain and month / plain >= 1 / GAIN]
        lines.append(f"at {size:,} tickets partitioning is faster for: "
                     + ("; ".join(gains) or "nothing"))
        lines.append(f"at {size:,} tickets partitioning is slower for: "
                     + ("; ".join(losses) or "nothing"))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="ticket counts, comma-separated (default 100000,1000000)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch schemas")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/partitions.py measures PostgreSQL's declarative partitioning: set "
              "DATABASE_URL to a PostgreSQL database. Nothing measured on", connection.vendor)
        return 0
    results: dict[int, list[tuple[str, float, float]]] = {}
    for size in (int(value) for value in args.sizes.split(",")):
        print(f"size {size:,} tickets: building", flush=True)
        seconds = build(size, lambda line: print(line, flush=True))
        print(f"  {counts()}; build plain {seconds['plain']:.0f} s, partitioned "
              f"{seconds['partitioned']:.0f} s", flush=True)
        print(f"  {'query':<55} {'plain ms':>9} {'part. ms':>9}", flush=True)
        results[size] = measure(size, lambda line: print(line, flush=True))
    if not args.keep:
        execute(f"DROP SCHEMA IF EXISTS {PLAIN} CASCADE; DROP SCHEMA IF EXISTS {MONTH} CASCADE")
    print("\n| size | query | plain ms | partitioned ms | ratio |\n|---|---|---|---|---|")
    for size, rows in results.items():
        for name, plain, month in rows:
            ratio = f"{month / plain:.2f}" if plain else "-"
            print(f"| {size:,} | {name} | {plain:.2f} | {month:.2f} | {ratio} |")
    print("\nVerdict (ratio = partitioned / plain; p50 of", RUNS, "runs; retention and VACUUM "
          "once; a shared machine, so read the ratios):")
    for line in verdict(results):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
