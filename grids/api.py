from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from gridportal.api import ScopedIdFilter, service_errors

from . import geojson, geometry, selectors, services
from .models import (
    Assignment,
    GridNode,
    NodeKind,
    OpeningHours,
    Role,
    ServicePoint,
    ServicePointKind,
)
from .people import person_name


class NodeBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = GridNode
        fields = ["id", "kind", "name", "code"]


class GridNodeSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = GridNode
        fields = ["id", "kind", "kind_display", "name", "code", "parent", "level", "coverage",
                  "boundary", "latitude", "longitude", "active"]


class GridNodeDetailSerializer(GridNodeSerializer):
    ancestors = serializers.SerializerMethodField()

    class Meta(GridNodeSerializer.Meta):
        fields = [*GridNodeSerializer.Meta.fields, "ancestors"]

    @extend_schema(responses=NodeBriefSerializer(many=True))
    def get_ancestors(self, node: GridNode) -> list[dict]:
        return NodeBriefSerializer(selectors.ancestors_of(node), many=True).data


def _meeting_box(queryset, box: geojson.BBox):
    return queryset.filter(pk__in=geometry.boundary_index().meeting(box))


class GridNodeFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=NodeKind.choices)
    within = ScopedIdFilter(
        queryset=lambda request: selectors.visible_nodes(request.user),
        method="filter_within",
        help_text="A node id: only that node and its descendants.",
    )
    bbox = geojson.BBoxFilter(apply=_meeting_box, help_text=(
        "minLon,minLat,maxLon,maxLat in WGS-84 degrees: only the nodes whose boundary meets "
        "that box."))

    class Meta:
        model = GridNode
        fields = ["kind", "within", "active", "bbox"]

    def filter_within(self, queryset, name, node):
        return queryset.filter(tree_id=node.tree_id, lft__gte=node.lft, rght__lte=node.rght)


# Figures a grid's feature carries for the map, from the apps above grids (tickets registers
# the open, overdue and closure-rate figures): a function of (user, nodes) answering
# {node id: {property: value}}, in a constant number of queries.
NodeFigures = Callable[[Any, list[GridNode]], dict[int, dict[str, Any]]]
NODE_FIGURES: list[NodeFigures] = []


def register_node_figures(figures: NodeFigures) -> None:
    if figures not in NODE_FIGURES:
        NODE_FIGURES.append(figures)


class BoundarySerializer(serializers.Serializer):
    boundary = geojson.GeometryField(allow_null=True, help_text=(
        "A GeoJSON Polygon or MultiPolygon (or a Feature of one), WGS-84 longitude and "
        "latitude; null clears it."))


class NodeFeaturePropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=NodeKind.choices)
    parent = serializers.IntegerField(allow_null=True)
    open = serializers.IntegerField(required=False,
                                    help_text="Open tickets owned in the node's subtree.")
    overdue = serializers.IntegerField(required=False,
                                       help_text="Overdue tickets owned in the node's subtree.")
    closure_rate = serializers.FloatField(
        required=False, allow_null=True,
        help_text="Closed / handled tickets owned in the subtree and received in the last 30 "
                  "days, in percent; null with none.")


NodeFeatureCollectionSerializer = geojson.collection_serializer(
    "GridNode", NodeFeaturePropertiesSerializer)


@extend_schema_view(list=extend_schema(
    description="The grid tree, scoped to the caller's subtrees. With `format=geojson`: a "
                "GeoJSON FeatureCollection (not paged) of the nodes that have a boundary, "
                "WGS-84, each with its ticket figures for the map.",
    responses={(200, "application/json"): GridNodeSerializer(many=True),
               (200, "application/geo+json"): NodeFeatureCollectionSerializer}))
class GridNodeViewSet(geojson.GeoJSONMixin, viewsets.ReadOnlyModelViewSet):
    """The grid tree, scoped to the caller's subtrees."""

    capabilities = {"*": selectors.READ_TREE, "boundary": services.MANAGE_TREE}
    filterset_class = GridNodeFilter

    def get_queryset(self):
        return selectors.node_list_for(user=self.request.user)

    @extend_schema(request=BoundarySerializer, responses=GridNodeSerializer, filters=False)
    @action(detail=True, methods=["put"])
    def boundary(self, request, pk=None):
        """Draw (or, with null, clear) the node's boundary: valid, inside its parent's, around
        its children's, and overlapping no neighbour's by more than 1 %."""
        node = selectors.node_get_for(user=request.user, pk=pk)
        payload = BoundarySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        node = service_errors(lambda: services.node_update(
            actor=request.user, node=node, boundary=payload.validated_data["boundary"]))
        return Response(GridNodeSerializer(node).data)

    def get_serializer_class(self):
        return GridNodeDetailSerializer if self.action == "retrieve" else GridNodeSerializer

    def list(self, request, *args, **kwargs):
        if not geojson.wants_geojson(request):
            return super().list(request, *args, **kwargs)
        nodes = list(self.filter_queryset(self.get_queryset()).filter(boundary__isnull=False))
        figures: dict[int, dict[str, Any]] = {node.pk: {} for node in nodes}
        for node_figures in NODE_FIGURES:
            for pk, values in node_figures(request.user, nodes).items():
                figures[pk].update(values)
        return Response(geojson.collection(
            geojson.feature(pk=node.pk, geometry=node.boundary, properties={
                "id": node.pk, "name": node.name, "kind": node.kind, "parent": node.parent_id,
                **figures[node.pk]})
            for node in nodes))


class AssignmentSerializer(serializers.ModelSerializer):
    node = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none())
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.SerializerMethodField()
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "user", "username", "display_name", "node", "role", "role_display",
                  "starts_on", "ends_on", "is_current"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["node"].queryset = selectors.visible_nodes(request.user)

    def get_display_name(self, assignment: Assignment) -> str:
        return person_name(assignment.user)

    def validate(self, attrs):
        starts_on, ends_on = attrs.get("starts_on"), attrs.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError(
                {"ends_on": "The end date cannot be before the start date."}
            )
        return attrs


class AssignmentEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


class AssignmentFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    node = ScopedIdFilter(queryset=lambda request: selectors.visible_nodes(request.user))
    current = filters.BooleanFilter(method="filter_current")

    class Meta:
        model = Assignment
        fields = ["role", "node", "user", "current"]

    def filter_current(self, queryset, name, value):
        current = Assignment.objects.current().values("pk")
        return queryset.filter(pk__in=current) if value else queryset.exclude(pk__in=current)


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Who holds which role where. Ending an assignment keeps it in the record."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    capabilities = {"*": selectors.READ_TREE, "create": services.MANAGE_TREE,
                    "end": services.MANAGE_TREE}

    def get_queryset(self):
        return selectors.assignment_list_for(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = service_errors(lambda: services.assignment_create(
            actor=self.request.user, user=data["user"], node=data["node"], role=data["role"],
            starts_on=data["starts_on"], ends_on=data.get("ends_on"),
        ))

    @extend_schema(request=AssignmentEndSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = selectors.assignment_get_for(user=request.user, pk=pk)
        payload = AssignmentEndSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        assignment = service_errors(lambda: services.assignment_end(
            actor=request.user, assignment=assignment, ends_on=payload.validated_data["ends_on"],
        ))
        return Response(self.get_serializer(assignment).data, status=status.HTTP_200_OK)


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class ServicePointSerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)
    node = NodeBriefSerializer(read_only=True)
    service_list = serializers.ListField(child=serializers.CharField(), read_only=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True,
                                      help_text="WGS-84 latitude, when placed on the map.")
    longitude = serializers.FloatField(read_only=True, allow_null=True,
                                       help_text="WGS-84 longitude, when placed on the map.")

    class Meta:
        model = ServicePoint
        fields = ["id", "node", "kind", "name", "address", "phone", "service_list",
                  "opening_hours", "latitude", "longitude", "active"]


class ServicePointFeaturePropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ServicePointKind.choices)
    node = serializers.IntegerField()
    address = serializers.CharField()
    phone = serializers.CharField()
    open_now = serializers.BooleanField(help_text="Open at the moment of the answer.")


ServicePointFeatureCollectionSerializer = geojson.collection_serializer(
    "ServicePoint", ServicePointFeaturePropertiesSerializer)


class ServicePointFilter(filters.FilterSet):
    node = ScopedIdFilter(queryset=lambda request: selectors.visible_nodes(request.user))

    class Meta:
        model = ServicePoint
        fields = ["kind", "active", "node"]


@extend_schema_view(list=extend_schema(
    description="Service points in the caller's area. With `format=geojson`: a GeoJSON "
                "FeatureCollection (not paged) of those placed on the map, WGS-84.",
    responses={(200, "application/json"): ServicePointSerializer(many=True),
               (200, "application/geo+json"): ServicePointFeatureCollectionSerializer}))
class ServicePointViewSet(geojson.GeoJSONMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ServicePointSerializer
    capabilities = {"*": selectors.READ_TREE}
    filterset_class = ServicePointFilter

    def get_queryset(self):
        return selectors.service_point_list_for(user=self.request.user).prefetch_related(
            "opening_hours"
        )

    def list(self, request, *args, **kwargs):
        if not geojson.wants_geojson(request):
            return super().list(request, *args, **kwargs)
        now = timezone.now()
        points = self.filter_queryset(self.get_queryset()).filter(
            latitude__isnull=False, longitude__isnull=False)
        return Response(geojson.collection(
            geojson.feature(pk=point.pk, geometry=geojson.point(point.longitude, point.latitude),
                            properties={"id": point.pk, "name": point.name, "kind": point.kind,
                                        "node": point.node_id, "address": point.address,
                                        "phone": point.phone, "open_now": point.is_open_at(now)})
            for point in points))


class LocateQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90,
                                 help_text="Latitude, in degrees, in the system `crs` names.")
    lon = serializers.FloatField(min_value=-180, max_value=180,
                                 help_text="Longitude, in degrees, in the system `crs` names.")
    crs = serializers.ChoiceField(
        choices=geometry.CRS_CHOICES, default=geometry.WGS84,
        help_text="wgs84 (GPS, the browser's geolocation; the default), gcj02 (高德, 腾讯 and "
                  "the phone's map apps in China) or bd09 (百度).")


class LocatedNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=NodeKind.choices)


class LocateSerializer(serializers.Serializer):
    lat = serializers.FloatField(help_text="The point's latitude in WGS-84.")
    lon = serializers.FloatField(help_text="The point's longitude in WGS-84.")
    chain = LocatedNodeSerializer(many=True, help_text=(
        "The nodes whose boundary contains the point, lowest first, up to the root; only those "
        "in the caller's area (empty outside it)."))


class LocateView(APIView):
    """Which grid a point is in ("我在哪个网格"): the chain of nodes, lowest first."""

    capabilities = {"get": selectors.READ_TREE}

    @extend_schema(parameters=[LocateQuerySerializer], responses=LocateSerializer)
    def get(self, request):
        query = LocateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        point = query.validated_data
        lat, lon = service_errors(lambda: geometry.to_wgs84(lat=point["lat"], lon=point["lon"],
                                                            crs=point["crs"]))
        chain = geometry.locate(lon, lat)
        in_scope = set(selectors.visible_nodes(request.user)
                       .filter(pk__in=[node.pk for node in chain]).values_list("pk", flat=True))
        return Response(LocateSerializer({
            "lat": round(lat, 6), "lon": round(lon, 6),
            "chain": [node for node in chain if node.pk in in_scope]}).data)
