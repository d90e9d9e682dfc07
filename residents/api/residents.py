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
from grids.phones import PhoneSerializerField

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


# Fields shown only to holders of a capability there (the rows carry the flags from
# selectors.with_field_rights); to anyone else they read null.
GUARDED_FIELDS = {
    "can_see_id": ("id_number_masked", "birth_date"),
    "can_see_phone": ("phone",),
    "can_see_tags": ("party_member", "dual_report", "disabled", "veteran", "low_income",
                     "living_alone", "elderly", "child"),
    "can_see_concern": ("concern", "concern_level"),
    "concern_reason_readable": ("concern_reason",),
    "can_edit": ("notes",),
}


class ResidentSerializer(serializers.ModelSerializer):
    """A resident as read: the ID number only masked; each guarded field null unless the caller
    may see it (GUARDED_FIELDS)."""

    node_name = serializers.CharField(source="node.name", read_only=True)
    age = serializers.IntegerField(read_only=True)
    elderly = serializers.BooleanField(read_only=True, allow_null=True)
    child = serializers.BooleanField(read_only=True, allow_null=True)
    concern_reason = serializers.CharField(read_only=True, allow_null=True)
    # Blank for a resident who is not of concern (a read-only model field would drop that).
    concern_level = serializers.ChoiceField(choices=ConcernLevel.choices, allow_blank=True,
                                            allow_null=True, read_only=True)
    home = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = ["id", "name", "id_number_masked", "gender", "birth_date", "age", "elderly",
                  "child", "phone", "node", "node_name", "home", "residence_type", "moved_in_on",
                  "expected_stay_until", "registration_place", "party_member", "dual_report",
                  "disabled", "veteran", "low_income", "living_alone", "concern",
                  "concern_level", "concern_reason", "notes", "created_at", "updated_at"]
        read_only_fields = fields
        extra_kwargs = {name: {"allow_null": True} for flag, names in GUARDED_FIELDS.items()
                        for name in names if name not in ("elderly", "child", "concern_reason")}

    def to_representation(self, resident: Resident) -> dict:
        data = super().to_representation(resident)
        for flag, names in GUARDED_FIELDS.items():
            if not getattr(resident, flag, False):
                data.update(dict.fromkeys(names))
        if not resident.concern:
            data["concern_reason"] = None
        return data

    @extend_schema_field(HomeSerializer(allow_null=True))
    def get_home(self, resident: Resident) -> dict | None:
        memberships = getattr(resident, "current_memberships", [])
        return HomeSerializer(memberships[0]).data if memberships else None


class ResidentWriteSerializer(serializers.ModelSerializer):
    phone = PhoneSerializerField(required=False, allow_blank=True)

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
    """A search by number travels in the body, never the URL: a full ID number, or a phone
    number (whole, or at least four of its digits: the last four, say)."""

    id_number = serializers.CharField(max_length=30, required=False)
    phone = serializers.RegexField(r"^\d{4,20}$", max_length=20, required=False, error_messages={
        "invalid": _("Enter at least four digits of the number, such as its last four.")})

    def validate_id_number(self, value: str) -> str:
        try:
            return idnumbers.parse(value).value
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("id_number") and not attrs.get("phone"):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Send a phone number or a full ID number.")]})
        return attrs


class TransferNoticeSerializer(serializers.Serializer):
    """The answer when the person cannot be registered here directly."""

    detail = serializers.CharField()
    transfer_request = serializers.IntegerField()


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RevealResponseSerializer(serializers.Serializer):
    id_number = serializers.CharField()


class ResidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The resident registry. A full ID number or a phone number travels only in a request body
    (POST /residents/search/), never a URL."""

    serializer_class = ResidentSerializer
    filter_backends: list = []  # the list filters go to the selector (see ResidentQuerySerializer)
    capabilities = {"*": selectors.READ_NAMES, "create": selectors.WRITE,
                    "partial_update": selectors.WRITE, "reveal": selectors.REVEAL}

    def get_queryset(self):
        return self._residents()

    def _residents(self, **lookups) -> QuerySet[Resident]:
        residents = selectors.resident_list_for(user=self.request.user, **lookups)
        return selectors.with_field_rights(selectors.with_current_home(residents),
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

    @extend_schema(request=ResidentCreateSerializer,
                   responses={201: ResidentSerializer, 202: TransferNoticeSerializer})
    def create(self, request, *args, **kwargs):
        """Register a resident. When the ID number is registered outside the caller's area the
        answer is 202: a transfer request went to the community center (nothing else is said
        about that person); within the area, 400 names the record."""
        payload = ResidentCreateSerializer(data=request.data,
                                           context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        registration = service_errors(lambda: services.resident_register(
            actor=request.user, **payload.validated_data))
        if registration.transfer is not None:
            notice = {"detail": _("This person cannot be registered here directly: the request "
                                  "has been passed to the community center."),
                      "transfer_request": registration.transfer.pk}
            return Response(TransferNoticeSerializer(notice).data,
                            status=status.HTTP_202_ACCEPTED)
        return Response(self._read(registration.resident),  # type: ignore[arg-type]
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ResidentUpdateSerializer, responses=ResidentSerializer)
    def partial_update(self, request, *args, **kwargs):
        resident = selectors.resident_get_for(user=request.user, pk=kwargs["pk"])
        payload = ResidentUpdateSerializer(resident, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)

        def update() -> Resident:
            if payload.validated_data.get("id_number"):
                services.id_number_change_check(actor=request.user, resident=resident,
                                                id_number=payload.validated_data["id_number"])
            return services.resident_update(actor=request.user, resident=resident,
                                            **payload.validated_data)

        return Response(self._read(service_errors(update)))

    @extend_schema(request=ResidentSearchSerializer, responses=ResidentSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request):
        """Find residents by full ID number (looked up by its keyed hash; each such search is
        counted and logged) or by phone number, within the caller's area and only among those
        whose number the caller may see."""
        payload = ResidentSearchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        criteria = dict(payload.validated_data)
        if criteria.get("id_number"):
            criteria["id_number"] = service_errors(lambda: services.id_number_search_check(
                actor=request.user, id_number=criteria["id_number"]))
        return self._paginated(self._residents(**criteria))

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
