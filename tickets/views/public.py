"""Pages that need no login: the self-report form, the tracking page behind an unguessable token,
and the look-up by short code together with the reporter's phone number.

The tracking page shows progress only: no name, phone, address, description or internal note.
"""

import math
import secrets
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..forms_public import (
    IDEMPOTENCY_KEY,
    LOOKUP_MISMATCH,
    LOOKUP_THROTTLED,
    RATING_THROTTLED,
    REPORT_BUSY,
    REPORT_THROTTLED,
    LookupForm,
    RatingForm,
    ReportBusy,
    ReportForm,
    ReportRefused,
    report_outlines,
    report_submit,
    ticket_by_code,
)
from ..models import EventKind, Satisfaction, Status, Ticket
from ..services import IdempotencyMismatch
from ..throttles import LookupIPThrottle, RatingIPThrottle, refusal
from ..workflow import RATABLE

# What a resident reads for each public line of the timeline.
PUBLIC_EVENT_LABELS = {
    "created": gettext_lazy("Report received"),
    "resolve": gettext_lazy("Dealt with"),
    "reply": gettext_lazy("Reply to you"),
    "reject": gettext_lazy("Not taken up"),
    "rate": gettext_lazy("Your rating"),
}


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(32)


def _event_label(event) -> str:
    key = "created" if event.kind == EventKind.CREATED else event.action
    if key == "rate" and event.data.get("satisfaction") in Satisfaction.values:
        return _("%(label)s: %(rating)s") % {
            "label": PUBLIC_EVENT_LABELS[key],
            "rating": Satisfaction(event.data["satisfaction"]).label}
    if key in PUBLIC_EVENT_LABELS:
        return str(PUBLIC_EVENT_LABELS[key])
    return str(Status(event.to_status).label if event.to_status else event.get_kind_display())


def public_view(ticket: Ticket) -> dict[str, Any]:
    """What anyone holding the tracking link may see (the page and the API show the same)."""
    return {
        "reference": ticket.reference,
        "short_code": ticket.short_code,
        "category": ticket.category.name,
        "title": ticket.title,
        "status": ticket.status,
        "status_display": ticket.get_status_display(),
        "is_open": ticket.is_open,
        "grid": ticket.owner.name,
        "created_at": ticket.created_at,
        "rating": {"satisfaction": ticket.satisfaction,
                   "label": ticket.get_satisfaction_display(),
                   "comment": ticket.rating_comment, "at": ticket.rated_at}
        if ticket.rated_at else None,
        "can_rate": not services.rating_refusal(ticket, timezone.now()),
        "rate_until": services.rating_deadline(ticket) if ticket.status in RATABLE else None,
        "events": [
            {"kind": event.kind, "action": event.action, "label": _event_label(event),
             "note": event.note, "at": event.created_at}
            for event in selectors.events_for(ticket=ticket, public_only=True)
        ],
    }


def _too_many(request: HttpRequest, wait: float, message) -> HttpResponse:
    response = render(request, "tickets/public/too_many.html", {"message": message}, status=429)
    response["Retry-After"] = str(math.ceil(wait))
    return response


def _report_page(request: HttpRequest, form: ReportForm, status: int = 200) -> HttpResponse:
    key = form.data.get("idempotency_key", "") if form.is_bound else ""
    if not IDEMPOTENCY_KEY.match(key) or "idempotency_key" in form.errors:
        key = new_idempotency_key()
    return render(request, "tickets/public/report.html",
                  {"form": form, "idempotency_key": key, "map_config": _pick_map_config()},
                  status=status)


def _pick_map_config() -> dict[str, Any]:
    """What the small map's script needs: the library and the outlines' address, its words."""
    return {
        "library": static("vendor/maplibre-gl/maplibre-gl.mjs"),
        "worker": static("vendor/maplibre-gl/maplibre-gl-worker.mjs"),
        "outlines": reverse("public:report_outlines"),
        "basemapModule": static("js/basemap.js"),
        "words": {
            "picked": _("Place picked. Tap the map again to move it."),
            "locating": _("Finding your location…"),
            "noLocation": _("Your location is not available. Tap the map instead."),
            "noWebGL": _("The map cannot be shown on this device. Choose your community or "
                         "grid from the list."),
        },
    }


@require_http_methods(["GET", "HEAD"])
@cache_control(public=True, max_age=300)
def outlines(request: HttpRequest) -> HttpResponse:
    """The outlines the report page's map shows to pick a place: the shapes of the communities
    and grids a report may name, each with only its id (the list's value) and depth. Nothing
    else: no names of people, no tickets, no buildings."""
    return JsonResponse(report_outlines())


def _add_service_errors(form: ReportForm | RatingForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@sensitive_post_parameters("reporter_name", "reporter_phone", "address")
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _report_page(request, ReportForm())
    form = ReportForm(request.POST, request.FILES)
    if form.is_bot:
        data = request.POST.copy()
        data["website"] = ""
        form = ReportForm(data)
        form.add_error(None, _("Your report could not be sent. Please check it and send it "
                               "again."))
        return _report_page(request, form, status=400)
    if not form.is_valid():
        return _report_page(request, form)
    try:
        ticket, _new = report_submit(request, **form.submission())
    except ReportRefused as refused:
        return _too_many(request, refused.wait, REPORT_THROTTLED)
    except ReportBusy:
        return render(request, "tickets/public/too_many.html", {"message": REPORT_BUSY},
                      status=409)
    except IdempotencyMismatch:
        return render(request, "tickets/public/report_conflict.html", status=422)
    except ValidationError as error:
        _add_service_errors(form, error)
        return _report_page(request, form)
    messages.success(request, _("Thank you. Your report has been received."))
    return redirect("public:track", ticket.tracking_token)


def _track_page(request: HttpRequest, ticket: Ticket, form: RatingForm | None = None,
                status: int = 200) -> HttpResponse:
    response = render(request, "tickets/public/track.html", {
        "view": public_view(ticket), "token": ticket.tracking_token,
        "rating_form": form or RatingForm()}, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD"])
@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    return _track_page(request, selectors.public_ticket(token=token))


@require_http_methods(["POST"])
@never_cache
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The resident rates the outcome (once, after the resolution, within the policy's days)."""
    ticket = selectors.public_ticket(token=token)
    wait = refusal([RatingIPThrottle()], request)
    if wait is not None:
        return _too_many(request, wait, RATING_THROTTLED)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _track_page(request, ticket, form, status=400)
    try:
        services.ticket_rate(ticket=ticket, **form.cleaned_data)
    except ValidationError as error:
        _add_service_errors(form, error)
        return _track_page(request, ticket, form, status=400)
    messages.success(request, _("Thank you for your rating."))
    return redirect("public:track", ticket.tracking_token)


@sensitive_post_parameters("phone")
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def lookup(request: HttpRequest) -> HttpResponse:
    """The short code works only with the reporter's phone, by POST (no phone in a URL)."""
    form = LookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        wait = refusal([LookupIPThrottle()], request)
        if wait is not None:
            return _too_many(request, wait, LOOKUP_THROTTLED)
        if form.is_valid():
            ticket = ticket_by_code(code=form.cleaned_data["code"],
                                    phone=form.cleaned_data["phone"])
            if ticket is not None:
                return redirect("public:track", ticket.tracking_token)
            form.add_error(None, LOOKUP_MISMATCH)
    response = render(request, "tickets/public/lookup.html", {"form": form})
    response["X-Robots-Tag"] = "noindex"
    return response
