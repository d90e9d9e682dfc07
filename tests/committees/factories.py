"""Factories for committees, partner units, the lists and activities."""

import datetime as dt

import factory

from committees.models import (
    Activity,
    Committee,
    CommitteeKind,
    Meeting,
    MeetingKind,
    Member,
    PartnerUnit,
    Position,
    Resource,
    ServiceItem,
    Theme,
    VolunteerTeam,
)
from tickets.models import Category


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    kind = CommitteeKind.RESIDENTS
    name = factory.Sequence(lambda n: f"居民委员会{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    contact_name = factory.Sequence(lambda n: f"委员{n}")
    position = Position.MEMBER
    starts_on = dt.date(2025, 1, 1)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    kind = MeetingKind.JOINT
    title = "第一季度联席会议"
    held_on = dt.date(2026, 3, 20)
    place = "党群服务中心二楼会议室"


class PartnerUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerUnit

    name = factory.Sequence(lambda n: f"共建单位{n}")
    contact_name = "陈经理"
    contact_phone = "0871-65550000"


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    partner = factory.SubFactory(PartnerUnitFactory)
    name = factory.Sequence(lambda n: f"资源{n}")


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    name = factory.Sequence(lambda n: f"服务{n}")
    place = "党群服务中心一楼"
    hours = "工作日 9:00-17:00"


class VolunteerTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerTeam

    name = factory.Sequence(lambda n: f"志愿服务队{n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"活动{n}")
    theme = Theme.ANTI_FRAUD
    held_on = dt.date(2026, 5, 1)
    participants = 30


def wish_category() -> Category:
    return Category.objects.get_or_create(code="wish", defaults={"name": "微心愿",
                                                                 "is_wish": True})[0]


def wish(community, title="希望楼下装个扶手", **fields):
    """A resident's micro-wish (a need) in the community fixture's G5A, unless told where."""
    from tests.tickets.factories import make_ticket

    fields.setdefault("node", community.g5a)
    return make_ticket(category=wish_category(), title=title, **fields)
