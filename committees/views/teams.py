"""A volunteer team's page: its members with their total hours, adding a volunteer, and recording
service hours on a phone right after the work."""

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires
from grids.people import person_name
from residents.selectors import resident_list_for

from .. import selectors, services
from ..forms import ServiceHoursForm, VolunteerForm
from ..models import VolunteerTeam
from .common import community_users, require

# Hours are recorded soon after the work: the activity list offers the last year's activities.
ACTIVITY_WINDOW = dt.timedelta(days=366)


def _volunteer_form(request: HttpRequest, team: VolunteerTeam, data=None) -> VolunteerForm:
    community = team.community
    form = VolunteerForm(data, users=community_users(request, community),
                         residents=resident_list_for(user=request.user, node=community),
                         initial={"joined_on": timezone.localdate()}, prefix="volunteer")
    form.fields["user"].label_from_instance = person_name
    return form


def _hours_form(request: HttpRequest, team: VolunteerTeam, data=None) -> ServiceHoursForm:
    today = timezone.localdate()
    activities = selectors.activity_list_for(user=request.user, community=team.community_id
                                             ).filter(held_on__gte=today - ACTIVITY_WINDOW,
                                                      held_on__lte=today)
    return ServiceHoursForm(data, volunteers=team.volunteers.select_related("resident", "user"),
                            activities=activities, initial={"served_on": today},
                            prefix="hours")


def _page(request: HttpRequest, team: VolunteerTeam, *, volunteer_form=None,
          hours_form=None) -> HttpResponse:
    context = {"team": team, "volunteers": selectors.volunteers_of(team),
               "can_manage": selectors.can_manage(request.user, team.community_id)}
    if context["can_manage"]:
        context["volunteer_form"] = volunteer_form or _volunteer_form(request, team)
        context["hours_form"] = hours_form or _hours_form(request, team)
    return render(request, "committees/team_detail.html", context)


@requires(selectors.READ)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get_for(user=request.user, pk=pk)
    return _page(request, team)


@requires(selectors.MANAGE)
@require_POST
def volunteer_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get_for(user=request.user, pk=pk)
    require(selectors.can_manage(request.user, team.community_id))
    form = _volunteer_form(request, team, request.POST)
    volunteer = save_with(form, lambda data: services.volunteer_add(
        team=team, actor=request.user, **data))
    if volunteer is not None:
        messages.success(request, _("%(name)s joined the team.") % {
            "name": volunteer.display_name})
        return redirect("committees:team", team.pk)
    return _page(request, team, volunteer_form=form)


@requires(selectors.MANAGE)
@require_POST
def hours_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get_for(user=request.user, pk=pk)
    require(selectors.can_manage(request.user, team.community_id))
    form = _hours_form(request, team, request.POST)
    record = save_with(form, lambda data: services.service_hours_add(
        actor=request.user, **data))
    if record is not None:
        messages.success(request, _("%(hours)s hours recorded for %(name)s.") % {
            "hours": record.hours, "name": record.volunteer.display_name})
        return redirect("committees:team", team.pk)
    return _page(request, team, hours_form=form)
