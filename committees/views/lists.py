"""The three lists (needs, services, resources) where a need is matched with an offer and
followed to closure. Partner units are in partners.py, services in service_items.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires
from grids.models import GridNode

from .. import selectors, services
from ..forms import MatchForm
from ..models import MatchStatus
from .common import pick_community, posted_community, require, within


def _match_form(request: HttpRequest, community: GridNode, data=None) -> MatchForm:
    needs = within(selectors.need_list_for(user=request.user, unmatched=True),
                   community).order_by("-created_at")
    return MatchForm(
        data, needs=needs,
        services=selectors.service_list_for(user=request.user, community=community.pk,
                                            active=True),
        resources=selectors.resource_list_for(user=request.user, community=community.pk,
                                              available=True),
        initial={"need": request.GET.get("need")})


def _three_lists(request: HttpRequest, communities, community: GridNode | None, *,
                 match_form: MatchForm | None = None) -> HttpResponse:
    context = {"communities": communities, "community": community}
    if community is not None:
        show_closed = request.GET.get("closed") == "1"
        needs = within(selectors.need_list_for(user=request.user, open_only=not show_closed),
                       community).order_by("-created_at")[:100]
        context.update({
            "show_closed": show_closed,
            "needs": needs,
            "services": selectors.service_list_for(user=request.user, community=community.pk,
                                                   active=True),
            "resources": selectors.resource_list_for(user=request.user,
                                                     community=community.pk, available=True),
            "can_manage": selectors.can_manage(request.user, community.pk),
        })
        if services.can_moderate_board(request.user, community.pk):
            context["board_pending"] = selectors.board_need_list_for(
                user=request.user, community=community,
                statuses=[selectors.BOARD_PENDING]).count()
        if context["can_manage"]:
            context["match_form"] = match_form or _match_form(request, community)
    return render(request, "committees/three_lists.html", context)


@requires(selectors.READ)
def three_lists(request: HttpRequest) -> HttpResponse:
    communities, community = pick_community(request)
    return _three_lists(request, communities, community)


@requires(selectors.MANAGE)
@require_POST
def match_create(request: HttpRequest) -> HttpResponse:
    communities, community = posted_community(request)
    require(community is not None and selectors.can_manage(request.user, community.pk))
    form = _match_form(request, community, request.POST)
    saved = save_with(form, lambda data: services.match_create(
        need=data["need"], actor=request.user, service=data["service"], resource=data["resource"],
        note=data["note"]))
    if saved is not None:
        messages.success(request, _("Need %(ref)s matched.") % {
            "ref": saved.need.reference})
        return redirect(f"{reverse('committees:three_lists')}?community={community.pk}")
    return _three_lists(request, communities, community, match_form=form)


@requires(selectors.MANAGE)
@require_POST
def match_status(request: HttpRequest, pk: int) -> HttpResponse:
    match = selectors.match_get_for(user=request.user, pk=pk)
    status = request.POST.get("status", "")
    offer = match.service or match.resource
    community_id = offer.community_id if match.service_id else offer.partner.community_id
    require(selectors.can_manage(request.user, community_id))
    try:
        services.match_set_status(match=match, actor=request.user, status=status)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked delivered.") if status == MatchStatus.DELIVERED
                         else _("Match cancelled."))
    return redirect(f"{reverse('committees:three_lists')}?community={community_id}")
