from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.cache import never_cache
from rest_framework.exceptions import NotFound

from grids import selectors as grid_selectors
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
    shows_buildings = resident_selectors.READ_ADDRESSES in permissions.held(request.user)
    return render(request, "grid_map.html", {
        "map_config": _map_config(shows_buildings=shows_buildings),
        "basemap": settings.MAP_BASEMAP,
        "shows_buildings": shows_buildings,
        "kpis": MAP_KPIS,
    })


# The KPIs a grid boundary may be filled by: (GeoJSON property, label).
MAP_KPIS = (
    ("open", gettext_lazy("Open tickets")),
    ("overdue", gettext_lazy("Overdue tickets")),
    ("closure_rate", gettext_lazy("Closure rate")),
)


def _house_palette() -> list[dict]:
    return [{"key": key, "colour": settings.HOUSE_COLOURS[key],
             "label": str(resident_selectors.CATEGORY_LABELS[key])}
            for key in resident_selectors.CATEGORIES]


def _basemap_config() -> dict:
    basemap: dict = {"kind": settings.MAP_BASEMAP}
    if settings.MAP_BASEMAP == "tiles":
        basemap.update(tiles=settings.MAP_TILE_URL, attribution=settings.MAP_TILE_ATTRIBUTION)
    elif settings.MAP_BASEMAP == "pmtiles":
        pmtiles = settings.MAP_PMTILES
        basemap["pmtiles"] = pmtiles if pmtiles.startswith("/") else static(pmtiles)
    return basemap


def _map_config(*, shows_buildings: bool) -> dict:
    """What the map's script needs: where the library and the data are, and its words."""
    return {
        "basemap": _basemap_config(),
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
            **{key: str(label) for key, label in MAP_KPIS},
        },
    }


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 answer (handler404): under /api/, JSON like DRF's own 404, for an address that
    no API route matches; elsewhere the portal's 404 page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
