"""Tickets API: /api/v1/tickets/ (list, create, detail), POST /tickets/search/ (by the caller's
phone), POST /tickets/{id}/transitions/, /tickets/{id}/events/.
Scoped like the pages; transitions go through the one service."""


from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from gridportal.api import service_errors
from gridportal.schema import ErrorDetailSerializer
from gridportal.uploads import file_response
from grids import geojson, geometry
from grids.models import GridNode
from grids.people import person_name
from grids.phones import PhoneSerializerField, clean_phone
from grids.selectors import visible_nodes
from residents import selectors as registry
from residents.models import Building, Dwelling

from . import geo as ticket_geo
from . import kpis, selectors, services
from .forms_public import MAX_PHOTOS
from .models import (
    Category,
    Channel,
    Department,
    Satisfaction,
    Status,
    Ticket,
    TicketEvent,
    TicketPhoto,
    Whistle,
)
from .workflow import TRANSITIONS

User = get_user_model()
SEARCH_LIMIT = 50


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class TicketCursor(CursorPagination):
    """Keyset paging: no page ever counts the whole table."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as read; the reporter's contact only for those who may call them (null for
    others)."""

    owner_name = serializers.CharField(source="owner.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True,
                                            allow_null=True)
    assignee_name = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # Blank until the resident has evaluated (a read-only model field would drop that).
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True,
                                           read_only=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True,
                                      help_text="WGS-84 latitude of the place, when known.")
    longitude = serializers.FloatField(read_only=True, allow_null=True,
                                       help_text="WGS-84 longitude of the place, when known.")

    class Meta:
        model = Ticket
        fields = ["id", "reference", "channel", "whistle", "category", "category_name", "title",
                  "description", "node", "building", "dwelling", "address", "latitude",
                  "longitude", "owner",
                  "owner_name", "department", "department_name", "assignee", "assignee_name",
                  "status", "status_display", "accept_due_at", "contact_due_at",
                  "resolve_due_at", "accepted_at", "resolved_at", "closed_at", "satisfaction",
                  "escalation_level", "extensions", "external_number", "reporter_name",
                  "reporter_phone", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"reporter_name": {"allow_null": True},
                        "reporter_phone": {"allow_null": True}}

    def to_representation(self, ticket: Ticket) -> dict:
        data = super().to_representation(ticket)
        if getattr(ticket, "can_see_contact", False):
            if ticket.resident_id and not (data["reporter_name"] or data["reporter_phone"]):
                data["reporter_name"] = ticket.resident.name  # type: ignore[union-attr]
                data["reporter_phone"] = ticket.resident.phone  # type: ignore[union-attr]
        else:
            data["reporter_name"] = data["reporter_phone"] = None
        return data

    def get_assignee_name(self, ticket: Ticket) -> str | None:
        return person_name(ticket.assignee) if ticket.assignee_id else None


class TicketCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    whistle = serializers.ChoiceField(choices=Whistle.choices, default=Whistle.ROUTINE)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(active=True))
    title = serializers.CharField(max_length=120)
    description = serializers.CharField()
    node = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none(), required=False)
    building = serializers.PrimaryKeyRelatedField(queryset=Building.objects.none(),
                                                  required=False)
    dwelling = serializers.PrimaryKeyRelatedField(queryset=Dwelling.objects.none(),
                                                  required=False)
    address = serializers.CharField(max_length=200, required=False, default="")
    reporter_name = serializers.CharField(max_length=50, required=False, default="")
    reporter_phone = PhoneSerializerField(required=False, allow_blank=True, default="")
    external_number = serializers.CharField(max_length=40, required=False, default="")
    latitude = serializers.FloatField(
        required=False, min_value=-90, max_value=90,
        help_text="Latitude of the place, in degrees, in the system `crs` names. With "
                  "`longitude` and no node, building or dwelling, the ticket goes to the lowest "
                  "grid whose boundary contains the point (outside every boundary: the "
                  "community). Stored in WGS-84.")
    longitude = serializers.FloatField(
        required=False, min_value=-180, max_value=180,
        help_text="Longitude of the place, in degrees, in the system `crs` names.")
    crs = serializers.ChoiceField(
        choices=geometry.CRS_CHOICES, default=geometry.WGS84,
        help_text="The coordinate system of `latitude` and `longitude`: wgs84 (GPS, the "
                  "default), gcj02 (高德, 腾讯 and the phone's map apps in China) or bd09 "
                  "(百度).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["node"].queryset = visible_nodes(user, selectors.CREATE)
            self.fields["building"].queryset = registry.building_list_for(
                user=user, capability=selectors.CREATE)
            self.fields["dwelling"].queryset = registry.dwelling_list_for(
                user=user, capability=selectors.CREATE)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    satisfaction = serializers.CharField(required=False)
    reason = serializers.CharField(required=False)
    until = serializers.DateTimeField(required=False)
    target = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none(), required=False)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(active=True), required=False)
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True),
                                                  required=False)
    into = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.none(), required=False)
    photos = serializers.ListField(
        child=serializers.ImageField(), required=False, max_length=MAX_PHOTOS,
        help_text=_("Photos of the step (multipart/form-data, one `photos` part each)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["target"].queryset = visible_nodes(request.user)
            self.fields["into"].queryset = selectors.ticket_list_for(user=request.user)


class EventPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("The photo, for those who may see the "
                                                        "ticket."))

    class Meta:
        model = TicketPhoto
        fields = ["id", "url", "public"]

    def get_url(self, photo: TicketPhoto) -> str:
        return reverse("ticket-photo", args=[photo.ticket_id, photo.pk])


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    photos = EventPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "action", "from_status", "to_status", "actor", "actor_name",
                  "note", "public", "data", "photos", "created_at"]

    def get_actor_name(self, event: TicketEvent) -> str | None:
        return person_name(event.actor) if event.actor_id else None


class TicketQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("open", "open"), *Status.choices],
                                     required=False, default="")
    whistle = serializers.ChoiceField(choices=Whistle.choices, required=False, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default="")
    category = serializers.IntegerField(required=False, default=None)
    node = serializers.PrimaryKeyRelatedField(queryset=GridNode.objects.none(), required=False,
                                              default=None)
    overdue = serializers.BooleanField(required=False, default=None, allow_null=True)
    text = serializers.CharField(
        required=False, default="", max_length=120,
        help_text="A reference (T261202-ABC123), a 12345 work-order number, a short code, or "
                  "words of the title. A caller's phone is searched by POST /tickets/search/.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["node"].queryset = visible_nodes(request.user)


class TicketMapQuerySerializer(TicketQuerySerializer):
    """With format=geojson: the tickets with a point, in a box, clustered."""

    bbox = serializers.CharField(
        required=False, default="-180,-90,180,90",
        help_text="With format=geojson: minLon,minLat,maxLon,maxLat in WGS-84 degrees (the "
                  "map's view); the whole world by default.")
    cells = serializers.IntegerField(
        required=False, default=ticket_geo.DEFAULT_CELLS, min_value=4, max_value=128,
        help_text="With format=geojson: cells across the box's longer side; the tickets of a "
                  "cell come as one feature (at most (cells + 1)² features).")
    since = serializers.DateField(required=False, default=None,
                                  help_text="With format=geojson: created on or after this day.")
    until = serializers.DateField(required=False, default=None,
                                  help_text="With format=geojson: created before this day.")

    def validate_bbox(self, value: str):
        try:
            return geojson.parse_bbox(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate(self, attrs):
        if attrs["since"] and attrs["until"] and attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError({"until": _("The end must come after the start.")})
        return attrs


class TicketMapPropertiesSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Tickets in the feature (1: a single ticket).")
    overdue = serializers.IntegerField(help_text="Of which overdue now.")
    ticket = serializers.IntegerField(allow_null=True, help_text="A single ticket's id.")
    reference = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, allow_null=True)


TicketFeatureCollectionSerializer = geojson.collection_serializer(
    "Ticket", TicketMapPropertiesSerializer, id_help="A single ticket's id (absent on a "
    "cluster).")


class CallerSearchSerializer(serializers.Serializer):
    """The caller's phone travels in the body, never the URL."""

    phone = serializers.CharField(max_length=30)

    def validate_phone(self, value: str) -> str:
        try:
            phone = clean_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        if not phone:
            raise serializers.ValidationError(_("Enter the caller's phone number."))
        return phone


class TicketViewSet(geojson.GeoJSONMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    serializer_class = TicketSerializer
    pagination_class = TicketCursor
    filter_backends: list = []  # filters go through TicketQuerySerializer to the selector
    # A transition's own right is the service's (tickets.act / tickets.supervise, per action).
    capabilities = {"*": selectors.READ, "create": selectors.CREATE}

    def get_queryset(self):
        return selectors.with_contact_rights(selectors.ticket_list_for(user=self.request.user),
                                             user=self.request.user).select_related("resident")

    def get_object(self):
        return selectors.ticket_get_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[TicketMapQuerySerializer],
        description="The tickets the caller may read, newest first, in keyset pages. With "
                    "format=geojson: those with a point in `bbox` (WGS-84) as a "
                    "FeatureCollection, clustered in cells (a heat map's weights too), not "
                    "paged.",
        responses={(200, "application/json"): TicketSerializer(many=True),
                   (200, "application/geo+json"): TicketFeatureCollectionSerializer})
    def list(self, request, *args, **kwargs):
        if geojson.wants_geojson(request):
            return self._map(request)
        query = TicketQuerySerializer(data=request.query_params,
                                      context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        tickets = selectors.with_contact_rights(
            selectors.ticket_list_for(user=request.user, **query.validated_data),
            user=request.user).select_related("resident")
        page = self.paginate_queryset(tickets)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _map(self, request):
        query = TicketMapQuerySerializer(data=request.query_params,
                                         context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        box, cells = filters.pop("bbox"), filters.pop("cells")
        since, until = filters.pop("since"), filters.pop("until")
        tickets = selectors.ticket_list_for(user=request.user, **filters)
        if since is not None:
            tickets = tickets.filter(created_at__gte=kpis.local_midnight(since))
        if until is not None:
            tickets = tickets.filter(created_at__lt=kpis.local_midnight(until))
        return Response(geojson.collection(ticket_geo.ticket_clusters(tickets, box=box,
                                                                      cells=cells)))

    @extend_schema(request=CallerSearchSerializer, responses=TicketSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)
    def search(self, request):
        """The newest SEARCH_LIMIT tickets reported from a caller's phone, within the caller's
        area and only among those whose reporter's contact the caller may see."""
        payload = CallerSearchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tickets = selectors.with_contact_rights(
            selectors.ticket_list_for(user=request.user, phone=payload.validated_data["phone"]),
            user=request.user).select_related("resident").order_by("-id")[:SEARCH_LIMIT]
        return Response(self.get_serializer(tickets, many=True).data)

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request, *args, **kwargs):
        payload = TicketCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        ticket = service_errors(lambda: services.ticket_create(actor=request.user,
                                                               **payload.validated_data))
        return Response(self.get_serializer(selectors.ticket_get_for(
            user=request.user, pk=ticket.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses={
        200: TicketSerializer,
        409: OpenApiResponse(ErrorDetailSerializer,
                             description="Someone else changed the ticket first.")})
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        ticket = self.get_object()
        payload = TransitionSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        params = dict(payload.validated_data)

        def run() -> Ticket:
            try:
                return services.ticket_transition(ticket=ticket, actor=request.user, **params)
            except services.TransitionConflict as conflict:  # someone else acted first
                raise Conflict(conflict.messages[0]) from conflict

        ticket = service_errors(run)
        return Response(self.get_serializer(selectors.ticket_get_for(
            user=request.user, pk=ticket.pk)).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole timeline
    def events(self, request, pk=None):
        ticket = self.get_object()  # the parent is checked before any child is read
        return Response(EventSerializer(selectors.events_for(ticket=ticket), many=True).data)


    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY,
                              404: OpenApiResponse(ErrorDetailSerializer)})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_pk>[0-9]+)",
            pagination_class=None)
    def photo(self, request, pk=None, photo_pk=None):
        """One photo of the ticket's timeline (the ticket must be in the caller's area)."""
        photo = selectors.ticket_photo_get_for(user=request.user, ticket_pk=pk,
                                               photo_pk=photo_pk)
        return file_response(photo.image)


def register(router) -> None:
    router.register("tickets", TicketViewSet, basename="ticket")
