"""Registry API: households."""

from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from gridportal import permissions
from gridportal.api import service_errors

from .. import selectors, services
from ..models import (
    Dwelling,
    Household,
    Membership,
)
from .common import ScopedChoicesMixin, ScopedIdFilter


class DwellingBriefSerializer(serializers.ModelSerializer):
    building_name = serializers.CharField(source="building.__str__", read_only=True)

    class Meta:
        model = Dwelling
        fields = ["id", "building", "building_name", "entrance", "floor", "number", "use"]


class MemberSerializer(serializers.ModelSerializer):
    resident_id = serializers.IntegerField(source="resident.pk", read_only=True)
    name = serializers.CharField(source="resident.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["resident_id", "name", "relation", "joined_on"]


class HouseholdSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    """A household; who lives there (`head`, `members`) only for readers of names, null for
    others (volunteers and property staff see addresses)."""

    dwelling = serializers.PrimaryKeyRelatedField(queryset=Dwelling.objects.none(),
                                                  write_only=True)
    home = DwellingBriefSerializer(source="dwelling", read_only=True)
    members = MemberSerializer(source="current_members", many=True, read_only=True,
                               allow_null=True)

    class Meta:
        model = Household
        fields = ["id", "dwelling", "home", "number", "active", "head", "members", "created_at"]
        read_only_fields = ["active", "head"]
        extra_kwargs = {"head": {"allow_null": True}}

    def to_representation(self, household: Household) -> dict:
        data = super().to_representation(household)
        if not getattr(household, "can_read_names", False):
            data["head"] = data["members"] = None
        return data


class HouseholdFilter(filters.FilterSet):
    dwelling = ScopedIdFilter(
        queryset=lambda request: selectors.dwelling_list_for(user=request.user))

    class Meta:
        model = Household
        fields = ["dwelling", "active"]


class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Households with their dwelling and current members."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    capabilities = {"*": selectors.READ_ADDRESSES, "create": selectors.WRITE}

    def get_queryset(self):
        households = selectors.with_current_members(
            selectors.household_list_for(user=self.request.user))
        return permissions.annotate_rights(households, self.request.user, selectors.HOUSEHOLD,
                                           can_read_names=selectors.READ_NAMES)

    def perform_create(self, serializer):
        household = service_errors(lambda: services.household_create(
            actor=self.request.user, **serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=household.pk)
