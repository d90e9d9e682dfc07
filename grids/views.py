from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridportal.permissions import requires

from . import selectors

READ_TREE = requires(selectors.READ_TREE)


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
    }
    return render(request, "grids/node_detail.html", context)


@READ_TREE
def staffing(request: HttpRequest) -> HttpResponse:
    gaps = selectors.staffing_gaps_for(user=request.user)
    return render(request, "grids/staffing.html", {"gaps": gaps})
