from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from grids import selectors as grid_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    own = list(grid_selectors.own_nodes(request.user))
    rollups = {r.node.pk: r for r in grid_selectors.tree_rollup_for(user=request.user)}
    cards = [(node, rollups.get(node.pk)) for node in own]
    context = {"cards": cards, "sees_everything": grid_selectors.sees_everything(request.user)}
    if context["sees_everything"] and not own:
        context["roots"] = [r for r in rollups.values() if r.node.parent_id is None]
    return render(request, "home.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
