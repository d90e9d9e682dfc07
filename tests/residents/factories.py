import datetime as dt
import itertools

import factory

from residents import services
from residents.idnumbers import check_char
from residents.models import Building, Dwelling, Household

_sequence = itertools.count(1)


def valid_id(born: dt.date | None = None, region: str = "530102", male: bool = True) -> str:
    """A fresh, valid 18-character ID number (unique within a test run)."""
    n = next(_sequence)
    born = born or dt.date(1950, 1, 1) + dt.timedelta(days=(n * 37) % 20000)
    first17 = f"{region}{born:%Y%m%d}{n % 100:02d}{1 if male else 2}"
    return first17 + check_char(first17)


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    estate = "世纪城"
    name = factory.Sequence(lambda n: f"{n + 1}栋")
    floors = 6
    entrances = 2


class DwellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dwelling

    building = factory.SubFactory(BuildingFactory)
    entrance = 1
    floor = 1
    number = factory.Sequence(lambda n: f"{100 + n}")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    dwelling = factory.SubFactory(DwellingFactory)


def make_resident(actor, *, household=None, node=None, relation="other", **fields):
    fields.setdefault("name", "张三")
    fields.setdefault("id_number", valid_id())
    return services.resident_create(actor=actor, household=household, node=node,
                                    relation=relation, **fields)
