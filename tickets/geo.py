"""Ticket figures for the map: each grid's open and overdue tickets and closure rate, over the
tickets owned in its subtree that the user may read."""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from itertools import accumulate
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from grids.models import GridNode

from . import selectors
from .kpis import percent
from .models import OPEN_STATUSES, Status

FIGURES = ("open", "overdue", "closed", "handled")


def node_figures(user, nodes: list[GridNode]) -> dict[int, dict[str, Any]]:
    """{node id: {"open", "overdue", "closure_rate"}} for `nodes`, from one aggregate query
    (tickets grouped by their owner's place in the tree) summed over each node's subtree."""
    if not nodes:
        return {}
    handled = ~Q(status__in=[Status.MERGED, Status.REJECTED])
    rows = (selectors.ticket_list_for(user=user).select_related(None).order_by()
            .values("owner__tree_id", "owner__lft")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                      overdue=Count("pk", filter=selectors.overdue_q(timezone.now())),
                      closed=Count("pk", filter=Q(status=Status.CLOSED)),
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
