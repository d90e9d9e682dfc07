"""Activities and campaigns: the list with yearly and per-theme totals, recording one with photos
from the phone's camera; setting up a volunteer team (its page is in teams.py)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires
from gridportal.uploads import file_response
from grids.models import GridNode

from .. import selectors, services
from ..forms import ActivityFilterForm, ActivityForm, TeamForm
from ..models import Theme
from .common import pick_community, posted_community, require

PAGE_SIZE = 25


def _activity_form(request: HttpRequest, community: GridNode, data=None,
                   files=None) -> ActivityForm:
    user = request.user
    return ActivityForm(
        data, files,
        committees=selectors.committee_list_for(user=user, community=community.pk),
        partners=selectors.partner_list_for(user=user, community=community.pk),
        teams=selectors.team_list_for(user=user, community=community.pk))


def _page(request: HttpRequest, communities, community: GridNode | None, *,
          form: ActivityForm | None = None, team_form: TeamForm | None = None) -> HttpResponse:
    context: dict = {"communities": communities, "community": community}
    if community is None:
        return render(request, "committees/activity_list.html", context)
    filters = ActivityFilterForm(request.GET or None)
    year, theme = None, ""
    if filters.is_valid():
        year, theme = filters.cleaned_data["year"], filters.cleaned_data["theme"]
    all_of_community = selectors.activity_list_for(user=request.user, community=community.pk)
    # Meta.ordering is not applied to the selector's aggregated query: order explicitly.
    chosen = selectors.activity_list_for(user=request.user, community=community.pk, year=year,
                                         theme=theme).order_by("-held_on", "-pk")
    theme_names = dict(Theme.choices)
    theme_totals = [{**row, "name": theme_names.get(row["theme"], row["theme"])}
                    for row in selectors.activity_theme_totals(chosen)]
    query = request.GET.copy()
    query.pop("page", None)
    context.update({
        "filters": filters,
        "page": Paginator(chosen, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "year_totals": selectors.activity_totals(all_of_community),
        "theme_totals": theme_totals,
        "teams": selectors.team_list_for(user=request.user,
                                         community=community.pk).order_by("name"),
        "can_manage": selectors.can_manage(request.user, community.pk),
    })
    if context["can_manage"]:
        context["form"] = form or _activity_form(request, community)
        context["team_form"] = team_form or TeamForm(prefix="team")
    return render(request, "committees/activity_list.html", context)


@requires(selectors.READ)
def activity_list(request: HttpRequest) -> HttpResponse:
    communities, community = pick_community(request)
    return _page(request, communities, community)


@requires(selectors.MANAGE)
@require_POST
def activity_create(request: HttpRequest) -> HttpResponse:
    communities, community = posted_community(request)
    require(community is not None and selectors.can_manage(request.user, community.pk))
    form = _activity_form(request, community, request.POST, request.FILES)
    activity = save_with(form, lambda data: services.activity_record(
        community=community, actor=request.user, **data))
    if activity is not None:
        messages.success(request, _("Activity recorded."))
        return redirect("committees:activity", activity.pk)
    return _page(request, communities, community, form=form)


@requires(selectors.READ)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_for(user=request.user, pk=pk)
    return render(request, "committees/activity_detail.html", {
        "activity": activity, "photos": activity.photos.all(),
        "back": f"{reverse('committees:activity_list')}?community={activity.community_id}"})


@requires(selectors.READ)
@cache_control(private=True, max_age=300)
def activity_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    activity = selectors.activity_get_for(user=request.user, pk=pk)
    photo = activity.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    return file_response(photo.image)


@requires(selectors.MANAGE)
@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    communities, community = posted_community(request)
    require(selectors.can_manage(request.user, community.pk))
    form = TeamForm(request.POST, prefix="team")
    team = save_with(form, lambda data: services.team_create(
        community=community, actor=request.user, **data))
    if team is not None:
        messages.success(request, _("Volunteer team %(name)s set up.") % {"name": team.name})
        return redirect("committees:team", team.pk)
    return _page(request, communities, community, team_form=form)
