"""Which grid a point is in: the chain from the lowest grid whose boundary contains it up to
the root, found through an index that follows every boundary change."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids import geometry, services
from grids.models import GridNode
from tests.grids.factories import draw_boundaries, rectangle

pytestmark = pytest.mark.django_db

IN_G5A = (102.705, 25.005)  # lon, lat
IN_G5C = (102.71, 25.02)
IN_G4X = (102.74, 25.01)
IN_LH_OUTSIDE_G4X = (102.75, 25.01)
IN_NO_BOUNDARY = (102.80, 25.10)


def codes(chain):
    return [node.code for node in chain]


@pytest.fixture
def drawn(community):
    draw_boundaries(community)
    return community


def test_a_point_answers_its_grid_chain_lowest_first(drawn):
    assert codes(geometry.locate(*IN_G5A)) == ["G5A", "G4A", "H1", "SJC", "ST"]
    assert codes(geometry.locate(*IN_G5C)) == ["G5C", "G4B", "H2", "SJC", "ST"]
    assert codes(geometry.locate(*IN_G4X)) == ["G4X", "LH", "ST"]


def test_a_point_in_a_community_but_no_grid_answers_the_community(drawn):
    assert codes(geometry.locate(*IN_LH_OUTSIDE_G4X)) == ["LH", "ST"]


def test_a_point_outside_every_boundary_answers_nothing(drawn):
    assert geometry.locate(*IN_NO_BOUNDARY) == []


def test_a_redrawn_boundary_is_looked_up_at_once(drawn):
    assert codes(geometry.locate(*IN_G5A))[0] == "G5A"
    services.node_update(actor=drawn.admin, node=drawn.g5a,
                         boundary=rectangle(102.70, 25.00, 102.702, 25.002))
    services.node_update(actor=drawn.admin, node=drawn.g5b,
                         boundary=rectangle(102.702, 25.002, 102.73, 25.015))
    assert codes(geometry.locate(*IN_G5A))[0] == "G5B"


def test_another_processs_change_is_seen_once_the_version_moves(drawn):
    assert codes(geometry.locate(*IN_G5A))[0] == "G5A"
    # Another process shrank G5A: the database changed and the version in the cache moved.
    GridNode.objects.filter(pk=drawn.g5a.pk).update(
        boundary=rectangle(102.70, 25.00, 102.702, 25.002))
    assert codes(geometry.locate(*IN_G5A))[0] == "G5A"  # this process's index, unchanged
    cache.set(geometry.VERSION_KEY, "moved by another process", None)
    assert codes(geometry.locate(*IN_G5A))[0] == "G4A"


def test_an_inactive_grid_passes_its_points_to_the_grid_above(drawn):
    services.node_update(actor=drawn.admin, node=drawn.g5a, active=False)
    assert codes(geometry.locate(*IN_G5A))[0] == "G4A"


def test_the_index_is_built_once_and_a_lookup_costs_one_query(drawn, monkeypatch):
    builds = []
    build = geometry._build
    monkeypatch.setattr(geometry, "_build", lambda version: builds.append(version)
                        or build(version))
    geometry.locate(*IN_G5A)
    with CaptureQueriesContext(connection) as queries:
        for point in (IN_G5A, IN_G5C, IN_G4X):
            geometry.locate(*point)
    assert len(builds) == 1
    # One query a lookup: the nodes the index found, the chain among them; no polygon is read.
    assert len(queries) == 3
    assert not any("boundary" in query["sql"] for query in queries)


def test_a_chain_through_nodes_without_a_boundary_is_read_from_the_tree(community):
    draw_boundaries(community, names={"g4a", "g5a"})  # nothing drawn above G4A
    with CaptureQueriesContext(connection) as queries:
        chain = geometry.locate(*IN_G5A)
    assert codes(chain) == ["G5A", "G4A", "H1", "SJC", "ST"]
    assert len([q for q in queries if "grids_gridnode" in q["sql"]]) == 3  # index, hits, tree
