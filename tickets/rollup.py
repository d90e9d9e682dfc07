"""KPI rollups: what every ticket adds to the KPIs, summed per day and per month of intake, so
the dashboard, the stats API and the export cost the groups of their period, not its tickets.

How it stays current
    Database triggers (PostgreSQL and SQLite alike, installed by the migration and by
    `manage.py rebuild_kpis`) write a `KpiDelta` row in the very transaction that inserts,
    changes or deletes a ticket (its old contribution taken away, its new one added) or records
    or removes an acceptance. Every write is covered: the services, the sweep's set-based
    updates, bulk imports and the admin. A trigger only appends (no row is updated in place), so
    two transactions never wait on each other for a total.

    `fold()` (Celery beat, every minute) moves the deltas into `KpiRollup`: it deletes them
    and, in the same transaction, adds what it deleted to the day row and to the month row of
    their key. Reports read the rollup plus the deltas not folded yet (`figures()`,
    `counts()`), so a figure is exact the moment the transaction that changed it commits.

What a ticket adds: see `MEASURES` (the same definitions as `tickets.kpis`, whose live
aggregate the tests compare against over random histories). "Overdue now" depends on the hour
and is not rolled up: the report counts it over the open tickets.

Local days: a ticket's day is its intake date in settings.TIME_ZONE. SQLite has no time zones:
its triggers add the zone's current UTC offset (China keeps one all year); `rebuild_kpis`
re-installs the triggers after a change of TIME_ZONE.
"""
# ruff: noqa: S608 - the SQL here is built from the models' own table and column names and the
# enums' values; every value from outside is a query parameter.

import contextlib
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from .models import BREAKDOWNS, KpiDelta, KpiRollup, Satisfaction, Status
from .workflow import OPEN

TICKETS, EVENTS = "tickets_ticket", "tickets_ticketevent"
DELTAS, ROLLUP = KpiDelta._meta.db_table, KpiRollup._meta.db_table
KEY = ("owner_id", "node_id", "person_id")
MEASURE_NAMES = tuple(f.name for f in KpiDelta._meta.concrete_fields
                      if f.name not in ("id", "day", "owner", "node", *KEY))


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _if(condition: str, value: str = "1") -> str:
    return f"CASE WHEN {condition} THEN {value} ELSE 0 END"


class _Dialect:
    """The few SQL spellings that differ between the two engines."""

    def __init__(self, vendor: str):
        self.vendor = vendor

    def day(self, column: str) -> str:
        zone = settings.TIME_ZONE
        if self.vendor == "postgresql":
            return f"({column} AT TIME ZONE '{zone}')::date"
        offset = dt.datetime.now(zoneinfo.ZoneInfo(zone)).utcoffset() or dt.timedelta()
        return f"date({column}, '{int(offset.total_seconds())} seconds')"

    def microseconds(self, end: str, start: str) -> str:
        if self.vendor == "postgresql":
            return f"(EXTRACT(EPOCH FROM ({end} - {start})) * 1000000)::bigint"
        # Django keeps SQLite datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC): whole
        # seconds from strftime, the microseconds from the text, so the sum is exact.
        return (f"((strftime('%s', {end}) - strftime('%s', {start})) * 1000000"
                f" + CAST(substr({end}, 21, 6) AS INTEGER)"
                f" - CAST(substr({start}, 21, 6) AS INTEGER))")

    def on_time(self, data: str) -> str:
        if self.vendor == "postgresql":
            return f"({data} -> 'on_time') = 'true'::jsonb"
        return f"json_extract({data}, '$.on_time') = 1"


def measures(r: str, d: _Dialect) -> dict[str, str]:
    """A ticket row's contribution (`r`: its alias), as SQL per measure."""
    handled = f"{r}.status NOT IN ({_quoted([Status.MERGED, Status.REJECTED])})"
    resolved = f"{r}.resolved_at IS NOT NULL"
    accepted = f"{r}.accepted_at IS NOT NULL"
    closed = f"{r}.status = '{Status.CLOSED}'"
    return {
        "total": "1",
        "handled": _if(handled),
        "resolved": _if(f"{handled} AND {resolved}"),
        "closed": _if(closed),
        "closed_on_time": _if(f"{closed} AND {r}.resolved_at <= {r}.resolve_due_at"),
        "evaluated": _if(f"{r}.satisfaction <> ''"),
        "satisfied": _if(f"{r}.satisfaction IN "
                         f"({_quoted([Satisfaction.SATISFIED, Satisfaction.BASICALLY])})"),
        "open": _if(f"{r}.status IN ({_quoted(OPEN)})"),
        "returned_now": _if(f"{r}.status = '{Status.RETURNED}'"),
        "returns_upheld": f"{r}.returns_upheld",
        "returns_rejected": f"{r}.returns_rejected",
        "extensions": f"{r}.extensions",
        "escalations": f"{r}.escalation_level",
        "whistled": _if(f"{r}.department_id IS NOT NULL"),
        "accepted": _if(accepted),
        "accept_us": _if(accepted, d.microseconds(f"{r}.accepted_at", f"{r}.created_at")),
        "resolve_count": _if(resolved),
        "resolve_us": _if(resolved, d.microseconds(f"{r}.resolved_at", f"{r}.created_at")),
        "accepts": "0",
        "accepts_on_time": "0",
        **{f"{dimension}_{value}": _if(f"{r}.{dimension} = '{value}'")
           for dimension, enum in BREAKDOWNS.items() for value in enum.values},
    }


def _ticket_select(r: str, d: _Dialect, sign: str) -> str:
    """SELECT of one ticket row's delta (`sign` '' or '-')."""
    values = measures(r, d)
    return ("SELECT " + ", ".join([
        d.day(f"{r}.created_at"), f"{r}.owner_id", f"{r}.node_id",
        f"COALESCE({r}.assignee_id, 0)",
        *(f"{sign}({values[name]})" for name in MEASURE_NAMES)]))


def _accept_select(t: str, e: str, d: _Dialect, sign: str, grouped: bool = True) -> str:
    """SELECT of the accept events' deltas of ticket `t` (events aliased `e`): summed by
    actor when `grouped` (to be followed by FROM, WHERE and GROUP BY the actor), else of the
    one event `e`."""
    values = dict.fromkeys(MEASURE_NAMES, "0")
    on_time = _if(d.on_time(f"{e}.data"))
    values["accepts"] = "COUNT(*)" if grouped else "1"
    values["accepts_on_time"] = f"SUM({on_time})" if grouped else on_time
    return ("SELECT " + ", ".join([
        d.day(f"{t}.created_at"), f"{t}.owner_id", f"{t}.node_id",
        f"COALESCE({e}.actor_id, 0)",
        *(f"{sign}{values[name]}" for name in MEASURE_NAMES)]))


INSERT = f"INSERT INTO {DELTAS} (day, {', '.join(KEY)}, {', '.join(MEASURE_NAMES)}) "
# The ticket columns a contribution depends on: an update touching none of them adds nothing.
WATCHED = ("created_at", "owner_id", "node_id", "assignee_id", "whistle", "channel", "status",
           "resolved_at", "resolve_due_at", "satisfaction", "returns_upheld", "returns_rejected",
           "extensions", "escalation_level", "department_id", "accepted_at")
PLACED = ("created_at", "owner_id", "node_id")  # what an acceptance is counted under


def _accepts_of(ticket: str, d: _Dialect, sign: str) -> str:
    return (INSERT + _accept_select(ticket, "e", d, sign)
            + f" FROM {EVENTS} e WHERE e.ticket_id = {ticket}.id AND e.action = 'accept'"
            + " GROUP BY COALESCE(e.actor_id, 0)")


def _event_delta(event: str, d: _Dialect, sign: str) -> str:
    return (INSERT + _accept_select("t", event, d, sign, grouped=False)
            + f" FROM {TICKETS} t WHERE t.id = {event}.ticket_id")


def _trigger_sql(vendor: str) -> tuple[list[str], list[str]]:
    """(statements creating the triggers, statements dropping them)."""
    d = _Dialect(vendor)
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" if vendor == "postgresql"
                          else f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    moved = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" if vendor == "postgresql"
                        else f"OLD.{c} IS NOT NEW.{c}" for c in PLACED)
    if vendor == "postgresql":
        ticket_fn = f"""
CREATE OR REPLACE FUNCTION gridportal_kpi_ticket() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {INSERT}{_ticket_select("OLD", d, "-")};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {INSERT}{_ticket_select("NEW", d, "")};
  END IF;
  IF TG_OP = 'UPDATE' AND ({moved}) THEN
    {_accepts_of("OLD", d, "-")};
    {_accepts_of("NEW", d, "")};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""
        event_fn = f"""
CREATE OR REPLACE FUNCTION gridportal_kpi_event() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.action = 'accept' THEN
    {_event_delta("OLD", d, "-")};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.action = 'accept' THEN
    {_event_delta("NEW", d, "")};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""
        create = [
            ticket_fn, event_fn,
            f"CREATE TRIGGER gridportal_kpi_ticket_insert AFTER INSERT OR DELETE ON {TICKETS} "
            "FOR EACH ROW EXECUTE FUNCTION gridportal_kpi_ticket()",
            f"CREATE TRIGGER gridportal_kpi_ticket_update AFTER UPDATE ON {TICKETS} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION gridportal_kpi_ticket()",
            f"CREATE TRIGGER gridportal_kpi_event AFTER INSERT OR UPDATE OR DELETE ON {EVENTS} "
            "FOR EACH ROW EXECUTE FUNCTION gridportal_kpi_event()",
        ]
        drop = [f"DROP TRIGGER IF EXISTS gridportal_kpi_ticket_insert ON {TICKETS}",
                f"DROP TRIGGER IF EXISTS gridportal_kpi_ticket_update ON {TICKETS}",
                f"DROP TRIGGER IF EXISTS gridportal_kpi_event ON {EVENTS}",
                "DROP FUNCTION IF EXISTS gridportal_kpi_ticket()",
                "DROP FUNCTION IF EXISTS gridportal_kpi_event()"]
        return create, drop
    if vendor != "sqlite":
        raise ImproperlyConfigured(f"gridportal runs on PostgreSQL or SQLite, not {vendor}")
    create = [
        f"CREATE TRIGGER gridportal_kpi_ticket_insert AFTER INSERT ON {TICKETS} BEGIN "
        f"{INSERT}{_ticket_select('NEW', d, '')}; END",
        f"CREATE TRIGGER gridportal_kpi_ticket_delete AFTER DELETE ON {TICKETS} BEGIN "
        f"{INSERT}{_ticket_select('OLD', d, '-')}; END",
        f"CREATE TRIGGER gridportal_kpi_ticket_update AFTER UPDATE ON {TICKETS} "
        f"WHEN {changed} BEGIN "
        f"{INSERT}{_ticket_select('OLD', d, '-')}; {INSERT}{_ticket_select('NEW', d, '')}; END",
        f"CREATE TRIGGER gridportal_kpi_ticket_move AFTER UPDATE ON {TICKETS} "
        f"WHEN {moved} BEGIN {_accepts_of('OLD', d, '-')}; {_accepts_of('NEW', d, '')}; END",
        f"CREATE TRIGGER gridportal_kpi_event_insert AFTER INSERT ON {EVENTS} "
        f"WHEN NEW.action = 'accept' BEGIN {_event_delta('NEW', d, '')}; END",
        f"CREATE TRIGGER gridportal_kpi_event_delete AFTER DELETE ON {EVENTS} "
        f"WHEN OLD.action = 'accept' BEGIN {_event_delta('OLD', d, '-')}; END",
        f"CREATE TRIGGER gridportal_kpi_event_update_old AFTER UPDATE ON {EVENTS} "
        f"WHEN OLD.action = 'accept' BEGIN {_event_delta('OLD', d, '-')}; END",
        f"CREATE TRIGGER gridportal_kpi_event_update_new AFTER UPDATE ON {EVENTS} "
        f"WHEN NEW.action = 'accept' BEGIN {_event_delta('NEW', d, '')}; END",
    ]
    names = ("ticket_insert", "ticket_delete", "ticket_update", "ticket_move", "event_insert",
             "event_delete", "event_update_old", "event_update_new")
    return create, [f"DROP TRIGGER IF EXISTS gridportal_kpi_{name}" for name in names]


def install_triggers(using=None) -> None:
    """(Re-)create the triggers on this connection's database."""
    conn = using or connection
    create, drop = _trigger_sql(conn.vendor)
    with conn.cursor() as cursor:
        for statement in (*drop, *create):
            cursor.execute(statement)


def remove_triggers(using=None) -> None:
    conn = using or connection
    with conn.cursor() as cursor:
        for statement in _trigger_sql(conn.vendor)[1]:
            cursor.execute(statement)


# --- Folding ---------------------------------------------------------------------------------


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


UPSERT = (f"INSERT INTO {ROLLUP} (span, period, {', '.join(KEY)}, {', '.join(MEASURE_NAMES)}) "
          f"VALUES ({', '.join(['%s'] * (2 + len(KEY) + len(MEASURE_NAMES)))}) "
          f"ON CONFLICT (span, period, {', '.join(KEY)}) DO UPDATE SET "
          + ", ".join(f"{name} = {ROLLUP}.{name} + excluded.{name}" for name in MEASURE_NAMES))


def fold(limit: int = 50_000) -> int:
    """Move up to `limit` deltas into the rollup (their day and month rows); the number moved.
    Deleting and adding happen in one transaction: a report sees each change exactly once."""
    columns = ("day", *KEY, *MEASURE_NAMES)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {DELTAS} ORDER BY id LIMIT 1 OFFSET %s",
                           [limit - 1])
            last = cursor.fetchone()
            bound = f"WHERE id <= {int(last[0])}" if last else ""
            # DELETE ... RETURNING: only the rows this transaction removed are added, even
            # when another fold or a late commit runs alongside.
            cursor.execute(f"DELETE FROM {DELTAS} {bound} RETURNING {', '.join(columns)}")
            deltas = cursor.fetchall()
        if not deltas:
            return 0
        sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURE_NAMES))
        for row in deltas:
            day = row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(row[0])
            key, values = row[1:1 + len(KEY)], row[1 + len(KEY):]
            for span, period in (("d", day), ("m", _month(day))):
                total = sums[(span, period, *key)]
                for index, value in enumerate(values):
                    total[index] += value
        with connection.cursor() as cursor:
            # In key order: two folds at once lock the rows they share in the same order.
            changed = sorted((*key, *values) for key, values in sums.items() if any(values))
            cursor.executemany(UPSERT, changed)
            # Groups that came to nothing (every ticket moved away) are dropped.
            for start in range(0, len(changed), 500):
                keys = [row[:2 + len(KEY)] for row in changed[start:start + 500]]
                cursor.execute(
                    f"DELETE FROM {ROLLUP} WHERE (span, period, {', '.join(KEY)}) IN (VALUES "
                    + ", ".join([f"({', '.join(['%s'] * len(keys[0]))})"] * len(keys)) + ") AND "
                    + " AND ".join(f"{name} = 0" for name in MEASURE_NAMES),
                    [value for key in keys for value in key])
    return len(deltas)


def fold_all() -> int:
    moved = total = fold()
    while moved:
        moved = fold()
        total += moved
    return total


def rebuild() -> dict[str, int]:
    """Recompute the rollup from the tickets and their acceptances, and re-install the
    triggers (after a restore, a bulk load with triggers off, or a change of TIME_ZONE). Runs
    in one transaction; writes that happen meanwhile wait for it."""
    d = _Dialect(connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {TICKETS}, {EVENTS} IN SHARE MODE")
        install_triggers()
        cursor.execute(f"DELETE FROM {DELTAS}")
        cursor.execute(f"DELETE FROM {ROLLUP}")
        cursor.execute(INSERT + _ticket_select("t", d, "") + f" FROM {TICKETS} t")
        cursor.execute(INSERT + _accept_select("t", "e", d, "")
                       + f" FROM {EVENTS} e JOIN {TICKETS} t ON t.id = e.ticket_id"
                       " WHERE e.action = 'accept' GROUP BY t.id, t.created_at, t.owner_id,"
                       " t.node_id, COALESCE(e.actor_id, 0)")
        for span, period in (("d", "day"), ("m", _month_sql(connection.vendor))):
            cursor.execute(
                f"INSERT INTO {ROLLUP} (span, period, {', '.join(KEY)}, "
                f"{', '.join(MEASURE_NAMES)}) SELECT '{span}', {period}, {', '.join(KEY)}, "
                + ", ".join(f"SUM({name})" for name in MEASURE_NAMES)
                + f" FROM {DELTAS} GROUP BY {period}, {', '.join(KEY)}")
        # TRUNCATE on PostgreSQL (transactional there): no dead rows left for reads to skip.
        cursor.execute(f"TRUNCATE {DELTAS}" if connection.vendor == "postgresql"
                       else f"DELETE FROM {DELTAS}")
    return {"day rows": KpiRollup.objects.filter(span="d").count(),
            "month rows": KpiRollup.objects.filter(span="m").count()}


@contextlib.contextmanager
def suspended():
    """Bulk loads (the district builder): no triggers while rows pour in, one rebuild after."""
    remove_triggers()
    try:
        yield
    finally:
        rebuild()


def _month_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return "date_trunc('month', day)::date"
    return "date(day, 'start of month')"


# --- Reading ---------------------------------------------------------------------------------


def _first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_q(since: dt.date | None, until: dt.date | None) -> Q:
    """The rollup rows that make up [since, until) exactly once: the whole months from month
    rows, the days at either end from day rows."""
    first = None if since is None else (since if since.day == 1
                                        else _first_of_next_month(since))
    last = None if until is None else _month(until)  # whole months end before this
    if first is not None and last is not None and first >= last:
        days = Q(span="d", period__gte=since, period__lt=until)
        return days
    months = Q(span="m")
    if first is not None:
        months &= Q(period__gte=first)
    if last is not None:
        months &= Q(period__lt=last)
    condition = months
    if since is not None and since != first:
        condition |= Q(span="d", period__gte=since, period__lt=first)
    if until is not None and until != last:
        condition |= Q(span="d", period__gte=last, period__lt=until)
    return condition


def sources(scope: Q | None, since: dt.date | None,
            until: dt.date | None) -> tuple[QuerySet, QuerySet]:
    """The rollup rows and the pending deltas of the period, in the scope (a condition on
    `owner` and `node`; None for everything)."""
    rows = KpiRollup.objects.filter(period_q(since, until))
    deltas = KpiDelta.objects.all()
    if since is not None:
        deltas = deltas.filter(day__gte=since)
    if until is not None:
        deltas = deltas.filter(day__lt=until)
    if scope is not None:
        rows, deltas = rows.filter(scope), deltas.filter(scope)
    return rows, deltas


COUNTS = tuple(f"{dimension}_{value}" for dimension, enum in BREAKDOWNS.items()
               for value in enum.values)
FIGURES = tuple(name for name in MEASURE_NAMES if name not in COUNTS)


def figure_groups(scope: Q | None, since: dt.date | None,
                  until: dt.date | None) -> list[dict]:
    """The measures by (owner, person), rollup and pending deltas together: rows as
    `tickets.kpis` folds them (`assignee_id` the person, None for nobody). A group that comes
    to nothing (changes not folded yet that cancel out) is no group."""
    totals: dict[tuple[int, int], dict[str, int]] = {}
    rows, deltas = (source.values("owner_id", "person_id")
                    .annotate(**{name: Sum(name) for name in FIGURES}).order_by()
                    for source in sources(scope, since, until))
    for row in rows.union(deltas, all=True):  # one query
        group = totals.setdefault((row["owner_id"], row["person_id"]),
                                  dict.fromkeys(FIGURES, 0))
        for name in FIGURES:
            group[name] += row[name] or 0
    return [{"owner_id": owner, "assignee_id": person or None, **values,
             "accept_time": dt.timedelta(microseconds=values["accept_us"]),
             "resolve_time": dt.timedelta(microseconds=values["resolve_us"])}
            for (owner, person), values in totals.items() if any(values.values())]


def count_groups(scope: Q | None, since: dt.date | None,
                 until: dt.date | None) -> dict[tuple[str, str, str], int]:
    """Tickets by (month "YYYY-MM", dimension, value) for the dimensions whistle, channel
    and status: the breakdowns and the monthly chart (as `tickets.kpis._counts`)."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    rows, deltas = (source.annotate(month=TruncMonth(day)).values("month")
                    .annotate(**{name: Sum(name) for name in COUNTS}).order_by()
                    for source, day in zip(sources(scope, since, until), ("period", "day"),
                                           strict=True))
    for row in rows.union(deltas, all=True):  # one query
        for dimension, enum in BREAKDOWNS.items():
            for value in enum.values:
                totals[f"{row['month']:%Y-%m}", dimension, value] += (
                    row[f"{dimension}_{value}"] or 0)
    return {key: n for key, n in totals.items() if n}
