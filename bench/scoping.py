"""Scoping at scale: the subtree lookup must cost the same on a large tree as on a small one.

Builds streets of communities of hubs of grids (bulk, then one mptt rebuild), assigns a worker,
a hub head and a center member, and times the scoped lookups. Prints a table and the plan.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from grids.models import Assignment, GridNode, NodeKind, Role  # noqa: E402
from grids.selectors import scope_queryset, visible_nodes  # noqa: E402

User = get_user_model()


def build_tree(total_nodes: int) -> dict[str, GridNode]:
    """One street; communities of 7 hubs x 1 grid4 x 5 grid5 (43 nodes each) until the total."""
    Assignment.objects.all().delete()
    User.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {GridNode._meta.db_table}")  # noqa: S608 - a constant name
    with GridNode.objects.disable_mptt_updates():
        street = GridNode.objects.create(kind=NodeKind.STREET, name="街道", code="ST",
                                         lft=0, rght=0, level=0, tree_id=1)
        per_community = 1 + 7 * (1 + 1 + 5)
        communities = GridNode.objects.bulk_create([
            GridNode(kind=NodeKind.COMMUNITY, name=f"社区{c}", code=f"C{c}", parent=street,
                     lft=0, rght=0, level=0, tree_id=1)
            for c in range(max(1, total_nodes // per_community))
        ])
        hubs = GridNode.objects.bulk_create([
            GridNode(kind=NodeKind.HUB, name=f"片区{c.pk}-{h}", code=f"H{c.pk}-{h}", parent=c,
                     lft=0, rght=0, level=0, tree_id=1)
            for c in communities for h in range(7)
        ])
        grid4s = GridNode.objects.bulk_create([
            GridNode(kind=NodeKind.GRID4, name=f"四级{h.pk}", code=f"G4-{h.pk}", parent=h,
                     lft=0, rght=0, level=0, tree_id=1)
            for h in hubs
        ])
        GridNode.objects.bulk_create([
            GridNode(kind=NodeKind.GRID5, name=f"五级{g.pk}-{n}", code=f"G5-{g.pk}-{n}",
                     parent=g, lft=0, rght=0, level=0, tree_id=1)
            for g in grid4s for n in range(5)
        ], batch_size=2000)
    GridNode.objects.rebuild()
    middle = communities[len(communities) // 2]
    hub = middle.get_children().first()
    grid5 = GridNode.objects.filter(kind=NodeKind.GRID5, parent__parent=hub).first()
    return {"worker": grid5, "hub head": hub, "center": middle}


def time_it(fn, repeat: int = 200) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def measure(total_nodes: int) -> dict[str, float]:
    places = build_tree(total_nodes)
    results = {}
    for label, node in places.items():
        user = User.objects.create(username=label.replace(" ", "_"))
        Assignment.objects.create(user=user, node=node, role=Role.HEAD)
        results[f"{label}: visible_nodes"] = time_it(lambda u=user: list(visible_nodes(u)))
        results[f"{label}: scope assignments"] = time_it(
            lambda u=user: list(scope_queryset(Assignment.objects.all(), user=u,
                                               capability="grids.read_tree")))
    results["_nodes"] = GridNode.objects.count()
    worker = User.objects.get(username="worker")
    with connection.cursor() as cursor:
        sql, params = visible_nodes(worker).query.sql_with_params()
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE grids_gridnode")
            cursor.execute("EXPLAIN " + sql, params)
            results["_plan"] = "\n".join(row[0] for row in cursor.fetchall())
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    args = parser.parse_args()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        small, large = measure(args.small), measure(args.large)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"database: {connection.vendor}; nodes: {small['_nodes']} vs {large['_nodes']}")
    print(f"{'lookup':<32}{'p50 small ms':>14}{'p50 large ms':>14}{'ratio':>8}")
    worst = 0.0
    for key in small:
        if key.startswith("_"):
            continue
        ratio = large[key] / small[key]
        if not key.startswith("center"):
            worst = max(worst, ratio)
        print(f"{key:<32}{small[key]:>14.3f}{large[key]:>14.3f}{ratio:>8.2f}")
    if "_plan" in large:
        print("\nplan of visible_nodes for a worker on the large tree:\n" + large["_plan"])
    verdict = "OK" if worst <= 1.5 else "OVER TARGET"
    print(f"\nworst worker/hub-head ratio: {worst:.2f} (target <= 1.5): {verdict}")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
