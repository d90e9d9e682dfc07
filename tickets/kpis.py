"""KPIs of ticket work (结哨率, 按时办结率, 满意率, 星级评定) for a subtree and a period.

Scope
    The tickets the user may see (`selectors.ticket_list_for`), narrowed to a node's subtree
    (located or owned there) and to a period on `created_at`: [since, until), local dates, the
    day `until` itself not included.

Bases
    total       every ticket in scope.
    handled     total less merged duplicates and rejected requests (neither is a piece of work
                done for a resident); the base of the resolution and closure rates.

Rates, in percent with one decimal (None when the base is zero)
    response rate      acceptances within the acceptance deadline / acceptances. Every
                       acceptance counts: each `accept` event records `on_time` against the
                       deadline in force at that moment, so an escalation or an upheld return,
                       which restart the clock on the ticket, cannot wipe out a late acceptance.
    resolution rate    resolved (`resolved_at` set: resolved, replied, follow-up or closed) /
                       handled. An unsatisfied evaluation reopens the work and un-resolves it.
    satisfaction rate  (satisfied + basically satisfied) / evaluated, on the resident's latest
                       evaluation.
    closure rate       closed / handled: the figure communities publish, e.g. 528 closed of 536
                       whistles = 98.5%.
    on-time rate       closed on time / (closed + open and overdue now). On time means resolved
                       no later than the resolve deadline in force (after an approved extension,
                       the extended one; after an escalation, the new stage's). Open work that is
                       late counts against the rate, so leaving a late ticket open hides nothing.

Counts
    returns upheld and rejected (the tickets' counters), returned now, extensions granted,
    escalations (sum of levels), tickets whistled to a department, open now, overdue now
    (`selectors.overdue_q`: waiting past the acceptance deadline, or accepted / in progress past
    the resolve deadline; on hold is not overdue, its clock is stopped).

Means, in hours
    to accept: intake (`created_at`) to the latest acceptance; to resolve: intake to
    `resolved_at`. The resident's wait, so the time a ticket spent climbing the tree counts.

Per worker: the tickets grouped by assignee; the response rate by the person who accepted.
Per grid: the tickets grouped by their owner, for owners that are level-4 or level-5 grids in the
subtree (or, with no node chosen, in the user's scope).

Star rating (星级评定), for a worker or a grid with at least MIN_RATED handled tickets
    score = 0.4 × on-time rate + 0.3 × satisfaction rate + 0.3 × response rate; a rate without a
    base is left out and the other weights scaled up to a total of 1.
    ★★★★★ score ≥ 95%, ★★★★ ≥ 90%, ★★★ ≥ 80%, ★★ ≥ 70%, ★ below 70%.

Cost: a constant number of queries whatever the number of tickets, grids and workers, and rows
read that follow the period's groups, not its tickets. The figures come from the rollup
(`tickets.rollup`: day and month rows of (owner, location, person), plus the changes not folded
yet) grouped by (owner, person) in one query, and the counts by month for the breakdowns and
the monthly chart in another; "overdue now" from the open tickets grouped by (assignee, owner);
then the names of those owners and people (one query each) and the user's scope (one or two
lookups). Python folds the grouped rows into the totals, the per-worker and the per-grid rows.
With `live=True` the same groups come from the tickets and their accept events themselves (the
reference the rollup is tested against).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal import permissions
from grids.models import GRID_KINDS, GridNode
from grids.people import person_name
from grids.selectors import User, sees_everything

from . import rollup, selectors
from .models import BREAKDOWNS, Channel, Satisfaction, Status, Ticket, TicketEvent, Whistle
from .workflow import OPEN

UserModel = get_user_model()
MIN_RATED = 5
WEIGHTS = (("on_time_rate", Decimal("0.4")), ("satisfaction_rate", Decimal("0.3")),
           ("response_rate", Decimal("0.3")))
STAR_THRESHOLDS = ((5, Decimal(95)), (4, Decimal(90)), (3, Decimal(80)), (2, Decimal(70)))


def legend() -> list[tuple[str, str]]:
    """The short definitions shown under the dashboard and in the export."""
    return [
        (_("Closure rate"), _("Closed / handled tickets (merged and rejected ones left out).")),
        (_("On-time rate"), _("Closed on time / (closed + open and overdue now): late open work "
                              "counts against it.")),
        (_("Response rate"), _("Acceptances within the acceptance deadline / all "
                               "acceptances.")),
        (_("Resolution rate"), _("Resolved or closed / handled tickets.")),
        (_("Satisfaction rate"), _("Satisfied and basically satisfied / evaluated tickets.")),
        (_("Stars"), _("Score = 40%% on-time rate + 30%% satisfaction rate + 30%% response "
                       "rate; 5 stars from 95%%, 4 from 90%%, 3 from 80%%, 2 from 70%%; rated "
                       "from %(n)s handled tickets.") % {"n": MIN_RATED}),
        (_("Overdue now"), _("Waiting past the acceptance deadline, or being worked on past the "
                             "resolve deadline; on hold is not counted.")),
        (_("Hours to accept / resolve"), _("Mean hours from intake to the latest acceptance / "
                                          "to resolution.")),
    ]


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator in percent, one decimal, rounded half up; None without a base."""
    if not denominator:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)


def _hours(total: dt.timedelta | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(total.total_seconds()) / 3600 / count).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """Counts for one group of tickets, and the rates derived from them."""

    total: int = 0
    handled: int = 0
    resolved: int = 0
    closed: int = 0
    closed_on_time: int = 0
    evaluated: int = 0
    satisfied: int = 0
    open: int = 0
    overdue: int = 0
    returned_now: int = 0
    returns_upheld: int = 0
    returns_rejected: int = 0
    extensions: int = 0
    escalations: int = 0
    whistled: int = 0
    accepted: int = 0
    accept_time: dt.timedelta = field(default_factory=dt.timedelta)
    resolve_count: int = 0
    resolve_time: dt.timedelta = field(default_factory=dt.timedelta)
    accepts: int = 0
    accepts_on_time: int = 0

    def add(self, row: dict[str, Any]) -> None:
        for item in fields(self):
            value = row.get(item.name)
            if value:
                setattr(self, item.name, getattr(self, item.name) + value)

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.accepts_on_time, self.accepts)

    @property
    def resolution_rate(self) -> Decimal | None:
        return percent(self.resolved, self.handled)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.evaluated)

    @property
    def closure_rate(self) -> Decimal | None:
        return percent(self.closed, self.handled)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.closed_on_time, self.closed + self.overdue)

    @property
    def hours_to_accept(self) -> Decimal | None:
        return _hours(self.accept_time, self.accepted)

    @property
    def hours_to_resolve(self) -> Decimal | None:
        return _hours(self.resolve_time, self.resolve_count)

    @property
    def score(self) -> Decimal | None:
        """The weighted score behind the stars (see the module docstring)."""
        parts = [(getattr(self, name), weight) for name, weight in WEIGHTS
                 if getattr(self, name) is not None]
        weights = sum((weight for _rate, weight in parts), Decimal(0))
        if not weights:
            return None
        score = sum((rate * weight for rate, weight in parts), Decimal(0)) / weights
        return score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def stars(self) -> int | None:
        score = self.score
        if self.handled < MIN_RATED or score is None:
            return None
        return next((stars for stars, floor in STAR_THRESHOLDS if score >= floor), 1)

    @property
    def star_text(self) -> str:
        return "★" * self.stars + "☆" * (5 - self.stars) if self.stars else ""

    def as_dict(self) -> dict[str, Any]:
        counts = {item.name: getattr(self, item.name) for item in fields(self)
                  if item.name not in ("accept_time", "resolve_time")}
        derived = {name: getattr(self, name) for name in (
            "response_rate", "resolution_rate", "satisfaction_rate", "closure_rate",
            "on_time_rate", "hours_to_accept", "hours_to_resolve", "score")}
        return {**counts, **{k: None if v is None else float(v) for k, v in derived.items()},
                "stars": self.stars}


@dataclass
class Row:
    """One line of the grid ranking or the worker table."""

    pk: int
    name: str
    figures: Figures = field(default_factory=Figures)
    kind: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.pk, "name": self.name, **({"kind": self.kind} if self.kind else {}),
                **self.figures.as_dict()}


@dataclass
class Report:
    node: GridNode | None
    since: dt.date | None
    until: dt.date | None
    now: dt.datetime
    summary: Figures
    by_whistle: list[tuple[str, str, int]]
    by_channel: list[tuple[str, str, int]]
    by_status: list[tuple[str, str, int]]
    months: list[str]
    monthly: dict[str, list[int]]
    grids: list[Row]
    workers: list[Row]

    def as_dict(self) -> dict[str, Any]:
        def counts(items):
            return [{"value": v, "label": str(label), "count": n} for v, label, n in items]

        return {
            "node": self.node.pk if self.node else None,
            "node_name": self.node.name if self.node else None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "generated_at": self.now.isoformat(),
            "summary": self.summary.as_dict(),
            "by_whistle": counts(self.by_whistle), "by_channel": counts(self.by_channel),
            "by_status": counts(self.by_status),
            "monthly": {"months": self.months, "by_whistle": self.monthly},
            "grids": [row.as_dict() for row in self.grids],
            "workers": [row.as_dict() for row in self.workers],
        }


# --- Queries --------------------------------------------------------------------------------


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def scoped_tickets(*, user: User, node: GridNode | None = None, since: dt.date | None = None,
                   until: dt.date | None = None) -> QuerySet[Ticket]:
    """The tickets the figures count: visible to the user, in the node's subtree, created in
    [since, until)."""
    tickets = selectors.ticket_list_for(user=user, node=node,
                                        capability=selectors.READ_DASHBOARD)
    if since is not None:
        tickets = tickets.filter(created_at__gte=local_midnight(since))
    if until is not None:
        tickets = tickets.filter(created_at__lt=local_midnight(until))
    return tickets.select_related(None).order_by()


def _duration(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("created_at"), output_field=DurationField())


def _ticket_aggregates(now: dt.datetime) -> dict[str, Any]:
    handled = ~Q(status__in=[Status.MERGED, Status.REJECTED])
    closed = Q(status=Status.CLOSED)
    return {
        "total": Count("pk"),
        "handled": Count("pk", filter=handled),
        "resolved": Count("pk", filter=handled & Q(resolved_at__isnull=False)),
        "closed": Count("pk", filter=closed),
        "closed_on_time": Count("pk", filter=closed & Q(resolved_at__lte=F("resolve_due_at"))),
        "evaluated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED,
                                                            Satisfaction.BASICALLY])),
        "open": Count("pk", filter=Q(status__in=OPEN)),
        "overdue": Count("pk", filter=selectors.overdue_q(now)),
        "returned_now": Count("pk", filter=Q(status=Status.RETURNED)),
        "returns_upheld": Sum("returns_upheld"),
        "returns_rejected": Sum("returns_rejected"),
        "extensions": Sum("extensions"),
        "escalations": Sum("escalation_level"),
        "whistled": Count("pk", filter=Q(department__isnull=False)),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "accept_time": Sum(_duration("accepted_at"), filter=Q(accepted_at__isnull=False)),
        "resolve_count": Count("pk", filter=Q(resolved_at__isnull=False)),
        "resolve_time": Sum(_duration("resolved_at"), filter=Q(resolved_at__isnull=False)),
    }


def _ticket_groups(tickets: QuerySet[Ticket], now: dt.datetime) -> list[dict]:
    """The figures by (assignee, owner): grouped by ids only, so the database hashes a few
    dozen groups instead of sorting every row."""
    return list(tickets.values("assignee_id", "owner_id").annotate(**_ticket_aggregates(now))
                .order_by())


def _accept_groups(tickets: QuerySet[Ticket]) -> list[dict]:
    events = TicketEvent.objects.filter(action="accept", ticket__in=tickets.values("pk"))
    rows = events.values("actor_id", "ticket__owner_id").annotate(
        accepts=Count("pk"), accepts_on_time=Count("pk", filter=Q(data__on_time=True)),
    ).order_by()
    return [{**row, "owner_id": row["ticket__owner_id"]} for row in rows]


def _counts(tickets: QuerySet[Ticket]) -> dict[tuple[str, str, str], int]:
    """Tickets by (month "YYYY-MM", dimension, value) for the dimensions whistle, channel and
    status: the breakdowns and the monthly chart from one pass over the rows."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in (tickets.annotate(month=TruncMonth("created_at"))
                .values("month", "whistle", "channel", "status").annotate(n=Count("pk"))
                .order_by()):
        for dimension in BREAKDOWNS:
            totals[f"{row['month']:%Y-%m}", dimension, row[dimension]] += row["n"]
    return totals


def _breakdown(counts: dict[tuple[str, str, str], int]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {dimension: defaultdict(int) for dimension in BREAKDOWNS}
    for (_month, dimension, value), n in counts.items():
        totals[dimension][value] += n
    return totals


def _monthly(counts: dict[tuple[str, str, str], int], since: dt.date | None,
             until: dt.date | None) -> tuple[list[str], dict[str, list[int]]]:
    by_month = {(month, value): n for (month, dimension, value), n in counts.items()
                if dimension == "whistle"}
    months = _month_labels(since, until, {month for month, _w in by_month})
    return months, {whistle: [by_month.get((month, whistle), 0) for month in months]
                    for whistle in Whistle.values}


def _month_labels(since: dt.date | None, until: dt.date | None, seen: set[str]) -> list[str]:
    """Every month of the period, empty ones too (the chart's x axis)."""
    if since is None or until is None:
        return sorted(seen)
    labels, year, month = [], since.year, since.month
    last = until - dt.timedelta(days=1)
    while (year, month) <= (last.year, last.month) and len(labels) < 240:
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


# --- Folding --------------------------------------------------------------------------------


@dataclass
class _Names:
    """Owners and people of the grouped rows, one query each."""

    owners: dict[int, dict]
    people: dict[int, str]

    @classmethod
    def of(cls, ticket_rows: list[dict], accept_rows: list[dict]) -> "_Names":
        owner_ids = {row["owner_id"] for row in (*ticket_rows, *accept_rows)}
        person_ids = ({row["assignee_id"] for row in ticket_rows}
                      | {row["actor_id"] for row in accept_rows}) - {None}
        owners = {node["pk"]: node for node in GridNode.objects.filter(pk__in=owner_ids)
                  .values("pk", "name", "kind", "tree_id", "lft")}
        people = {user.pk: person_name(user) for user in UserModel.objects.filter(
            pk__in=person_ids).only("username", "first_name", "last_name")}
        return cls(owners=owners, people=people)


def _grid_ranges(user: User, node: GridNode | None) -> list[tuple[int, int, int]] | None:
    """The tree ranges a ranked grid must lie in; None for everywhere."""
    if node is not None:
        return [(node.tree_id, node.lft, node.rght)]
    if sees_everything(user):
        return None
    return permissions.grant_ranges(user, selectors.READ_DASHBOARD)


def _ranked_grid(owner: dict, ranges: list[tuple[int, int, int]] | None) -> bool:
    if owner["kind"] not in GRID_KINDS:
        return False
    if ranges is None:
        return True
    return any(owner["tree_id"] == tree and lft <= owner["lft"] < rght
               for tree, lft, rght in ranges)


def _fold(ticket_rows: list[dict], accept_rows: list[dict], names: _Names,
          ranges: list[tuple[int, int, int]] | None) -> tuple[Figures, list[Row], list[Row]]:
    summary = Figures()
    grids: dict[int, Row] = {}
    workers: dict[int, Row] = {}
    for rows, person in ((ticket_rows, "assignee_id"), (accept_rows, "actor_id")):
        for row in rows:
            summary.add(row)
            owner = names.owners[row["owner_id"]]
            if _ranked_grid(owner, ranges):
                grids.setdefault(owner["pk"], Row(pk=owner["pk"], name=owner["name"],
                                                  kind=owner["kind"])).figures.add(row)
            pk = row[person]
            if pk is not None:
                workers.setdefault(pk, Row(pk=pk, name=names.people.get(pk, ""))).figures.add(row)
    return summary, _ranked(grids.values()), _ranked(workers.values())


def _ranked(rows: Iterable[Row]) -> list[Row]:
    def key(row: Row):
        figures = row.figures
        return (figures.stars is None, -(figures.stars or 0), -(figures.score or 0),
                -figures.total, row.name, row.pk)

    return sorted(rows, key=key)


def _labelled(choices, counts: dict[str, int]) -> list[tuple[str, str, int]]:
    known = [(value, str(label), counts.get(value, 0)) for value, label in choices]
    return known + [(value, value, n) for value, n in counts.items()
                    if value not in dict(choices)]


def _rollup_place(scope: permissions.Scope, ranges: list[tuple[int, int, int]]) -> Q:
    """The rollup is placed as tickets are for the dashboard, by its owner and by its location:
    by their ids among the nodes of the ranges, so its indexes on owner and location serve a
    small scope and no row is joined to the tree."""
    nodes = GridNode.objects.filter(
        permissions.within_q("", ranges, strictly=scope == permissions.Scope.ABOVE)
    ).values("pk")
    return Q(owner_id__in=nodes) | Q(node_id__in=nodes)


ROLLUP = permissions.Target("KPI rollup", tree=_rollup_place)


def _rollup_serves() -> bool:
    """Whether every grant of the dashboard places tickets by the tree alone (the rollup
    knows a ticket's owner and location, not its routing or departments)."""
    grants = permissions.CAPABILITIES[selectors.READ_DASHBOARD].grants
    return set(grants.values()) <= {permissions.Scope.SUBTREE, permissions.Scope.ABOVE}


def _rollup_scope(user: User, node: GridNode | None) -> Q | None:
    """`scoped_tickets`'s condition, placed on the rollup's owner and location."""
    condition = permissions.scope_q(user, selectors.READ_DASHBOARD, ROLLUP)
    if node is not None:
        subtree = ROLLUP.q(permissions.Scope.SUBTREE, [(node.tree_id, node.lft, node.rght)],
                           user)
        condition = subtree if condition is None else condition & subtree
    return condition


def _overdue_groups(tickets: QuerySet[Ticket], now: dt.datetime) -> list[dict]:
    """Overdue now, by (assignee, owner): it depends on the hour, so it is counted over the
    open tickets rather than rolled up."""
    return list(tickets.filter(selectors.overdue_q(now)).values("assignee_id", "owner_id")
                .annotate(overdue=Count("pk")).order_by())


def _live_groups(tickets: QuerySet[Ticket], now: dt.datetime
                 ) -> tuple[list[dict], list[dict], list[dict]]:
    """Every group from the tickets and events themselves (the reference the rollup is
    tested against)."""
    return _ticket_groups(tickets, now), _accept_groups(tickets), _counts(tickets)


def _rolled_up_groups(tickets: QuerySet[Ticket], user: User, node: GridNode | None,
                      since: dt.date | None, until: dt.date | None, now: dt.datetime
                      ) -> tuple[list[dict], list[dict], list[dict]]:
    """The same groups from the rollup (plus the changes not folded yet) and the overdue
    tickets: their cost follows the period's groups and the open work, not its tickets."""
    scope = _rollup_scope(user, node)
    figures = rollup.figure_groups(scope, since, until)
    return figures + _overdue_groups(tickets, now), [], rollup.count_groups(scope, since, until)


def ticket_kpis(*, user: User, node: GridNode | None = None, since: dt.date | None = None,
                until: dt.date | None = None, now: dt.datetime | None = None,
                live: bool = False) -> Report:
    """Every figure of the dashboard, the export and the stats API (see the module docstring),
    from the rollup (`tickets.rollup`), or with `live` from the tickets themselves.

    `node` must already be one the user may see (`grids.selectors.node_get_for`)."""
    now = now or timezone.now()
    tickets = scoped_tickets(user=user, node=node, since=since, until=until)
    if live or not _rollup_serves():
        ticket_rows, accept_rows, counts = _live_groups(tickets, now)
    else:
        ticket_rows, accept_rows, counts = _rolled_up_groups(tickets, user, node, since, until,
                                                             now)
    summary, grids, workers = _fold(ticket_rows, accept_rows, _Names.of(ticket_rows, accept_rows),
                                    _grid_ranges(user, node))
    breakdown = _breakdown(counts)
    months, monthly = _monthly(counts, since, until)
    return Report(
        node=node, since=since, until=until, now=now, summary=summary,
        by_whistle=_labelled(Whistle.choices, breakdown["whistle"]),
        by_channel=_labelled(Channel.choices, breakdown["channel"]),
        by_status=_labelled(Status.choices, breakdown["status"]),
        months=months, monthly=monthly, grids=grids, workers=workers,
    )
