"""The community's services (the service list of the three lists): the list, and adding and
editing a service by the community's staff."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires
from grids.models import GridNode
from grids.selectors import service_point_list_for

from .. import selectors, services
from ..forms import ServiceItemForm
from .common import pick_community, posted_community, require, within


def _service_form(request: HttpRequest, community: GridNode, data=None,
                  **kwargs) -> ServiceItemForm:
    points = within(service_point_list_for(user=request.user), community)
    return ServiceItemForm(data, service_points=points, **kwargs)


def _list_page(request: HttpRequest, communities, community, *,
               form: ServiceItemForm | None = None) -> HttpResponse:
    items = (selectors.service_list_for(user=request.user, community=community.pk)
             if community else [])
    context = {"communities": communities, "community": community, "items": items}
    if community is not None and selectors.can_manage(request.user, community.pk):
        context["can_manage"] = True
        context["form"] = form or _service_form(request, community)
    return render(request, "committees/service_list.html", context)


@requires(selectors.READ)
def service_list(request: HttpRequest) -> HttpResponse:
    communities, community = pick_community(request)
    return _list_page(request, communities, community)


@requires(selectors.MANAGE)
@require_POST
def service_create(request: HttpRequest) -> HttpResponse:
    communities, community = posted_community(request)
    require(selectors.can_manage(request.user, community.pk))
    form = _service_form(request, community, request.POST)
    item = save_with(form, lambda data: services.service_item_save(
        actor=request.user, community=community, **data))
    if item is not None:
        messages.success(request, _("Service %(name)s added.") % {"name": item.name})
        return redirect(f"{reverse('committees:service_list')}?community={community.pk}")
    return _list_page(request, communities, community, form=form)


@requires(selectors.MANAGE)
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.service_get_for(user=request.user, pk=pk)
    community = item.community
    require(selectors.can_manage(request.user, community.pk))
    subject = f"{community.name} · {item.name}"  # as saved, whatever the form says
    if request.method == "POST":
        form = _service_form(request, community, request.POST)
        saved = save_with(form, lambda data: services.service_item_save(
            actor=request.user, community=community, item=item, **data))
        if saved is not None:
            messages.success(request, _("Service saved."))
            return redirect(f"{reverse('committees:service_list')}?community={community.pk}")
    else:
        form = _service_form(request, community, initial=ServiceItemForm.initial_from(item))
    return render(request, "committees/record_form.html", {
        "form": form, "form_id": "service-form", "heading": _("Edit the service"),
        "subject": subject,
        "action": reverse("committees:service_edit", args=[item.pk]),
        "back": f"{reverse('committees:service_list')}?community={community.pk}"})
