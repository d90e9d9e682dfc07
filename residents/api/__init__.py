"""Registry API (/api/v1/buildings/, /dwellings/, /households/, /residents/, /visits/).

Every queryset comes from a selector, so an object outside the caller's scope answers 404 like a
missing one, and a related id outside scope is refused as a field error. Writes go through the
services; their ValidationError and PermissionDenied become 400 and 403.
"""

from .buildings import BuildingViewSet, DwellingViewSet
from .households import HouseholdViewSet
from .residents import ResidentViewSet
from .visits import VisitViewSet


def register(router) -> None:
    """Add the registry's endpoints to the project's API router."""
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("dwellings", DwellingViewSet, basename="dwelling")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("residents", ResidentViewSet, basename="resident")
    router.register("visits", VisitViewSet, basename="visit")
