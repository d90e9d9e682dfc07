"""The public API (no login, no authentication classes, so no CSRF):

- POST /api/v1/public/tickets/ with an Idempotency-Key header: 201 with the new ticket's
  receipt; the same key and the same body again: 200 with the first ticket's receipt, also while
  the first request is still being saved (409 if that takes longer than 10 s); the same key with
  a different body: 422. Rate-limited per client IP and per phone number (429); only a new,
  accepted report counts.
- GET /api/v1/public/tickets/{token}/: what the tracking page shows, nothing personal.
- POST /api/v1/public/tickets/lookup/ with {"code", "phone"}: the tracking link when the short
  code was reported from that phone, otherwise 404. Rate-limited per client IP.
- POST /api/v1/public/tickets/{token}/rating/ with {"satisfaction", "comment"}: the resident
  rates the outcome, once, after the resolution and within the rating policy's days; a refused
  rating is a 400 naming `satisfaction` (or `comment`). Rate-limited per client IP.
- GET /api/v1/public/report-options/: the categories (internal ones left out) and places a
  report may name.

Mounted by gridportal/urls.py with `path("api/v1/", include(public_api.urlpatterns))`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gridportal.api import service_errors
from gridportal.schema import ErrorDetailSerializer
from grids import geometry

from . import selectors, services
from .forms_public import (
    CATEGORY_ERROR,
    IDEMPOTENCY_KEY,
    LOOKUP_MISMATCH,
    LOOKUP_THROTTLED,
    MAX_DESCRIPTION,
    PHONE_ERROR,
    PLACE_MISSING,
    POINT_OUTSIDE,
    RATING_THROTTLED,
    REPORT_BUSY,
    REPORT_THROTTLED,
    ReportBusy,
    ReportRefused,
    in_report_place,
    normalise_code,
    normalise_phone,
    report_places,
    report_submit,
    reportable_nodes,
    ticket_by_code,
)
from .models import Satisfaction, Ticket
from .services import IdempotencyMismatch
from .throttles import LookupIPThrottle, RatingIPThrottle
from .views.public import public_view

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    pattern=IDEMPOTENCY_KEY.pattern,
    description="16 to 56 letters, digits, '-' or '_', new for every report. A retry with the "
                "same key and body returns the first ticket.")


class Unprocessable(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_mismatch"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "report_in_progress"


class PublicReportSerializer(serializers.Serializer):
    reporter_name = serializers.CharField(max_length=50)
    reporter_phone = serializers.CharField(max_length=20)
    node = serializers.PrimaryKeyRelatedField(
        queryset=reportable_nodes(), required=False, allow_null=True,
        help_text="The community or grid. May be left out when a point is given that lies in "
                  "one: the point then names it (it wins over `node`).")
    latitude = serializers.FloatField(
        required=False, allow_null=True,
        help_text="The place picked on a map: its latitude in `crs` (optional, with longitude).")
    longitude = serializers.FloatField(
        required=False, allow_null=True,
        help_text="The place picked on a map: its longitude in `crs` (optional, with latitude).")
    crs = serializers.ChoiceField(
        choices=geometry.CRS_CHOICES, default=geometry.WGS84,
        help_text="The coordinate system of `latitude` and `longitude`: wgs84 (GPS, the "
                  "default), gcj02 (高德, 腾讯) or bd09 (百度). The ticket keeps WGS-84.")
    address = serializers.CharField(max_length=200)
    category = serializers.PrimaryKeyRelatedField(
        queryset=selectors.public_categories(),
        error_messages={"does_not_exist": CATEGORY_ERROR, "incorrect_type": CATEGORY_ERROR})
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=MAX_DESCRIPTION)

    def validate_reporter_phone(self, value: str) -> str:
        phone = normalise_phone(value)
        if phone is None:
            raise serializers.ValidationError(str(PHONE_ERROR))
        return phone

    def validate(self, attrs: dict) -> dict:
        """A point inside a reportable place routes the report by place; otherwise the node."""
        lat, lon = attrs.pop("latitude", None), attrs.pop("longitude", None)
        crs = attrs.pop("crs", geometry.WGS84)
        if lat is None and lon is None:
            if attrs.get("node") is None:
                raise serializers.ValidationError({"node": str(PLACE_MISSING)})
            return attrs
        try:
            if lat is None or lon is None:
                missing = "latitude" if lat is None else "longitude"
                raise DjangoValidationError({missing: _("Give both the latitude and the "
                                                        "longitude.")})
            lat, lon = geometry.check_point(lat=lat, lon=lon)
            lat, lon = geometry.to_wgs84(lat=lat, lon=lon, crs=crs)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        attrs.update(latitude=round(lat, 6), longitude=round(lon, 6))
        if in_report_place(lat=lat, lon=lon):
            attrs["node"] = None
        elif attrs.get("node") is None:
            raise serializers.ValidationError({"node": str(POINT_OUTSIDE)})
        return attrs


class ReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField()
    short_code = serializers.CharField()
    tracking_url = serializers.URLField()
    token = serializers.CharField()


class PublicEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    action = serializers.CharField()
    label = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class PublicRatingSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    label = serializers.CharField()
    comment = serializers.CharField()
    at = serializers.DateTimeField()


class PublicTicketSerializer(serializers.Serializer):
    reference = serializers.CharField()
    short_code = serializers.CharField()
    category = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    is_open = serializers.BooleanField()
    grid = serializers.CharField()
    created_at = serializers.DateTimeField()
    rating = PublicRatingSerializer(allow_null=True, help_text=(
        "The resident's rating of the outcome, once given."))
    can_rate = serializers.BooleanField(help_text="Whether the outcome may be rated now.")
    rate_until = serializers.DateTimeField(allow_null=True, help_text=(
        "The last moment to rate, once the ticket is resolved."))
    events = PublicEventSerializer(many=True)


class LookupSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)
    phone = serializers.CharField(max_length=20)

    def validate_code(self, value: str) -> str:
        return normalise_code(value)

    def validate_phone(self, value: str) -> str:
        phone = normalise_phone(value)
        if phone is None:
            raise serializers.ValidationError(str(PHONE_ERROR))
        return phone


def _tracking_url(request, ticket: Ticket) -> str:
    return request.build_absolute_uri(reverse("public:track", args=[ticket.tracking_token]))


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "no-store"
    return response


class _PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class PublicReportProblemSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(PublicReportProblemSerializer, description=description)


class PublicTicketCreateView(_PublicView):
    """Counted against the rate limits only when the report is new and every limit allows it
    (forms_public.report_submit, shared with the page): a retry, a refusal, a wrong body or a
    reused key costs nothing."""

    @extend_schema(request=PublicReportSerializer, parameters=[IDEMPOTENCY_HEADER], responses={
        201: ReceiptSerializer,
        200: OpenApiResponse(ReceiptSerializer, description=(
            "A retry (the same key and body, also while the first request is still being "
            "saved): the first ticket's receipt. A retry costs no quota.")),
        409: _problem("The first request with this key is still being saved after 10 s: "
                      "send the same request again a little later."),
        422: _problem("This key was already used for a different report."),
        429: _problem("Too many new reports from this address or phone number (see "
                      "Retry-After). A refused report costs nothing."),
    })
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not IDEMPOTENCY_KEY.match(key):
            raise ValidationError({"Idempotency-Key": [_(
                "Send an Idempotency-Key header of 16 to 56 letters, digits, '-' or '_'.")]})
        payload = PublicReportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)

        def submit() -> tuple[Ticket, bool]:
            try:
                return report_submit(request, key=key, **payload.validated_data)
            except IdempotencyMismatch as mismatch:
                raise Unprocessable(mismatch.messages[0]) from mismatch
            except ReportRefused as refused:
                raise Throttled(wait=refused.wait, detail=str(REPORT_THROTTLED)) from None
            except ReportBusy:
                raise Conflict(str(REPORT_BUSY)) from None

        ticket, new = service_errors(submit)
        receipt = {"reference": ticket.reference, "short_code": ticket.short_code,
                   "tracking_url": _tracking_url(request, ticket),
                   "token": ticket.tracking_token}
        return _no_store(Response(ReceiptSerializer(receipt).data,
                                  status=status.HTTP_201_CREATED if new else status.HTTP_200_OK))


class PublicTicketDetailView(_PublicView):
    @extend_schema(responses=PublicTicketSerializer)
    def get(self, request, token: str):
        ticket = selectors.public_ticket(token=token)
        return _no_store(Response(PublicTicketSerializer(public_view(ticket)).data))


class RatingSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices,
        error_messages={"invalid_choice": _("Choose satisfied, basically satisfied or "
                                            "unsatisfied."),
                        "required": _("Choose satisfied, basically satisfied or "
                                      "unsatisfied.")})
    comment = serializers.CharField(max_length=services.MAX_RATING_COMMENT, required=False,
                                    allow_blank=True, default="")


class PublicTicketRatingView(_PublicView):
    """The resident's rating of the outcome: once, after the resolution, within the rating
    policy's days (satisfied or basically satisfied closes the ticket; unsatisfied reopens it
    or sends it to the supervisor, as the policy says)."""

    throttle_classes = [RatingIPThrottle]

    def throttled(self, request, wait):
        raise Throttled(wait=wait, detail=str(RATING_THROTTLED))

    @extend_schema(request=RatingSerializer, responses={
        200: PublicTicketSerializer,
        400: OpenApiResponse(description=(
            "Refused, naming the field: already rated, not yet dealt with, closed, or past "
            "the days to rate; or a wrong answer. Nothing changes.")),
        404: OpenApiResponse(ErrorDetailSerializer, description="No such tracking token.")})
    def post(self, request, token: str):
        ticket = selectors.public_ticket(token=token)
        payload = RatingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket = service_errors(lambda: services.ticket_rate(ticket=ticket,
                                                             **payload.validated_data))
        fresh = selectors.public_ticket(token=ticket.tracking_token)
        return _no_store(Response(PublicTicketSerializer(public_view(fresh)).data))


class PublicTicketLookupView(_PublicView):
    throttle_classes = [LookupIPThrottle]

    def throttled(self, request, wait):
        raise Throttled(wait=wait, detail=str(LOOKUP_THROTTLED))

    @extend_schema(request=LookupSerializer, responses={
        200: inline_serializer("PublicLookupResult", {"reference": serializers.CharField(),
                                                      "tracking_url": serializers.URLField(),
                                                      "token": serializers.CharField()}),
        404: OpenApiResponse(ErrorDetailSerializer,
                             description="No report with that code from that phone.")})
    def post(self, request):
        payload = LookupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket = ticket_by_code(**payload.validated_data)
        if ticket is None:
            raise NotFound(str(LOOKUP_MISMATCH))
        return _no_store(Response({"reference": ticket.reference,
                                   "tracking_url": _tracking_url(request, ticket),
                                   "token": ticket.tracking_token}))


class ReportOptionsView(_PublicView):
    """Public data only: category names and the names of communities, hubs and grids."""

    @extend_schema(responses=inline_serializer("PublicReportOptions", {
        "categories": serializers.ListField(child=serializers.DictField()),
        "places": serializers.ListField(child=serializers.DictField())}))
    def get(self, request):
        categories = [{"id": c.pk, "name": c.name} for c in selectors.public_categories()]
        places = [{"id": node.pk, "name": node.name, "kind": node.kind,
                   "community": community.name}
                  for community, nodes in report_places() for node in (community, *nodes)]
        return Response({"categories": categories, "places": places})


urlpatterns = [
    path("public/tickets/", PublicTicketCreateView.as_view(), name="public-ticket-create"),
    path("public/tickets/lookup/", PublicTicketLookupView.as_view(),
         name="public-ticket-lookup"),
    path("public/tickets/<str:token>/", PublicTicketDetailView.as_view(),
         name="public-ticket-detail"),
    path("public/tickets/<str:token>/rating/", PublicTicketRatingView.as_view(),
         name="public-ticket-rating"),
    path("public/report-options/", ReportOptionsView.as_view(), name="public-report-options"),
]
