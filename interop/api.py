"""The 12345 hotline's work-order API (接诉即办), for API clients only (their key in
`Authorization: Api-Key <key>`):

- POST /api/v1/work-orders/ takes one work order (the spreadsheet import's fields under English
  names): 201 with a new ticket, 200 for a number already received (the same ticket, updated
  when fields changed);
- GET /api/v1/work-orders/{number}/ answers its ticket's public status and steps and the log of
  its status call-backs.
"""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from gridportal.api import service_errors
from gridportal.schema import ErrorDetailSerializer
from tickets.models import Status, Ticket
from tickets.work_orders import CHANNELS, WHISTLES, category_index, validate_work_order

from . import services
from .callbacks import STEPS
from .clients import HEADER_KEYWORD, ApiKeyAuthentication, ClientRateThrottle, client_nodes
from .models import ApiClient, DeliveryState, LinkSource, WorkOrderLink


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "interop.clients.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": f"`{HEADER_KEYWORD} <key>`: the key of an API client."}


class PushesWorkOrders(BasePermission):
    """Only an API client allowed to push work orders (no person, no session, no token)."""

    message = _("This API key may not push work orders.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiClient) and request.auth.work_orders


def _words(choices: dict) -> str:
    return "、".join(word for word in choices if word)


class WorkOrderInSerializer(serializers.Serializer):
    external_number = serializers.CharField(max_length=40, allow_blank=True,
                                            help_text="The hotline's number.")
    channel = serializers.CharField(
        max_length=20, required=False, allow_blank=True,
        help_text=f"{_words(CHANNELS)}, or a channel code; empty: the client's channel.")
    whistle = serializers.CharField(
        max_length=20, required=False, allow_blank=True,
        help_text=f"{_words(WHISTLES)}, or a whistle code; empty: routine.")
    category = serializers.CharField(max_length=50, required=False, allow_blank=True,
                                     help_text="A category's name or code; empty: 其他.")
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, allow_blank=True)
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    grid = serializers.CharField(max_length=40, allow_blank=True,
                                 help_text="The code of the owning grid.")


class WorkOrderOutSerializer(serializers.Serializer):
    work_order = serializers.CharField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    tracking_url = serializers.URLField(help_text="The resident's tracking page.")
    created = serializers.BooleanField(help_text="False: this number was received before.")


class StepSerializer(serializers.Serializer):
    step = serializers.CharField()
    status = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class DeliverySerializer(serializers.Serializer):
    delivery_id = serializers.IntegerField(source="pk")
    step = serializers.CharField()
    sequence = serializers.IntegerField(source="payload.sequence")
    state = serializers.ChoiceField(choices=DeliveryState.choices)
    attempts = serializers.IntegerField()
    last_status = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class WorkOrderStatusSerializer(WorkOrderOutSerializer):
    steps = StepSerializer(many=True)
    callbacks = DeliverySerializer(many=True)


UNAUTHENTICATED = OpenApiResponse(ErrorDetailSerializer,
                                  description="No API key, or an unknown or revoked one.")


class ClientView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [PushesWorkOrders]
    throttle_classes = [ClientRateThrottle]

    def answer(self, link: WorkOrderLink, ticket: Ticket, created: bool) -> dict:
        return {"work_order": link.number, "reference": ticket.reference,
                "status": ticket.status, "created": created,
                "tracking_url": self.request.build_absolute_uri(
                    reverse("public:track", args=[ticket.tracking_token]))}


class WorkOrderCreateView(ClientView):
    @extend_schema(operation_id="work_order_push", request=WorkOrderInSerializer, responses={
        201: WorkOrderOutSerializer, 200: OpenApiResponse(
            WorkOrderOutSerializer, description="This number was received before: the same "
                                                "ticket, updated when fields changed."),
        401: UNAUTHENTICATED})
    def post(self, request):
        data = WorkOrderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client: ApiClient = request.auth
        value = data.validated_data
        nodes = {node.code: node for node in
                 client_nodes(client).filter(active=True, code=value["grid"])}
        order, errors = validate_work_order(value, nodes=nodes, categories=category_index(),
                                            default_channel=client.channel)
        if order is None:
            raise serializers.ValidationError({name: [message]
                                               for name, message in errors.items()})
        link, created = service_errors(
            lambda: services.work_order_receive(client=client, order=order))
        ticket = Ticket.objects.get(pk=link.ticket_id)
        return Response(self.answer(link, ticket, created),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class WorkOrderDetailView(ClientView):
    @extend_schema(operation_id="work_order_status",
                   responses={200: WorkOrderStatusSerializer, 401: UNAUTHENTICATED})
    def get(self, request, number: str):
        link = (WorkOrderLink.objects.filter(client=request.auth, number=number,
                                             source=LinkSource.WORK_ORDER)
                .select_related("ticket").first())
        if link is None:
            raise Http404
        ticket = link.ticket
        steps = [{"step": STEPS.get(event.action, event.action or event.kind),
                  "status": event.to_status, "note": event.note if event.public else "",
                  "at": event.created_at}
                 for event in ticket.events.order_by("created_at", "pk")
                 if event.public or event.action in STEPS]
        return Response({**self.answer(link, ticket, False), "steps": steps,
                         "callbacks": DeliverySerializer(link.deliveries.order_by("pk"),
                                                         many=True).data})
