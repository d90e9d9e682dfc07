import datetime as dt

import factory
from django.contrib.auth import get_user_model

from grids.models import Assignment, GridNode, NodeKind, Role, ServicePoint


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "小明"
    last_name = "王"
    password = factory.django.Password("secret-pass-123")


class GridNodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GridNode

    kind = NodeKind.COMMUNITY
    name = factory.Sequence(lambda n: f"节点{n}")
    code = factory.Sequence(lambda n: f"N{n:04d}")
    parent = None


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(UserFactory)
    node = factory.SubFactory(GridNodeFactory)
    role = Role.WORKER
    starts_on = dt.date(2024, 1, 1)


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint

    node = factory.SubFactory(GridNodeFactory)
    name = factory.Sequence(lambda n: f"服务点{n}")
    address = "幸福路1号"
    phone = "13812345678"


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    """A GeoJSON Polygon (WGS-84 longitude, latitude), counter-clockwise from the south-west."""
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


# The test community's boundaries (tests/conftest.py Community), around Kunming's 世纪城:
# 世纪城 to the west of 六合, hub 1 in the south and hub 2 in the north of 世纪城, and G5A and G5B
# side by side in hub 1. Parents are drawn before their children.
COMMUNITY_BOUNDARIES = {
    "street": (102.70, 25.00, 102.76, 25.03),
    "community": (102.70, 25.00, 102.73, 25.03),
    "hub1": (102.70, 25.00, 102.73, 25.015),
    "g4a": (102.70, 25.00, 102.73, 25.015),
    "g5a": (102.70, 25.00, 102.715, 25.015),
    "g5b": (102.715, 25.00, 102.73, 25.015),
    "hub2": (102.70, 25.015, 102.73, 25.03),
    "g4b": (102.70, 25.015, 102.73, 25.03),
    "g5c": (102.70, 25.015, 102.73, 25.03),
    "other": (102.73, 25.00, 102.76, 25.03),
    "g4x": (102.73, 25.00, 102.745, 25.03),
}


def draw_boundaries(community, names=None) -> None:
    """Give the test community's nodes their boundaries, through the service."""
    from grids import services

    for name, box in COMMUNITY_BOUNDARIES.items():
        if names is None or name in names:
            services.node_update(actor=community.admin, node=getattr(community, name),
                                 boundary=rectangle(*box))
    community.refresh()
