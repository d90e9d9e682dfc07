"""The public self-report intake (no login): the report and look-up forms, and
the one function that turns a report into a ticket, shared by the page and the public API.

A report carries an idempotency key: the page puts a fresh one in every form it renders, an API
client sends one in a header. A retry of the same report returns the first ticket; the same key
with different details is refused (services.IdempotencyMismatch).
"""

import re
import secrets
import time
from typing import Any, cast

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from gridportal.uploads import MAX_PHOTO_BYTES
from grids import geometry
from grids.models import GridNode, NodeKind
from grids.phones import (  # noqa: F401 - PHONE_ERROR, normalise_phone: the public API's too
    PHONE_ERROR,
    normalise_phone,
    phone_spellings,
)
from residents.forms import BootstrapForm, MultipleImageField

from . import selectors, services
from .forms import PhotosChosenAgainMixin
from .models import Category, Satisfaction, Ticket
from .throttles import count_report, refusal, report_throttles

REPORT_NODE_KINDS = (NodeKind.COMMUNITY, NodeKind.HUB, NodeKind.GRID4, NodeKind.GRID5)
MAX_PHOTOS = 5

MAX_DESCRIPTION = 2000
# Keys of public reports live apart from any other caller's keys.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,56}$")

REPORT_THROTTLED = _("You have sent too many reports in a short time. Please try again later, "
                     "or call your community service center.")
REPORT_BUSY = _("Your report is still being sent. Please send it again in a moment; it will "
                "not be recorded twice.")
LOOKUP_THROTTLED = _("Too many look-ups in a short time. Please try again later.")
LOOKUP_MISMATCH = _("No report matches this code and phone number. Check both and try again.")
KEY_ERROR = _("This form has expired. Check your entries and send it again.")
CATEGORY_ERROR = _("Choose one of the kinds of problem in the list.")
RATING_THROTTLED = _("Too many ratings from here in a short time. Please try again later.")
POINT_ERROR = _("The place picked on the map could not be read. Tap the map again, or choose "
                "your community or grid from the list.")
POINT_OUTSIDE = _("The place picked on the map lies outside our communities' grids. Choose your "
                  "community or grid from the list.")
PLACE_MISSING = _("Choose your community or grid, or tap the map where the problem is.")
REPORT_FIELDS = ("reporter_name", "reporter_phone", "node", "address", "category", "title",
                 "description")


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()


def reportable_nodes() -> QuerySet[GridNode]:
    return GridNode.objects.filter(active=True, kind__in=REPORT_NODE_KINDS)


def report_places() -> list[tuple[GridNode, list[GridNode]]]:
    """Active communities, each with its active hubs and grids in tree order (one query)."""
    places: list[tuple[GridNode, list[GridNode]]] = []
    community: GridNode | None = None
    for node in reportable_nodes().order_by("tree_id", "lft"):
        if node.kind == NodeKind.COMMUNITY:
            community = node
            places.append((node, []))
        elif (community is not None and node.tree_id == community.tree_id
              and community.lft < node.lft < community.rght):
            places[-1][1].append(node)
    return places


def in_report_place(*, lat: float, lon: float) -> bool:
    """Whether a WGS-84 point lies in a place a report may name (its grid or community then
    routes the report)."""
    return any(node.kind in REPORT_NODE_KINDS for node in geometry.locate(lon, lat))


def report_outlines() -> dict[str, Any]:
    """A GeoJSON FeatureCollection (WGS-84) of the reportable places' boundaries: geometry, the
    node's id (the value the form's list sends) and its depth, for the public page's map."""
    features = [
        {"type": "Feature", "id": node.pk, "geometry": node.boundary,
         "properties": {"id": node.pk, "depth": node.level}}
        for community, nodes in report_places() for node in (community, *nodes)
        if node.boundary is not None
    ]  # the places the form's list offers, and no others
    return {"type": "FeatureCollection", "features": features}


def _place_choices(places: list[tuple[GridNode, list[GridNode]]]) -> list:
    choices: list = [("", _("Choose your community or grid"))]
    for community, nodes in places:
        options = [(community.pk, _("%(name)s (not sure which grid)") % {"name": community.name})]
        for node in nodes:
            indent = "\u3000" * max(0, node.level - community.level - 1)
            options.append((node.pk, f"{indent}{node.name}"))
        choices.append((community.name, options))
    return choices


class ReportPhotosField(MultipleImageField):
    """Photos from the camera: images only (Pillow opens each), at most MAX_PHOTOS, 10 MB each.
    The size is checked before an image is opened."""

    def clean(self, data, initial=None):
        files = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Attach at most %(count)s photos.") % {"count": MAX_PHOTOS})
        if any((photo.size or 0) > MAX_PHOTO_BYTES for photo in files):
            raise ValidationError(_("A photo may be at most 10 MB."))
        return super().clean(data, initial)


class ReportForm(PhotosChosenAgainMixin, BootstrapForm):
    reporter_name = forms.CharField(
        label=_("Your name"), max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}))
    reporter_phone = forms.CharField(
        label=_("Your phone number"), max_length=20,
        help_text=_("Staff call you back on this number. It never appears on the tracking "
                    "page."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    node = forms.TypedChoiceField(label=_("Community or grid"), coerce=int, required=False,
                                  empty_value=None)
    # The point picked on the small map (WGS-84), filled by its script; optional.
    latitude = forms.FloatField(widget=forms.HiddenInput, required=False)
    longitude = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(
        label=_("Where exactly"), max_length=200,
        help_text=_("Building, entrance, street or a landmark."))
    category = forms.ModelChoiceField(label=_("Kind of problem"), queryset=Category.objects.none(),
                                      empty_label=_("Choose a kind"),
                                      error_messages={"invalid_choice": CATEGORY_ERROR})
    title = forms.CharField(label=_("In a few words"), max_length=120,
                            help_text=_("For example: stairwell light out on the 3rd floor."))
    description = forms.CharField(label=_("What happened"), max_length=MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    photos = ReportPhotosField(label=_("Photos (optional)"), required=False,
                               help_text=_("Up to 5 photos, 10 MB each. Only staff see them."))
    # A field people never see: a bot that fills every input gives itself away.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = report_places()
        self._nodes = {node.pk: node for community, nodes in self.places
                       for node in (community, *nodes)}
        cast(forms.ChoiceField, self.fields["node"]).choices = _place_choices(self.places)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = (
            selectors.public_categories())

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean_reporter_name(self) -> str:
        return self.cleaned_data["reporter_name"].strip()

    def clean_reporter_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["reporter_phone"])
        if phone is None:
            raise ValidationError(PHONE_ERROR)
        return phone

    def clean_node(self) -> GridNode | None:
        pk = self.cleaned_data["node"]
        return None if pk is None else self._nodes[pk]  # the choices hold only these keys

    def clean(self) -> dict[str, Any]:
        """A point picked on the map routes the report by place when a reportable grid or
        community contains it; otherwise the place chosen in the list does."""
        data = super().clean()
        point = self._point()
        data["point_placed"] = False
        if point is not None:
            lat, lon = point
            if in_report_place(lat=lat, lon=lon):
                data["point_placed"] = True
            elif data.get("node") is None and "node" not in self.errors:
                self.add_error("node", POINT_OUTSIDE)
        elif data.get("node") is None and "node" not in self.errors:
            self.add_error("node", PLACE_MISSING)
        return data

    def _point(self) -> tuple[float, float] | None:
        """The picked point (lat, lon), None when none was picked (an error when it is bad)."""
        raw = (self.data.get("latitude", ""), self.data.get("longitude", ""))
        if not any(str(value).strip() for value in raw):
            return None
        lat, lon = self.cleaned_data.get("latitude"), self.cleaned_data.get("longitude")
        try:
            return geometry.check_point(lat=lat, lon=lon) if None not in (lat, lon) else (
                self._bad_point())
        except ValidationError:
            return self._bad_point()

    def _bad_point(self) -> None:
        self.add_error(None, POINT_ERROR)
        self.cleaned_data["latitude"] = self.cleaned_data["longitude"] = None
        return None

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        if not IDEMPOTENCY_KEY.match(key):
            raise ValidationError(KEY_ERROR)
        return key

    def submission(self) -> dict[str, Any]:
        """The keyword arguments of report_submit."""
        data = self.cleaned_data
        submission = {"key": data["idempotency_key"], "photos": data["photos"],
                      **{name: data[name] for name in REPORT_FIELDS}}
        if data.get("latitude") is not None and data.get("longitude") is not None:
            submission.update(latitude=data["latitude"], longitude=data["longitude"])
            if data["point_placed"]:
                submission["node"] = None  # the point names the grid
        return submission


class LookupForm(BootstrapForm):
    code = forms.CharField(
        label=_("Short code"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}))
    phone = forms.CharField(
        label=_("The phone number you gave"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean_code(self) -> str:
        return normalise_code(self.cleaned_data["code"])

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if phone is None:
            raise ValidationError(PHONE_ERROR)
        return phone


class RatingForm(BootstrapForm):
    """The resident's rating of the outcome on the tracking page."""

    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the outcome?"), choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose satisfied, basically satisfied or "
                                      "unsatisfied.")})
    comment = forms.CharField(
        label=_("Your comment (optional)"), required=False,
        max_length=services.MAX_RATING_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Staff read it. Do not write your phone number or ID number here."))


def ticket_by_code(*, code: str, phone: str) -> Ticket | None:
    """The ticket with this short code reported from this phone, or None (the same answer
    whether or not the code exists)."""
    for spelling in phone_spellings(phone):
        try:
            return selectors.public_ticket_by_code(code=code, phone=spelling)
        except Http404:
            continue
    return None


# --- Sending a report: one new ticket per key, counted once ---------------------------------

# A claim outlives any request that could still be writing its report (gunicorn stops a worker
# after 120 s, the upload is read before the view runs): after a crash it frees the key.
CLAIM_SECONDS = 130
# How long a retry waits for the request that holds its key before it answers "send again".
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


class ReportRefused(Exception):
    """A rate limit refuses the report; `wait` is the seconds until it would allow it."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


class ReportBusy(Exception):
    """Another request with the same key held it for longer than WAIT_SECONDS."""


def report_claim_key(key: str) -> str:
    return f"tickets:public-report-claim:{key}"


def _pause() -> None:
    time.sleep(POLL_SECONDS)


def _release(key: str, token: str) -> None:
    if cache.get(report_claim_key(key)) == token:
        cache.delete(report_claim_key(key))


def _claim(key: str) -> str | None:
    """A token when this request now holds the key's claim, None when the key's ticket exists
    (the report is a retry). Raises ReportBusy when another request holds the claim for longer
    than WAIT_SECONDS."""
    token = secrets.token_urlsafe(16)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        claimed = cache.add(report_claim_key(key), token, CLAIM_SECONDS)
        if selectors.self_report_exists(key):  # looked at after claiming: nothing slips between
            if claimed:
                _release(key, token)
            return None
        if claimed:
            return token
        if time.monotonic() >= deadline:
            raise ReportBusy
        _pause()


def report_submit(request, *, key: str, reporter_phone: str, **report: Any) -> tuple[Ticket, bool]:
    """Turn a valid report into a ticket, for the page and the API alike: the ticket and whether
    it is new. Call it outside a transaction (the ticket is committed before it is counted).

    A new report is counted against every report limit, and only when all of them allow it
    (ReportRefused otherwise, which costs nothing). A report whose key already made a ticket is
    a retry: it answers that ticket (or raises services.IdempotencyMismatch) and costs nothing.

    Between the two, the first request for a key *claims* it with `cache.add` on the default
    cache; a concurrent request with the same key waits (up to WAIT_SECONDS, then ReportBusy)
    until the ticket is committed and answers it as a retry, or, when the claim is let go without
    a ticket (the claimer was refused or failed), claims the key itself and is judged as new. So
    retries in flight cost nothing, and no retry gets a ticket past a limit that refused its
    first request.

    Why the cache and not a table: the claim must be seen by every process that counts the
    limits, and the limits live in that same cache, so a claim is exactly as shared as the counts:
    across all web workers with Redis in production (SET NX is atomic), across the threads of the
    one `make run` process with the local-memory cache (its add holds a lock). A claim expires by
    itself (CLAIM_SECONDS), so a crashed request frees its key without a sweep, and it needs no
    write transaction of its own, which on SQLite would queue behind every other writer. The
    ticket's unique idempotency key stays the last word on "one ticket per key".
    """
    claim = _claim(key)
    if claim is None:
        return services.ticket_self_report(key=key, reporter_phone=reporter_phone, **report), False
    try:
        throttles = report_throttles(reporter_phone)
        wait = refusal(throttles, request)
        if wait is not None:
            raise ReportRefused(wait)
        ticket = services.ticket_self_report(key=key, reporter_phone=reporter_phone, **report)
        count_report(throttles, request)
        return ticket, True
    finally:
        _release(key, claim)
