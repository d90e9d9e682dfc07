"""Registry API: residents."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gridportal.api import service_errors
from grids.models import GridNode

from .. import idnumbers, selectors, services
from ..models import (
    Building,
    ConcernLevel,
    Household,
    Relation,
    ResidenceType,
    Resident,
)
from .common import ScopedChoicesMixin
from .households import DwellingBriefSerializer


class HomeSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household_id")
    relation = serializers.ChoiceField(choices=Relation.choices)
    dwelling = DwellingBriefSerializer(source="household.dwelling")


class ResidentSerializer(serializers.ModelSerializer):
    """A resident as read: the ID number only masked; the concern reason only for its readers."""

    node_name = serializers.CharField(source="node.name", read_only=True)
    age = serializers.IntegerField(read_only=True)
    elderly = serializers.BooleanField(read_only=True)
    child = serializers.BooleanField(read_only=True)
    concern_reason = serializers.SerializerMethodField()
    # Blank for a resident who is not of concern (a read-only model field would drop that).
    concern_level = serializers.ChoiceField(choices=ConcernLevel.choices, allow_blank=True,
                                            read_only=True)
    home = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = ["id", "name", "id_number_masked", "gender", "birth_date", "age", "elderly",
                  "child", "phone", "node", "node_name", "home", "residence_type", "moved_in_on",
                  "expected_stay_until", "registration_place", "party_member", "dual_report",
                  "disabled", "veteran", "low_income", "living_alone", "concern",
                  "concern_level", "concern_reason", "notes", "created_at", "updated_at"]
        read_only_fields = fields

    def get_concern_reason(self, resident: Resident) -> str | None:
        """Null unless the resident is of concern and the caller may read why."""
        if not (resident.concern and getattr(resident, "concern_reason_readable", False)):
            return None
        return resident.concern_reason

    @extend_schema_field(HomeSerializer(allow_null=True))
    def get_home(self, resident: Resident) -> dict | None:
        memberships = getattr(resident, "current_memberships", [])
        return HomeSerializer(memberships[0]).data if memberships else None


class ResidentWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resident
        fields = list(services.RESIDENT_FIELDS)


class ResidentCreateSerializer(ScopedChoicesMixin, ResidentWriteSerializer):
    id_number = serializers.CharField(max_length=30)
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none(),
                                                   required=False, allow_null=True)
    relation = serializers.ChoiceField(choices=Relation.choices, default=Relation.OTHER)
    joined_on = serializers.DateField(required=False, allow_null=True)
    node = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none(), required=False,
                                              allow_null=True)

    class Meta(ResidentWriteSerializer.Meta):
        fields = ["id_number", "household", "relation", "joined_on", "node",
                  *ResidentWriteSerializer.Meta.fields]


class ResidentUpdateSerializer(ResidentWriteSerializer):
    id_number = serializers.CharField(max_length=30, required=False,
                                      help_text="A corrected ID number, if any.")

    class Meta(ResidentWriteSerializer.Meta):
        fields = ["id_number", *ResidentWriteSerializer.Meta.fields]


class ResidentQuerySerializer(ScopedChoicesMixin, serializers.Serializer):
    # An empty parameter (an untouched search box) filters nothing, as if it were absent.
    text = serializers.CharField(required=False, allow_blank=True,
                                 help_text="Part of a name, or a phone prefix.")
    tags = serializers.CharField(required=False, allow_blank=True,
                                 help_text="Comma-separated, any of: " + ", ".join(selectors.TAGS))
    residence_type = serializers.ChoiceField(choices=ResidenceType.choices, required=False,
                                             allow_blank=True)
    building = serializers.PrimaryKeyRelatedField(queryset=Building.objects.none(),
                                                  required=False, allow_null=True)
    node = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none(), required=False,
                                              allow_null=True,
                                              help_text="A node id: residents in its subtree.")

    def validate_tags(self, value: str) -> list[str]:
        tags = [tag.strip() for tag in value.split(",") if tag.strip()]
        unknown = [tag for tag in tags if tag not in selectors.TAGS]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown tag %(tags)s; choose among %(choices)s.")
                % {"tags": ", ".join(unknown), "choices": ", ".join(selectors.TAGS)})
        return tags


class ResidentSearchSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=30)

    def validate_id_number(self, value: str) -> str:
        try:
            return idnumbers.parse(value).value
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RevealResponseSerializer(serializers.Serializer):
    id_number = serializers.CharField()


class ResidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The resident registry. A full ID number travels only in a request body, never a URL."""

    serializer_class = ResidentSerializer
    filter_backends: list = []  # the list filters go to the selector (see ResidentQuerySerializer)

    def get_queryset(self):
        return self._residents()

    def _residents(self, **lookups) -> QuerySet[Resident]:
        residents = selectors.resident_list_for(user=self.request.user, **lookups)
        return selectors.with_concern_access(selectors.with_current_home(residents),
                                             user=self.request.user)

    def _paginated(self, residents: QuerySet[Resident]) -> Response:
        page = self.paginate_queryset(residents)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _read(self, resident: Resident) -> dict:
        return self.get_serializer(self._residents().get(pk=resident.pk)).data

    @extend_schema(parameters=[ResidentQuerySerializer])
    def list(self, request, *args, **kwargs):
        query = ResidentQuerySerializer(data=request.query_params,
                                        context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        return self._paginated(self._residents(**query.validated_data))

    @extend_schema(request=ResidentCreateSerializer, responses={201: ResidentSerializer})
    def create(self, request, *args, **kwargs):
        payload = ResidentCreateSerializer(data=request.data,
                                           context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        resident = service_errors(lambda: services.resident_create(
            actor=request.user, **payload.validated_data))
        return Response(self._read(resident), status=status.HTTP_201_CREATED)

    @extend_schema(request=ResidentUpdateSerializer, responses=ResidentSerializer)
    def partial_update(self, request, *args, **kwargs):
        resident = selectors.resident_get_for(user=request.user, pk=kwargs["pk"])
        payload = ResidentUpdateSerializer(resident, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        resident = service_errors(lambda: services.resident_update(
            actor=request.user, resident=resident, **payload.validated_data))
        return Response(self._read(resident))

    @extend_schema(request=ResidentSearchSerializer, responses=ResidentSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request):
        """Find a resident by full ID number (looked up by its keyed hash, within scope)."""
        payload = ResidentSearchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._paginated(self._residents(id_number=payload.validated_data["id_number"]))

    @extend_schema(request=RevealRequestSerializer, responses=RevealResponseSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The full ID number, for holders of the permission; every reveal is logged."""
        resident = selectors.resident_get_for(user=request.user, pk=pk)
        payload = RevealRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        full = service_errors(lambda: services.id_number_reveal(
            actor=request.user, resident=resident, reason=payload.validated_data["reason"]))
        return Response(RevealResponseSerializer({"id_number": full}).data)
