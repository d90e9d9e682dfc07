"""Outside systems that talk to the portal, and what they said and were told.

- `ApiClient`: one outside system (the city's 12345 hotline, a city app speaking Open311) with its
  own revocable API key (djangorestframework-api-key: only a hash is kept, the key is shown once
  in the admin), the jurisdictions (streets or communities) it may act in, what it may do, its
  rate limit, and where its status call-backs go.
- `Jurisdiction`: a street or community as an Open311 jurisdiction, and whether it publishes its
  requests to anyone (public GET) or only to its own API clients.
- `Open311Submission`: every POST of a request, with the key that sent it (the log).
- `WorkOrderLink`: a ticket that came from a client's work order (its number at the client).
- `CallbackDelivery`: one status call-back of one such ticket to its client, and its delivery.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from grids.models import GridNode, NodeKind
from tickets.models import Channel, Ticket, TicketEvent

JURISDICTION_KINDS = (NodeKind.STREET, NodeKind.COMMUNITY)

rate_validator = RegexValidator(
    r"^[1-9][0-9]{0,5}/(second|minute|hour|day)$",
    _("Write a number of requests per second, minute, hour or day, e.g. 120/hour."))


def new_callback_secret() -> str:
    return secrets.token_urlsafe(32)


class ApiClient(AbstractAPIKey):
    """An outside system with its own API key (sent as `api_key` to Open311, or as the header
    `Authorization: Api-Key <key>` to the work-order API)."""

    jurisdictions = models.ManyToManyField(
        GridNode, verbose_name=_("jurisdictions"), related_name="api_clients",
        limit_choices_to={"kind__in": JURISDICTION_KINDS},
        help_text=_("The streets or communities this client may report to and read from."))
    open311 = models.BooleanField(_("may post Open311 requests"), default=True)
    work_orders = models.BooleanField(_("may push 12345 work orders"), default=False)
    channel = models.CharField(
        _("channel of its tickets"), max_length=20, choices=Channel.choices,
        default=Channel.OPEN311,
        help_text=_("How the tickets this client makes are counted (12345 for the hotline)."))
    rate = models.CharField(
        _("rate limit"), max_length=20, default="120/hour", validators=[rate_validator],
        help_text=_("Requests this key may make, e.g. 120/hour; more answer 429."))
    callback_url = models.URLField(
        _("status call-back URL"), max_length=300, blank=True,
        help_text=_("Where the public steps of its tickets are posted (signed); empty: none."))
    callback_secret = models.CharField(
        _("call-back secret"), max_length=64, default=new_callback_secret,
        help_text=_("Shared secret of the HMAC-SHA256 signature of every call-back."))
    contact = models.CharField(_("contact"), max_length=100, blank=True,
                               help_text=_("Who runs the outside system, and how to reach them."))

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class Jurisdiction(models.Model):
    """A street or community as an Open311 jurisdiction (`jurisdiction_id` is its node code).
    A street or community without a row publishes its requests (the default)."""

    node = models.OneToOneField(
        GridNode, verbose_name=_("street or community"), on_delete=models.CASCADE,
        related_name="open311", limit_choices_to={"kind__in": JURISDICTION_KINDS})
    publish_requests = models.BooleanField(
        _("publish requests to anyone"), default=True,
        help_text=_("Off: GET requests answers only this jurisdiction's own API clients."))

    class Meta:
        verbose_name = _("Open311 jurisdiction")
        verbose_name_plural = _("Open311 jurisdictions")

    def __str__(self) -> str:
        return str(self.node)

    def clean(self) -> None:
        if self.node_id and self.node.kind not in JURISDICTION_KINDS:
            raise ValidationError({"node": _("Choose a street or a community.")})


class Open311Submission(models.Model):
    """One POST of a service request, accepted or not, with the key that sent it."""

    client = models.ForeignKey(ApiClient, verbose_name=_("API client"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="submissions")
    key_prefix = models.CharField(_("key prefix"), max_length=8, blank=True)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    status_code = models.PositiveSmallIntegerField(_("answer"))
    error = models.CharField(_("error"), max_length=300, blank=True)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # The Open311 `token` answered with the request that made the ticket (not the ticket's
    # tracking token, which grants the resident's rating): `GET tokens/{token}` finds the id.
    token = models.CharField(_("token"), max_length=64, unique=True, null=True, blank=True,
                             editable=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.key_prefix or '-'} {self.status_code} {self.created_at:%Y-%m-%d %H:%M}"


class LinkSource(models.TextChoices):
    WORK_ORDER = "work_order", _("Work-order API")
    OPEN311 = "open311", _("Open311")


class WorkOrderLink(models.Model):
    """A ticket made from a client's work order (or Open311 request): its number there, and the
    client its public steps are called back to."""

    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                                  related_name="work_order")
    client = models.ForeignKey(ApiClient, verbose_name=_("API client"),
                               on_delete=models.PROTECT, related_name="work_orders_made")
    number = models.CharField(_("work-order number"), max_length=40)
    source = models.CharField(_("received through"), max_length=12,
                              choices=LinkSource.choices, default=LinkSource.WORK_ORDER)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [models.UniqueConstraint(fields=["client", "number"],
                                               name="interop_work_order_unique")]

    def __str__(self) -> str:
        return self.number


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


class CallbackDelivery(models.Model):
    """One public step of a linked ticket, to be posted to its client's call-back URL. Written
    in the step's own transaction (an outbox): a step that commits always has its call-back."""

    link = models.ForeignKey(WorkOrderLink, verbose_name=_("work order"),
                             on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(TicketEvent, verbose_name=_("step"), on_delete=models.CASCADE,
                              related_name="+")
    step = models.CharField(_("step"), max_length=20)
    payload = models.JSONField(_("body"))
    state = models.CharField(_("state"), max_length=12, choices=DeliveryState.choices,
                             default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status call-back")
        verbose_name_plural = _("status call-backs")
        ordering = ["link", "pk"]
        constraints = [models.UniqueConstraint(fields=["link", "event"],
                                               name="interop_delivery_once_per_step")]
        indexes = [models.Index(fields=["state", "next_attempt_at"],
                                name="interop_delivery_due")]

    def __str__(self) -> str:
        return f"{self.link} {self.step} {self.state}"
