"""/api/v1/partner-units/, /resources/ and /services/: the records behind the three lists."""

from collections.abc import Callable
from typing import Any

from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from gridportal.api import ScopedIdFilter, service_errors
from grids.models import GridNode, ServicePoint
from grids.phones import PhoneSerializerField

from .. import selectors, services
from ..models import (
    PartnerUnit,
    Resource,
    ServiceItem,
    ServiceMode,
)
from .common import ScopedChoicesMixin, community_filter

# --- Partner units and the lists ------------------------------------------------------------


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """A list kept by the community's staff: created and changed through one service; nothing
    is deleted (set `active` or `available` to false instead). Each list names its service in
    `save_record(data, instance=None)`, which returns the saved record."""

    save_record: Callable[..., Any]
    capabilities = {"*": selectors.READ, "create": selectors.MANAGE,
                    "update": selectors.MANAGE, "partial_update": selectors.MANAGE}

    def perform_create(self, serializer):
        record = service_errors(lambda: self.save_record(dict(serializer.validated_data)))
        serializer.instance = self.get_queryset().get(pk=record.pk)

    def perform_update(self, serializer):
        instance = serializer.instance
        record = service_errors(lambda: self.save_record(dict(serializer.validated_data),
                                                         instance))
        serializer.instance = self.get_queryset().get(pk=record.pk)


class ResourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "name", "description", "capacity", "available", "public"]
        read_only_fields = fields


class PartnerUnitSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    resource_count = serializers.IntegerField(read_only=True)
    resources = ResourceBriefSerializer(many=True, read_only=True)
    contact_phone = PhoneSerializerField(required=False, allow_blank=True)

    class Meta:
        model = PartnerUnit
        fields = ["id", "community", "community_name", "name", "kind", "kind_display",
                  "party_committee_member", "contact_name", "contact_phone", "address",
                  "joined_on", "active", "notes", "resource_count", "resources"]
        validators: list = []  # the service checks uniqueness within its transaction


class PartnerUnitFilter(filters.FilterSet):
    community = community_filter()

    class Meta:
        model = PartnerUnit
        fields = ["community", "kind", "active", "party_committee_member"]


class PartnerUnitViewSet(RecordViewSet):
    """Partner units (大党委, 共建单位) with the resources they offer."""

    serializer_class = PartnerUnitSerializer
    filterset_class = PartnerUnitFilter

    def get_queryset(self):
        partners = selectors.partner_list_for(user=self.request.user, active=None)
        return partners.order_by("community_id", "name", "pk").prefetch_related("resources")

    def save_record(self, data: dict, instance=None):
        community = data.pop("community", None) or instance.community
        return services.partner_save(actor=self.request.user, community=community,
                                     partner=instance, **data)


class ResourceSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=PartnerUnit.objects.none())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    community = serializers.IntegerField(source="partner.community_id", read_only=True)

    class Meta:
        model = Resource
        fields = ["id", "partner", "partner_name", "community", "name", "description",
                  "capacity", "available", "public"]


class ResourceFilter(filters.FilterSet):
    community = community_filter("partner__community")
    partner = ScopedIdFilter(
        queryset=lambda request: selectors.partner_list_for(user=request.user, active=None))

    class Meta:
        model = Resource
        fields = ["community", "partner", "available", "public"]


class ResourceViewSet(RecordViewSet):
    """The resource list: what partner units offer the community."""

    serializer_class = ResourceSerializer
    filterset_class = ResourceFilter

    def get_queryset(self):
        return selectors.resource_list_for(user=self.request.user)

    def save_record(self, data: dict, instance=None):
        partner = data.pop("partner", None) or instance.partner
        # The service checks the right to the resource's old community as well as the new one.
        return services.resource_save(actor=self.request.user, partner=partner,
                                      resource=instance, **data)


class ServiceItemSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    mode_display = serializers.CharField(source="get_mode_display", read_only=True)
    service_point = serializers.PrimaryKeyRelatedField(
        queryset=ServicePoint.objects.none(), required=False,
        allow_null=True)
    service_point_name = serializers.CharField(source="service_point.name", read_only=True,
                                               allow_null=True)
    phone = PhoneSerializerField(required=False, allow_blank=True)

    class Meta:
        model = ServiceItem
        fields = ["id", "community", "community_name", "name", "description", "mode",
                  "mode_display", "service_point", "service_point_name", "place", "hours",
                  "phone", "active", "position"]
        validators: list = []


class ServiceItemFilter(filters.FilterSet):
    community = community_filter()
    mode = filters.ChoiceFilter(choices=ServiceMode.choices)

    class Meta:
        model = ServiceItem
        fields = ["community", "mode", "active"]


class ServiceItemViewSet(RecordViewSet):
    """The service list: what the community offers, where and when."""

    serializer_class = ServiceItemSerializer
    filterset_class = ServiceItemFilter

    def get_queryset(self):
        return selectors.service_list_for(user=self.request.user)

    def save_record(self, data: dict, instance=None):
        community = data.pop("community", None) or instance.community
        return services.service_item_save(actor=self.request.user, community=community,
                                          item=instance, **data)


