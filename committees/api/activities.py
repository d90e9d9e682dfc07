"""/api/v1/activities/ and their yearly totals."""


from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gridportal.api import YearFilter, service_errors
from grids.models import GridNode

from .. import selectors, services
from ..models import (
    Activity,
    Committee,
    PartnerUnit,
    Theme,
    VolunteerTeam,
)
from .common import ScopedChoicesMixin, community_filter

# --- Activities -----------------------------------------------------------------------------


class ActivitySerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    theme_display = serializers.CharField(source="get_theme_display", read_only=True)
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.none(),
                                                   required=False, allow_null=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True,
                                           allow_null=True)
    partner = serializers.PrimaryKeyRelatedField(queryset=PartnerUnit.objects.none(),
                                                 required=False, allow_null=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True,
                                         allow_null=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=VolunteerTeam.objects.none(), required=False,
        allow_null=True)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "community", "community_name", "title", "theme", "theme_display",
                  "held_on", "place", "participants", "description", "committee",
                  "committee_name", "partner", "partner_name", "team", "team_name",
                  "photo_count", "created_at"]
        read_only_fields = ["created_at"]


class YearTotalSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    activities = serializers.IntegerField()
    participants = serializers.IntegerField()


class ThemeTotalSerializer(serializers.Serializer):
    theme = serializers.ChoiceField(choices=Theme.choices)
    theme_display = serializers.CharField()
    activities = serializers.IntegerField()
    participants = serializers.IntegerField()


class ActivityTotalsSerializer(serializers.Serializer):
    by_year = YearTotalSerializer(many=True)
    by_theme = ThemeTotalSerializer(many=True)


class ActivityFilter(filters.FilterSet):
    community = community_filter()
    theme = filters.ChoiceFilter(choices=Theme.choices)
    year = YearFilter(field_name="held_on")

    class Meta:
        model = Activity
        fields = ["community", "theme", "year"]


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Activities and campaigns, and their totals by year and by theme."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    capabilities = {"*": selectors.READ, "create": selectors.MANAGE}

    def get_queryset(self):
        return selectors.activity_list_for(user=self.request.user).order_by("-held_on", "-pk")

    def perform_create(self, serializer):
        activity = service_errors(lambda: services.activity_record(
            actor=self.request.user, **serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=activity.pk)

    @extend_schema(responses=ActivityTotalsSerializer, filters=True)
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        activities = self.filter_queryset(self.get_queryset())
        # Totals count each activity once, whatever its photos: a plain queryset of the ids.
        plain = Activity.objects.filter(pk__in=activities.values("pk"))
        themes = dict(Theme.choices)
        by_theme = [{**row, "theme_display": themes.get(row["theme"], row["theme"])}
                    for row in selectors.activity_theme_totals(plain)]
        data = {"by_year": selectors.activity_totals(plain), "by_theme": by_theme}
        return Response(ActivityTotalsSerializer(data).data)


