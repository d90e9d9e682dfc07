from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from rest_framework.exceptions import NotFound

from grids import selectors as grid_selectors
from tickets import selectors as ticket_selectors

from . import permissions


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
