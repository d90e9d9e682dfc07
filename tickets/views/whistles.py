"""吹哨报到: the tickets whistled to departments, by department, with each department's latest
report back, for the street's dispatcher and everyone who follows them."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridportal.permissions import requires

from .. import selectors


@requires(selectors.READ)
def whistled(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("status") != "all"
    rows = selectors.whistled_list_for(user=request.user, open_only=open_only)
    return render(request, "tickets/whistled.html", {
        "rows": rows, "open_only": open_only, "now": timezone.now(),
        "limit": selectors.WHISTLED_LIMIT, "at_limit": len(rows) >= selectors.WHISTLED_LIMIT,
    })
