from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from gridportal import permissions
from gridportal.permissions import requires

from . import geojson, geometry, selectors, services

READ_TREE = requires(selectors.READ_TREE)
MANAGE_TREE = requires(services.MANAGE_TREE)


@READ_TREE
def tree(request: HttpRequest) -> HttpResponse:
    within = None
    if request.GET.get("within"):
        within = selectors.node_get_for(user=request.user, pk=request.GET["within"])
    rollups = selectors.tree_rollup_for(user=request.user, within=within)
    return render(request, "grids/tree.html", {"rollups": rollups, "within": within})


@READ_TREE
def node_detail(request: HttpRequest, pk: int) -> HttpResponse:
    node = selectors.node_get_for(user=request.user, pk=pk)
    rollups = selectors.tree_rollup_for(user=request.user, within=node)
    visible_ids = set(selectors.visible_nodes(request.user).filter(
        tree_id=node.tree_id, lft__lt=node.lft, rght__gt=node.rght).values_list("pk", flat=True))
    ancestors = [(a, a.pk in visible_ids) for a in selectors.ancestors_of(node)]
    context = {
        "node": node,
        "summary": rollups[0],
        "children": [r for r in rollups if r.node.parent_id == node.pk],
        "ancestors": ancestors,
        "people": selectors.node_people(node),
        "service_points": node.service_points.prefetch_related("opening_hours"),
        "may_draw_boundary": permissions.has(request.user, services.MANAGE_TREE, node),
    }
    return render(request, "grids/node_detail.html", context)


@MANAGE_TREE
def node_boundary(request: HttpRequest, pk: int) -> HttpResponse:
    """Draw and edit a node's boundary on a map, over its parent's and its neighbours' (read
    only). The page is a shell: its script saves through `PUT /api/v1/grid-nodes/{id}/boundary/`,
    which checks the shape and answers the rules it breaks."""
    node = selectors.node_get_for(user=request.user, pk=pk, capability=services.MANAGE_TREE)
    may_edit = services.may_change_node(actor=request.user, node=node)
    return render(request, "grids/node_boundary.html", {
        "node": node,
        "may_edit": may_edit,
        "draw_config": _draw_config(request, node, may_edit=may_edit),
    })


def _draw_config(request: HttpRequest, node, *, may_edit: bool) -> dict:
    """What the boundary editor's script needs: the libraries, the shapes, the words."""
    context = selectors.boundary_context_for(user=request.user, node=node)
    return {
        "library": static("vendor/maplibre-gl/maplibre-gl.mjs"),
        "worker": static("vendor/maplibre-gl/maplibre-gl-worker.mjs"),
        "basemap": basemap_config(),
        "basemapModule": static("js/basemap.js"),
        "save": reverse("grid-node-boundary", args=[node.pk]),
        "mayEdit": may_edit,
        "node": {"id": node.pk, "name": node.name, "boundary": node.boundary},
        "context": geojson.collection(
            geojson.feature(pk=other.pk, geometry=other.boundary, properties={
                "id": other.pk, "name": other.name,
                "role": "parent" if other.pk == node.parent_id else "sibling"})
            for other in context),
        "overlapPercent": round(geometry.SIBLING_OVERLAP_TOLERANCE * 100),
        "words": {
            "loadFailed": _("The map could not be loaded. Reload the page to try again."),
            "noWebGL": _("This browser cannot draw the map (WebGL is off or unavailable)."),
            "saved": _("The boundary is saved."),
            "cleared": _("The boundary is cleared."),
            "nothingDrawn": _("Draw the boundary first: click its corners on the map, and "
                              "click the first corner again to close it."),
            "notLoaded": _("Part of the saved boundary could not be put on the map to edit: "
                           "draw it again before saving, or the part left out is lost."),
            "saveFailed": _("The boundary could not be saved. Check the connection and try "
                            "again."),
        },
    }


def basemap_config() -> dict:
    """The basemap the map page and the boundary editor draw over (MAP_BASEMAP), for
    static/js/basemap.js."""
    kind = settings.MAP_BASEMAP
    if kind == "tiles":
        return {"kind": kind, "tiles": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION}
    if kind == "pmtiles":
        address = settings.MAP_PMTILES
        return {"kind": kind, "pmtiles": address if address.startswith("/") else static(address)}
    return {"kind": kind}


@READ_TREE
def staffing(request: HttpRequest) -> HttpResponse:
    gaps = selectors.staffing_gaps_for(user=request.user)
    return render(request, "grids/staffing.html", {"gaps": gaps})
