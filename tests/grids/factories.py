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
