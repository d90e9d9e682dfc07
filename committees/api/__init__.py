"""Committees API: /api/v1/committees/, /meetings/, /partner-units/, /resources/, /services/,
/activities/, /board-entries/.

Every queryset comes from committees.selectors, so an object outside the caller's communities
answers 404 like a missing one, and a related id outside scope is refused as a field error.
Writes go through committees.services; their ValidationError and PermissionDenied become 400
and 403. Lists are ordered here: the selectors' aggregate annotations make Django drop the
models' Meta.ordering.
"""


from .activities import ActivityViewSet
from .board import BoardEntryViewSet
from .committees import CommitteeViewSet, MeetingViewSet
from .lists import PartnerUnitViewSet, ResourceViewSet, ServiceItemViewSet


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("committees", CommitteeViewSet, basename="committee")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("partner-units", PartnerUnitViewSet, basename="partner-unit")
    router.register("resources", ResourceViewSet, basename="resource")
    router.register("services", ServiceItemViewSet, basename="service-item")
    router.register("activities", ActivityViewSet, basename="activity")
    router.register("board-entries", BoardEntryViewSet, basename="board-entry")

