import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache
from rest_framework.exceptions import NotFound

from grids import selectors as grid_selectors
from grids.views import basemap_config
from residents import selectors as resident_selectors
from tickets import selectors as ticket_selectors

from . import permissions
from .permissions import requires


@login_required
def home(request: HttpRequest) -> HttpResponse:
    own = list(grid_selectors.own_nodes(request.user))
    rollups = {r.node.pk: r for r in grid_selectors.tree_rollup_for(user=request.user)}
    cards = [(node, rollups.get(node.pk)) for node in own]
    context = {"cards": cards, "sees_everything": grid_selectors.sees_everything(request.user)}
    if ticket_selectors.READ in permissions.held(request.user):
        # 我的任务 first: what is new, due soon and overdue, each a link to those tasks.
        counts = ticket_selectors.my_task_counts(user=request.user)
        context["task_total"] = counts["total"]
        context["task_groups"] = [(name, label, counts[name]) for name, label
                                  in ticket_selectors.TASK_GROUP_LABELS.items()]
    if context["sees_everything"] and not own:
        context["roots"] = [r for r in rollups.values() if r.node.parent_id is None]
    return render(request, "home.html", context)


@requires(grid_selectors.READ_TREE)
def grid_map(request: HttpRequest) -> HttpResponse:
    """一张图: the user's grids on a map, filled by a KPI, with the buildings by colour category.

    The page is a shell: its script reads `map_config` and fetches the features from the API,
    which scopes them like every list.
    """
    held = permissions.held(request.user)
    shows_buildings = resident_selectors.READ_ADDRESSES in held
    shows_tickets = ticket_selectors.READ in held
    return render(request, "grid_map.html", {
        "map_config": _map_config(shows_buildings=shows_buildings, shows_tickets=shows_tickets),
        "basemap": settings.MAP_BASEMAP,
        "shows_buildings": shows_buildings,
        "shows_tickets": shows_tickets,
        "kpis": MAP_KPIS,
        "heat_periods": [(key, label) for key, label, _days in MAP_HEAT_PERIODS],
    })


# The KPIs a grid boundary may be filled by: (GeoJSON property, label).
MAP_KPIS = (
    ("open", gettext_lazy("Open tickets")),
    ("overdue", gettext_lazy("Overdue tickets")),
    ("closure_rate", gettext_lazy("Closure rate (last 30 days)")),
)


# The periods a heat map of tickets may cover: (key, label, days back from today).
MAP_HEAT_PERIODS = (
    ("7d", gettext_lazy("Last 7 days"), 7),
    ("30d", gettext_lazy("Last 30 days"), 30),
    ("12m", gettext_lazy("Last 12 months"), 365),
)


def _heat_periods() -> dict[str, str]:
    """Each period's first day (ISO), counted on the community's calendar, for `since=`."""
    today = timezone.localdate()
    return {key: (today - dt.timedelta(days=days - 1)).isoformat()
            for key, _label, days in MAP_HEAT_PERIODS}


def _ticket_layers_config(shows_tickets: bool) -> dict:
    if not shows_tickets:
        return {"tickets": None, "ticketPage": None, "heatSince": {}}
    return {
        "tickets": reverse("ticket-list") + "?format=geojson",
        # A ticket's page, its id standing in for the 0.
        "ticketPage": reverse("tickets:detail", args=[0]),
        "heatSince": _heat_periods(),
    }


def _house_palette() -> list[dict]:
    return [{"key": key, "colour": settings.HOUSE_COLOURS[key],
             "label": str(resident_selectors.CATEGORY_LABELS[key])}
            for key in resident_selectors.CATEGORIES]


def _map_config(*, shows_buildings: bool, shows_tickets: bool) -> dict:
    """What the map's script needs: where the library and the data are, and its words."""
    return {
        **_ticket_layers_config(shows_tickets),
        "servicePoints": reverse("service-point-list") + "?format=geojson",
        "locate": reverse("api-locate"),
        "basemap": basemap_config(),
        "basemapModule": static("js/basemap.js"),
        "library": static("vendor/maplibre-gl/maplibre-gl.mjs"),
        "worker": static("vendor/maplibre-gl/maplibre-gl-worker.mjs"),
        "gridNodes": reverse("grid-node-list") + "?format=geojson",
        "buildings": reverse("building-list") + "?format=geojson" if shows_buildings else None,
        "palette": _house_palette() if shows_buildings else [],
        "words": {
            "noBoundaries": _("None of your grids has a boundary drawn yet."),
            "loadFailed": _("The map data could not be loaded. Reload the page to try again."),
            "noWebGL": _("This browser cannot draw the map (WebGL is off or unavailable)."),
            "noData": _("no data"),
            "buildingsTruncated": _(
                "Not every building here is shown: zoom in to see them all."),
            "openNow": _("Open at this hour"),
            "closedNow": _("Closed at this hour"),
            "ticketsInCell": _("tickets here"),
            "overdueInCell": _("overdue"),
            "openTicket": _("Open the ticket"),
            "youAreIn": _("You are in:"),
            "locating": _("Finding where you are…"),
            "locateOutside": _("This place is not in any of your grids."),
            "locateRefused": _(
                "The browser was not allowed to tell your location. Allow location for this "
                "site in the browser's settings and try again."),
            "locateFailed": _("Your location could not be found just now. Try again in a moment."),
            "locateInsecure": _(
                "The browser gives no location on a page opened over plain http (other than "
                "localhost). Open the portal's https address to use this."),
            "locateUnavailable": _("This browser cannot tell your location."),
            **{key: str(label) for key, label in MAP_KPIS},
        },
    }


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico: the portal's icon for what browsers ask of every address, images and JSON
    included, where no page names one with <link rel="icon">."""
    path = Path(settings.BASE_DIR) / "static" / "img" / "favicon.svg"
    return HttpResponse(path.read_bytes(), content_type="image/svg+xml")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 answer (handler404): under /api/, JSON like DRF's own 404, for an address that
    no API route matches; elsewhere the portal's 404 page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
