from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gridportal.api import ScopedIdFilter, service_errors

from . import selectors, services
from .models import Assignment, GridNode, NodeKind, OpeningHours, Role, ServicePoint
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


class GridNodeFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=NodeKind.choices)
    within = ScopedIdFilter(
        queryset=lambda request: selectors.visible_nodes(request.user),
        method="filter_within",
        help_text="A node id: only that node and its descendants.",
    )

    class Meta:
        model = GridNode
        fields = ["kind", "within", "active"]

    def filter_within(self, queryset, name, node):
        return queryset.filter(tree_id=node.tree_id, lft__gte=node.lft, rght__lte=node.rght)


class GridNodeViewSet(viewsets.ReadOnlyModelViewSet):
    """The grid tree, scoped to the caller's subtrees."""

    capabilities = {"*": selectors.READ_TREE}
    filterset_class = GridNodeFilter

    def get_queryset(self):
        return selectors.node_list_for(user=self.request.user)

    def get_serializer_class(self):
        return GridNodeDetailSerializer if self.action == "retrieve" else GridNodeSerializer


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

    class Meta:
        model = ServicePoint
        fields = ["id", "node", "kind", "name", "address", "phone", "service_list",
                  "opening_hours", "active"]


class ServicePointFilter(filters.FilterSet):
    node = ScopedIdFilter(queryset=lambda request: selectors.visible_nodes(request.user))

    class Meta:
        model = ServicePoint
        fields = ["kind", "active", "node"]


class ServicePointViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ServicePointSerializer
    capabilities = {"*": selectors.READ_TREE}
    filterset_class = ServicePointFilter

    def get_queryset(self):
        return selectors.service_point_list_for(user=self.request.user).prefetch_related(
            "opening_hours"
        )
