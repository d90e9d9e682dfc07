"""Concurrent tree writes on the real PostgreSQL server keep the nested sets sound."""

import random
import threading

import pytest
from django.db import connections

from grids import services
from grids.integrity import find_tree_damage
from grids.models import GridNode, NodeKind
from tests.grids.factories import GridNodeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_in_threads(count, work):
    barrier = threading.Barrier(count)
    errors = []

    def runner(index):
        try:
            barrier.wait(timeout=30)
            work(index)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_eight_threads_moving_grids_at_once_leave_the_tree_sound(community):
    grid4s = [community.g4a, community.g4b, community.g4x]
    for n in range(24):
        GridNodeFactory(kind=NodeKind.GRID5, parent=grid4s[n % 3], code=f"P{n:02d}")
    grid5_ids = list(GridNode.objects.filter(code__startswith="P").values_list("pk", flat=True))
    grid4_ids = [node.pk for node in grid4s]

    def mover(index):
        rng = random.Random(index)
        for _ in range(15):
            node = GridNode.objects.get(pk=rng.choice(grid5_ids))
            target = GridNode.objects.get(pk=rng.choice(grid4_ids))
            services.node_move(actor=community.admin, node=node, target=target,
                               position=rng.choice(["first-child", "last-child"]))

    assert _run_in_threads(8, mover) == []
    assert find_tree_damage() == []
    assert GridNode.objects.filter(code__startswith="P").count() == 24


def test_a_tree_write_waits_for_the_lock_held_by_another(community):
    holding, release, moved = threading.Event(), threading.Event(), threading.Event()

    def holder(_):
        with services.tree_write_lock():
            holding.set()
            release.wait(timeout=30)

    def mover(_):
        holding.wait(timeout=30)
        services.node_move(actor=community.admin, node=community.g5b, target=community.g4b)
        moved.set()

    threads = [threading.Thread(target=lambda f=f: (f(0), connections.close_all()))
               for f in (holder, mover)]
    for thread in threads:
        thread.start()
    holding.wait(timeout=30)
    assert not moved.wait(timeout=1.0), "the move ran while another tree write held the lock"
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert moved.is_set()
    community.g5b.refresh_from_db()
    assert community.g5b.parent_id == community.g4b.pk
    assert find_tree_damage() == []
