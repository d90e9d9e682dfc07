"""Registry API: buildings and dwellings."""

from django.conf import settings
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gridportal.api import service_errors
from grids import geojson
from grids.models import GridNode
from grids.selectors import visible_nodes

from .. import selectors, services
from ..models import (
    Building,
    Dwelling,
    DwellingUse,
)
from .common import ScopedChoicesMixin, ScopedIdFilter, _in_subtree


class BuildingSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    node = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    node_name = serializers.CharField(source="node.name", read_only=True)

    class Meta:
        model = Building
        fields = ["id", "node", "node_name", "estate", "name", "address", "floors", "entrances",
                  "latitude", "longitude"]
        validators: list = []  # uniqueness is checked by the service, within its transaction


def _in_box(queryset, box: geojson.BBox):
    west, south, east, north = box
    return queryset.filter(latitude__gte=south, latitude__lte=north, longitude__gte=west,
                           longitude__lte=east)


class BuildingFilter(filters.FilterSet):
    node = ScopedIdFilter(queryset=lambda request: visible_nodes(request.user),
                        method="filter_node", help_text="A node id: buildings in its subtree.")
    bbox = geojson.BBoxFilter(apply=_in_box, help_text=(
        "minLon,minLat,maxLon,maxLat in WGS-84 degrees: only the buildings whose point lies in "
        "that box."))

    class Meta:
        model = Building
        fields = ["node", "estate", "bbox"]

    def filter_node(self, queryset, name, node):
        return _in_subtree(queryset, "node", node)


class LegendEntrySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=selectors.CATEGORIES)
    label = serializers.CharField()
    colour = serializers.CharField()
    count = serializers.IntegerField()


class ColourMapDwellingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entrance = serializers.IntegerField()
    number = serializers.CharField()
    use = serializers.ChoiceField(choices=DwellingUse.choices)
    category = serializers.ChoiceField(choices=selectors.CATEGORIES)
    colour = serializers.CharField()
    household_ids = serializers.ListField(child=serializers.IntegerField())


class ColourMapFloorSerializer(serializers.Serializer):
    floor = serializers.IntegerField()
    dwellings = ColourMapDwellingSerializer(many=True)


class ColourMapSerializer(serializers.Serializer):
    building = BuildingSerializer()
    legend = LegendEntrySerializer(many=True)
    floors = ColourMapFloorSerializer(many=True)
    total = serializers.IntegerField()


def _colour_map_data(building: Building, user) -> dict:
    colour_map = selectors.colour_map(building=building, user=user)
    legend = [{"category": category, "label": selectors.CATEGORY_LABELS[category],
               "colour": settings.HOUSE_COLOURS[category], "count": count}
              for category, count in colour_map["counts"].items()]
    floors = [{"floor": floor, "dwellings": [
        {"id": dwelling.pk, "entrance": dwelling.entrance, "number": dwelling.number,
         "use": dwelling.use, "category": dwelling.category, "colour": dwelling.colour,
         "household_ids": [household.pk for household in dwelling.active_households]}
        for dwelling in dwellings]} for floor, dwellings in colour_map["floors"]]
    return {"building": building, "legend": legend, "floors": floors,
            "total": colour_map["total"]}


# The most buildings one map answer carries (a district has about 2,000).
MAP_LIMIT = 2000
MAX_MAP_LIMIT = 5000


class BuildingMapQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, default=MAP_LIMIT, min_value=1, max_value=MAX_MAP_LIMIT,
        help_text="With format=geojson: the most features to answer (the collection says "
                  "`truncated` when there were more).")


class BuildingFeaturePropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    node = serializers.IntegerField()
    colour = serializers.ChoiceField(
        choices=selectors.CATEGORIES,
        help_text="The building's house colour-map category: a household of concern (where "
                  "the caller may see it), otherwise its dwellings' most frequent category.")
    colour_hex = serializers.CharField(help_text="The category's colour in the palette.")


BuildingFeatureCollectionSerializer = geojson.collection_serializer(
    "Building", BuildingFeaturePropertiesSerializer,
    truncated=serializers.BooleanField(help_text="More buildings matched than `limit`."))


@extend_schema_view(list=extend_schema(
    parameters=[BuildingMapQuerySerializer],
    description="Buildings in the caller's grids. With `format=geojson`: a GeoJSON "
                "FeatureCollection (not paged, at most `limit` features) of those with a point, "
                "WGS-84, coloured by the house colour map.",
    responses={(200, "application/json"): BuildingSerializer(many=True),
               (200, "application/geo+json"): BuildingFeatureCollectionSerializer}))
class BuildingViewSet(geojson.GeoJSONMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Buildings in the caller's grids, and their house colour maps."""

    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter
    capabilities = {"*": selectors.READ_ADDRESSES, "create": selectors.WRITE}

    def get_queryset(self):
        return selectors.building_list_for(user=self.request.user)

    def list(self, request, *args, **kwargs):
        if not geojson.wants_geojson(request):
            return super().list(request, *args, **kwargs)
        query = BuildingMapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        buildings = list(self.filter_queryset(self.get_queryset())
                         .filter(latitude__isnull=False, longitude__isnull=False)
                         .select_related(None).order_by("pk")
                         .only("pk", "estate", "name", "node_id", "latitude", "longitude")
                         [:limit + 1])
        truncated = len(buildings) > limit
        buildings = buildings[:limit]
        colours = selectors.building_colours(user=request.user,
                                             building_ids=[b.pk for b in buildings])
        return Response(geojson.collection(
            (geojson.feature(
                pk=building.pk, geometry=geojson.point(building.longitude, building.latitude),
                properties={"id": building.pk, "name": str(building), "node": building.node_id,
                            "colour": colours[building.pk],
                            "colour_hex": settings.HOUSE_COLOURS[colours[building.pk]]})
             for building in buildings), truncated=truncated))

    def perform_create(self, serializer):
        serializer.instance = service_errors(lambda: services.building_create(
            actor=self.request.user, **serializer.validated_data))

    @extend_schema(responses=ColourMapSerializer, filters=False)
    @action(detail=True, url_path="colour-map")
    def colour_map(self, request, pk=None):
        building = selectors.building_get_for(user=request.user, pk=pk)
        return Response(ColourMapSerializer(_colour_map_data(building, request.user),
                                            context=self.get_serializer_context()).data)


class DwellingSerializer(ScopedChoicesMixin, serializers.ModelSerializer):
    building = serializers.PrimaryKeyRelatedField(queryset=Building.objects.none())
    building_name = serializers.CharField(source="building.__str__", read_only=True)

    class Meta:
        model = Dwelling
        fields = ["id", "building", "building_name", "entrance", "floor", "number", "use", "area"]
        extra_kwargs = {"entrance": {"default": 1}, "use": {"default": DwellingUse.RESIDENTIAL}}
        validators: list = []


class DwellingFilter(filters.FilterSet):
    building = ScopedIdFilter(
        queryset=lambda request: selectors.building_list_for(user=request.user))
    use = filters.ChoiceFilter(choices=DwellingUse.choices)

    class Meta:
        model = Dwelling
        fields = ["building", "use"]


class DwellingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = DwellingSerializer
    filterset_class = DwellingFilter
    capabilities = {"*": selectors.READ_ADDRESSES, "create": selectors.WRITE}

    def get_queryset(self):
        return selectors.dwelling_list_for(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = service_errors(lambda: services.dwelling_create(
            actor=self.request.user, **serializer.validated_data))
