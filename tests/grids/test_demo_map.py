"""The demo's map: every node of 世纪城 and 六合 has a boundary, tiled without overlap, children
inside parents, and a point in each grid is located in that grid."""

import pytest
from shapely.geometry import Point, shape

from grids import geometry
from grids.demo import seed_grids
from grids.models import GridNode, NodeKind, ServicePoint

pytestmark = pytest.mark.django_db


def test_every_demo_node_has_a_boundary_and_each_grids_centre_locates_it():
    seed_grids()
    nodes = list(GridNode.objects.all())
    assert len(nodes) == 1 + 2 + 7 + 7 + 29 + 4 + 10
    assert all(node.boundary is not None for node in nodes)
    for node in nodes:
        if node.kind == NodeKind.GRID5:
            centre = shape(node.boundary).centroid
            chain = geometry.locate(centre.x, centre.y)
            assert chain[0] == node and chain[-1].code == "ST", node.code
    # Every service point stands inside its node.
    for point in ServicePoint.objects.select_related("node"):
        assert shape(point.node.boundary).contains(
            Point(float(point.longitude), float(point.latitude))), point.name
    # Siblings tile their parent: their areas add up to it, so nothing overlaps or is left out.
    for parent in nodes:
        children = [node for node in nodes if node.parent_id == parent.pk]
        if children:
            total = sum(shape(child.boundary).area for child in children)
            assert total == pytest.approx(shape(parent.boundary).area, rel=1e-6), parent.code


def test_seeding_again_keeps_a_boundary_drawn_since():
    seed_grids()
    node = GridNode.objects.get(code="SJC-G5-01")
    redrawn = {"type": "Polygon", "coordinates": [[[102.7, 25.0], [102.705, 25.0],
                                                   [102.705, 25.001], [102.7, 25.001],
                                                   [102.7, 25.0]]]}
    GridNode.objects.filter(pk=node.pk).update(boundary=redrawn)
    seed_grids()
    node.refresh_from_db()
    assert node.boundary == redrawn
