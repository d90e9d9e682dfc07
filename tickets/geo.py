"""Tickets on the map: each grid's open and overdue tickets and its closure rate over the last
CLOSURE_DAYS (over the tickets owned in its subtree that the user may read), and tickets
clustered in a box."""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from itertools import accumulate
from typing import Any

from django.db.models import Avg, Count, FloatField, Min, Q, QuerySet
from django.db.models.functions import Cast, Floor
from django.utils import timezone

from grids.models import GridNode

from . import selectors
from .kpis import percent
from .models import OPEN_STATUSES, Status, Ticket

FIGURES = ("open", "overdue", "closed", "handled")
# The closure rate a grid is coloured by counts the tickets received in this many days: the
# map reads the open work and a recent window, never the whole history, so it costs the same
# in a community's tenth year as in its first.
CLOSURE_DAYS = 30


def node_figures(user, nodes: list[GridNode]) -> dict[int, dict[str, Any]]:
    """{node id: {"open", "overdue", "closure_rate"}} for `nodes`, from one aggregate query
    (tickets grouped by their owner's place in the tree) summed over each node's subtree."""
    if not nodes:
        return {}
    now = timezone.now()
    recent = Q(created_at__gte=now - dt.timedelta(days=CLOSURE_DAYS))
    handled = recent & ~Q(status__in=[Status.MERGED, Status.REJECTED])
    rows = (selectors.ticket_list_for(user=user).select_related(None).order_by()
            .filter(Q(status__in=OPEN_STATUSES) | recent)
            .values("owner__tree_id", "owner__lft")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                      overdue=Count("pk", filter=selectors.overdue_q(now)),
                      closed=Count("pk", filter=recent & Q(status=Status.CLOSED)),
                      handled=Count("pk", filter=handled)))
    by_tree: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_tree[row["owner__tree_id"]].append(row)
    trees = {}
    for tree_id, owners in by_tree.items():
        owners.sort(key=lambda row: row["owner__lft"])
        trees[tree_id] = ([row["owner__lft"] for row in owners],
                          {name: [0, *accumulate(row[name] for row in owners)]
                           for name in FIGURES})
    figures = {}
    for node in nodes:
        totals = dict.fromkeys(FIGURES, 0)
        if node.tree_id in trees:
            lefts, sums = trees[node.tree_id]
            first, last = bisect_left(lefts, node.lft), bisect_right(lefts, node.rght)
            totals = {name: sums[name][last] - sums[name][first] for name in FIGURES}
        rate = percent(totals["closed"], totals["handled"])
        figures[node.pk] = {"open": totals["open"], "overdue": totals["overdue"],
                            "closure_rate": float(rate) if rate is not None else None}
    return figures


# --- Tickets on the map, clustered ----------------------------------------------------------

DEFAULT_CELLS = 48  # cells across the box's longer side: at most 49 x 49 features


def ticket_clusters(tickets: QuerySet[Ticket], *, box: tuple[float, float, float, float],
                    cells: int = DEFAULT_CELLS) -> list[dict]:
    """The tickets with a point in `box` (west, south, east, north), grouped in square cells
    (`cells` across the longer side) by the database: a cell holding one ticket is that ticket,
    with its reference, title and status; a larger one is a cluster at its tickets' mean point.
    Two queries whatever the number of tickets; at most (cells + 1)² features."""
    west, south, east, north = box
    size = max(east - west, north - south) / cells or 1e-6
    in_box = tickets.select_related(None).order_by().filter(
        latitude__isnull=False, longitude__isnull=False, latitude__gte=south,
        latitude__lte=north, longitude__gte=west, longitude__lte=east)
    rows = list(in_box.annotate(
        cx=Floor((Cast("longitude", FloatField()) - west) / size),
        cy=Floor((Cast("latitude", FloatField()) - south) / size),
    ).values("cx", "cy").annotate(
        count=Count("pk"), overdue=Count("pk", filter=selectors.overdue_q(timezone.now())),
        lon=Avg(Cast("longitude", FloatField())), lat=Avg(Cast("latitude", FloatField())),
        first=Min("pk")))
    singles = {row["first"] for row in rows if row["count"] == 1}
    details = {row["pk"]: row for row in Ticket.objects.filter(pk__in=singles).values(
        "pk", "reference", "title", "status", "latitude", "longitude")} if singles else {}
    features = []
    for row in rows:
        single = details.get(row["first"]) if row["count"] == 1 else None
        lon, lat = ((single["longitude"], single["latitude"]) if single
                    else (row["lon"], row["lat"]))
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [
            round(float(lon), 6), round(float(lat), 6)]}, "properties": {
            "count": row["count"], "overdue": row["overdue"],
            "ticket": single["pk"] if single else None,
            "reference": single["reference"] if single else None,
            "title": single["title"] if single else None,
            "status": single["status"] if single else None}}
        if single:
            feature["id"] = single["pk"]
        features.append(feature)
    return features
