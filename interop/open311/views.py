"""The calls. Each answers `.json` or `.xml` (any other suffix: 404 in the error list), and
every refusal is the specification's error list with its HTTP status."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from gridportal.uploads import file_response
from residents.models import Building
from tickets.models import FINAL_STATUSES, Ticket, TicketEvent, TicketPhoto
from tickets.selectors import public_categories

from ..models import Open311Submission
from . import params, publication, submission
from .errors import Open311Error, bad_request, not_found
from .formats import FORMATS, render

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00+08:00"  # the last change of what this server offers


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    response = render(fmt if fmt in FORMATS else "json", "errors", error.as_list(),
                      status=error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def call(*methods: str) -> Callable:
    """A call of the API: the format checked, the method allowed, errors as the list."""

    def wrap(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def answer(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if fmt not in FORMATS:
                return _error("json", not_found(f"Unknown format {fmt[:10]!r}: use .json or "
                                                ".xml."))
            if request.method not in methods:
                response = _error(fmt, Open311Error(405, f"Method {request.method} not "
                                                         "allowed here."))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return _error(fmt, error)
        return answer
    return wrap


def _reader(request: HttpRequest) -> publication.Caller:
    """The caller of a GET: the jurisdiction, and the client when an api_key is given (its
    rate applies)."""
    who = publication.caller(request, request.GET)
    if who.client is not None:
        request.auth = who.client  # type: ignore[attr-defined]  # read by the throttle
        submission.check_rate(request)
    return who


def base_url(request: HttpRequest) -> str:
    """The address of this server's calls (…/open311/v2), as the specification's discovery
    gives it."""
    services_url = reverse("open311:services", kwargs={"fmt": "json"})
    return request.build_absolute_uri(services_url.removesuffix("/services.json"))


@call("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    endpoint = {"specification": SPECIFICATION,
                "url": base_url(request),
                "changeset": CHANGESET, "type": "production",
                "formats": ["text/xml", "application/json"]}
    data = {"changeset": CHANGESET,
            "contact": str(settings.PORTAL_NAME),
            "key_service": "API keys are issued by the service center's administrators "
                           "(admin: API clients).",
            "endpoints": [endpoint]}
    return render(fmt, "discovery", data)


def _group(category) -> str:
    if category.is_wish:
        return "微心愿"
    departments = category.departments.all()
    return departments[0].name if departments else "社区服务"


@call("GET", "HEAD")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    _reader(request)
    categories = public_categories().prefetch_related("departments")
    data = [{"service_code": category.code, "service_name": category.name,
             "description": category.name, "metadata": True, "type": "realtime",
             "keywords": ", ".join([category.code, *(d.name for d in
                                                     category.departments.all())]),
             "group": _group(category)} for category in categories]
    return render(fmt, "services", data)


@call("GET", "HEAD")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    who = _reader(request)
    category = public_categories().filter(code=code).first()
    if category is None:
        raise not_found(f"service_code {code[:30]!r} not found.")
    node = who.node
    # A street's thousands of buildings are listed per community, keeping the answer small.
    buildings = list(Building.objects.filter(node__tree_id=node.tree_id,
                                             node__lft__gte=node.lft,
                                             node__rght__lte=node.rght)
                     .order_by("estate", "name")[:submission.MAX_LISTED_BUILDINGS + 1])
    return render(fmt, "service_definition", {
        "service_code": category.code,
        "attributes": submission.attributes_of(category, buildings)})


def _requests_page(request: HttpRequest, who: publication.Caller) -> list[dict]:
    query = request.GET
    tickets = publication.published_tickets(who)
    ids = params.comma_list(query, "service_request_id", params.REFERENCE)
    page = params.page(query)
    extensions = params.flag(query, "extensions")
    if ids:
        tickets = tickets.filter(reference__in=ids)
    else:
        window = params.window(query)
        tickets = publication.requested_between(tickets, window.start, window.end)
        codes = params.comma_list(query, "service_code", params.CODE)
        if codes:
            known = set(public_categories().filter(code__in=codes).values_list("code",
                                                                                 flat=True))
            unknown = [code for code in codes if code not in known]
            if unknown:
                raise Open311Error(400, f"service_code {unknown[0]!r} not found.")
            tickets = tickets.filter(category__code__in=codes)
        wanted = params.statuses(query)
        if len(set(wanted)) == 1:
            finals = list(FINAL_STATUSES)
            tickets = (tickets.filter(status__in=finals) if wanted[0] == "closed"
                       else tickets.exclude(status__in=finals))
    rows = list(publication.with_public_parts(tickets).order_by("-created_at", "-pk")
                [page.offset:page.offset + page.size])
    places = publication.Places()
    paths = publication.grid_paths(rows) if extensions else None
    return [publication.request_view(request, ticket, places, paths) for ticket in rows]


@call("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return render(fmt, "service_requests", _requests_page(request, _reader(request)))


@call("GET", "HEAD")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    who = _reader(request)
    tickets = publication.published_tickets(who).filter(reference=request_id[:20])
    extensions = params.flag(request.GET, "extensions")
    ticket = publication.with_public_parts(tickets).first()
    if ticket is None:
        raise not_found(f"service_request_id {request_id[:20]!r} not found.")
    paths = publication.grid_paths([ticket]) if extensions else None
    return render(fmt, "service_requests",
                  [publication.request_view(request, ticket, publication.Places(), paths)])


@call("GET", "HEAD")
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    who = _reader(request)
    row = (Open311Submission.objects.filter(
        token=token[:64], ticket__in=publication.published_tickets(who))
        .select_related("ticket").first())
    if row is None or row.ticket is None:
        raise not_found("token not found.")
    return render(fmt, "service_requests",
                  [{"service_request_id": row.ticket.reference, "token": row.token}])


@call("GET", "HEAD")
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's servicerequestupdates: the public steps of the published requests within
    start_date..end_date (the last 90 days by default), oldest first, paged."""
    who = _reader(request)
    window = params.window(request.GET)
    page = params.page(request.GET)
    events = (TicketEvent.objects.filter(
        public=True, ticket__in=publication.published_tickets(who),
        created_at__gte=window.start, created_at__lte=window.end)
        .select_related("ticket")
        .prefetch_related(Prefetch("photos", queryset=TicketPhoto.objects.filter(public=True)
                                   .order_by("pk"), to_attr="public_photos"))
        .order_by("created_at", "pk")[page.offset:page.offset + page.size])
    return render(fmt, "service_requests_updates",
                  [publication.update_view(request, event) for event in events])


def media(request: HttpRequest, token: str) -> HttpResponseBase:
    """A public photo of a published request, by the signed address in its media_url."""
    try:
        photo = publication.photo_for_token(token)
    except Open311Error as error:
        return _error("json", error)
    response = file_response(photo.image)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- POST requests ---------------------------------------------------------------------------


def _remote_addr(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _answer(fmt: str, outcome: submission.Outcome, account_id: str) -> HttpResponse:
    ticket = outcome.ticket
    notice_events = list(ticket.events.filter(public=True).order_by("created_at", "pk")[:1])
    body = [{"service_request_id": ticket.reference, "token": outcome.token,
             "service_notice": publication.service_notice(ticket, notice_events),
             "account_id": account_id or None}]
    return render(fmt, "service_requests", body, status=201 if outcome.new else 200)


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every POST, accepted or refused, leaves a row in the log with its key."""
    try:
        data, files = request.POST, request.FILES
    except (MultiPartParserError, SuspiciousOperation):
        error = bad_request("The body could not be read: send the fields form-encoded, or "
                            "as multipart/form-data with a media file.")
        submission.log(client=None, key_prefix="", status_code=error.status,
                       error=error.description, remote_addr=_remote_addr(request))
        raise error from None
    key = (data.get("api_key") or "").strip()
    device_id = (data.get("device_id") or "").strip()[:100]
    account_id = (data.get("account_id") or "").strip()[:100]
    client = None
    try:
        submission.check_no_nul(data)
        who = publication.caller(request, data, key_required=True)
        client = who.client  # logged with a refusal too
        client = submission.check_client(who)
        posted = submission.read_post(data, files, who)
        submission.check_location_scope(who, posted)
        photo = submission.read_media(files)
        digest = submission.body_digest(data, files)
        idempotency_key = submission.idempotency_key(client, device_id, digest)
        request.auth = client  # type: ignore[attr-defined]  # read by the throttle
        retry = bool(idempotency_key) and Ticket.objects.filter(
            idempotency_key=idempotency_key).exists()
        if not retry:
            submission.check_rate(request)
        outcome = submission.request_submit(client=client, posted=posted,
                                            key=idempotency_key, digest=digest, photo=photo,
                                            remote_addr=_remote_addr(request))
        return _answer(fmt, outcome, account_id)
    except Open311Error as error:
        submission.log(client=client, key_prefix=key.split(".", 1)[0] if key else "",
                       status_code=error.status, error=error.description,
                       remote_addr=_remote_addr(request), device_id=device_id,
                       account_id=account_id)
        raise
