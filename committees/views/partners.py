"""Partner units (大党委 member units, 共建单位) and their resources: the list and a unit's page,
where the community's staff add and edit them without the admin."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires

from .. import selectors, services
from ..forms import PartnerForm, ResourceForm
from ..models import PartnerUnit
from .common import pick_community, posted_community, require


def _list_page(request: HttpRequest, communities, community, *,
               form: PartnerForm | None = None) -> HttpResponse:
    partners = (selectors.partner_list_for(user=request.user, community=community.pk)
                .order_by("name") if community else [])
    context = {"communities": communities, "community": community, "partners": partners}
    if community is not None and selectors.can_manage(request.user, community.pk):
        context["form"] = form or PartnerForm()
    return render(request, "committees/partner_list.html", context)


@requires(selectors.READ)
def partner_list(request: HttpRequest) -> HttpResponse:
    communities, community = pick_community(request)
    return _list_page(request, communities, community)


@requires(selectors.MANAGE)
@require_POST
def partner_create(request: HttpRequest) -> HttpResponse:
    communities, community = posted_community(request)
    require(selectors.can_manage(request.user, community.pk))
    form = PartnerForm(request.POST)
    partner = save_with(form, lambda data: services.partner_save(
        actor=request.user, community=community, **data))
    if partner is not None:
        messages.success(request, _("Partner unit %(name)s added.") % {"name": partner.name})
        return redirect("committees:partner", partner.pk)
    return _list_page(request, communities, community, form=form)


def _detail_page(request: HttpRequest, partner: PartnerUnit, *,
                 edit_form: PartnerForm | None = None,
                 resource_form: ResourceForm | None = None) -> HttpResponse:
    context = {
        "partner": partner, "resources": partner.resources.all(),
        "activities": selectors.activity_list_for(user=request.user).filter(
            partner=partner)[:20],
        "can_manage": selectors.can_manage(request.user, partner.community_id),
    }
    if context["can_manage"]:
        context["edit_form"] = edit_form or PartnerForm(
            initial=PartnerForm.initial_from(partner), prefix="partner")
        context["resource_form"] = resource_form or ResourceForm(prefix="resource")
    return render(request, "committees/partner_detail.html", context)


@requires(selectors.READ)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    return _detail_page(request, partner)


@requires(selectors.MANAGE)
@require_POST
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    require(selectors.can_manage(request.user, partner.community_id))
    form = PartnerForm(request.POST, prefix="partner")
    # A copy: a refused change must not show on the page as if it were saved.
    saved = save_with(form, lambda data: services.partner_save(
        actor=request.user, community=partner.community,
        partner=selectors.partner_get_for(user=request.user, pk=pk), **data))
    if saved is not None:
        messages.success(request, _("Partner unit saved."))
        return redirect("committees:partner", partner.pk)
    return _detail_page(request, partner, edit_form=form)


@requires(selectors.MANAGE)
@require_POST
def resource_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    require(selectors.can_manage(request.user, partner.community_id))
    form = ResourceForm(request.POST, prefix="resource")
    resource = save_with(form, lambda data: services.resource_save(
        actor=request.user, partner=partner, **data))
    if resource is not None:
        messages.success(request, _("Resource %(name)s added.") % {"name": resource.name})
        return redirect("committees:partner", partner.pk)
    return _detail_page(request, partner, resource_form=form)


@requires(selectors.MANAGE)
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get_for(user=request.user, pk=pk)
    partner = resource.partner
    require(selectors.can_manage(request.user, partner.community_id))
    if request.method == "POST":
        form = ResourceForm(request.POST)
        saved = save_with(form, lambda data: services.resource_save(
            actor=request.user, partner=partner,
            resource=selectors.resource_get_for(user=request.user, pk=pk), **data))
        if saved is not None:
            messages.success(request, _("Resource saved."))
            return redirect("committees:partner", partner.pk)
    else:
        form = ResourceForm(initial=ResourceForm.initial_from(resource))
    return render(request, "committees/record_form.html", {
        "form": form, "form_id": "resource-form", "heading": _("Edit the resource"),
        "subject": f"{partner.name} · {resource.name}",
        "action": reverse("committees:resource_edit", args=[resource.pk]),
        "back": reverse("committees:partner", args=[partner.pk])})
