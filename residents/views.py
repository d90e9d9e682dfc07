import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from gridportal import permissions
from gridportal.forms import add_service_errors
from gridportal.permissions import requires
from gridportal.searches import store_search, stored_search
from gridportal.uploads import file_response
from grids.selectors import node_get_for, own_nodes, visible_nodes

from . import crypto, selectors, services
from .forms import (
    TAG_LABELS,
    HouseholdForm,
    HouseholdLookupForm,
    NumberSearchForm,
    RegistryFilterForm,
    ResidentForm,
    RevealForm,
    VisitForm,
)
from .models import Membership

PAGE_SIZES = (25, 50, 100)


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("page_size", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


# Searches by phone or ID number: by POST, kept in the session (gridportal.searches).
SEARCHES_KEY = "residents_searches"


def _store_search(request: HttpRequest, criteria: dict) -> str:
    return store_search(request, SEARCHES_KEY, criteria)


def _stored_search(request: HttpRequest) -> dict | None:
    return stored_search(request, SEARCHES_KEY)


@sensitive_post_parameters("id_number", "phone")
@requires(selectors.READ_NAMES)
@never_cache
def registry(request: HttpRequest) -> HttpResponse:
    """Search the registry: by name, door, tag or building in the URL; by phone or full ID
    number by POST only (see `_store_search`)."""
    buildings = selectors.building_list_for(user=request.user)
    number_form = NumberSearchForm(request.POST or None)
    if request.method == "POST":
        if number_form.is_valid():
            criteria = number_form.criteria()
            try:
                if criteria.get("id_number"):
                    # The session keeps the number's keyed hash, never the number itself.
                    criteria["id_number_hash"] = crypto.lookup_hash(
                        services.id_number_search_check(actor=request.user,
                                                        id_number=criteria.pop("id_number")))
            except ValidationError as error:
                add_service_errors(number_form, error)
            else:
                token = _store_search(request, criteria)
                return redirect(f"{reverse('residents:registry')}?search={token}")
        filters = RegistryFilterForm(None, buildings=buildings)
        residents = selectors.resident_list_for(user=request.user).none()
        searched_by_number = True
    else:
        stored = _stored_search(request)
        searched_by_number = "search" in request.GET
        filters = RegistryFilterForm(None if searched_by_number else (request.GET or None),
                                     buildings=buildings)
        if searched_by_number and stored is None:
            messages.info(request, _("That search is no longer available: search again."))
            residents = selectors.resident_list_for(user=request.user).none()
        elif stored is not None:
            residents = selectors.resident_list_for(user=request.user, **stored)
        elif filters.is_valid():
            data = filters.cleaned_data
            residents = selectors.resident_list_for(
                user=request.user, text=data["text"], tags=data["tags"],
                residence_type=data["residence_type"], building=data["building"])
        else:
            residents = selectors.resident_list_for(user=request.user)
    rows = selectors.registry_rows(residents, user=request.user)
    page = Paginator(rows, _page_size(request)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "residents/registry.html", {
        "filters": filters, "number_form": number_form, "page": page,
        "searched_by_number": searched_by_number, "query": query.urlencode(),
        "page_sizes": PAGE_SIZES, "tag_labels": TAG_LABELS,
        "may_export": permissions.has(request.user, selectors.EXPORT),
        "may_import": permissions.has(request.user, "residents.import"),
    })


def _current_membership(resident) -> Membership | None:
    return (Membership.objects.current().filter(resident=resident)
            .select_related("household__dwelling__building").first())


@requires(selectors.READ_NAMES)
@never_cache
def resident_detail(request: HttpRequest, pk: int, revealed: str = "",
                    reveal_form: RevealForm | None = None) -> HttpResponse:
    resident = selectors.resident_get_for(user=request.user, pk=pk)
    return render(request, "residents/resident_detail.html", {
        "resident": resident,
        "membership": _current_membership(resident),
        "concern_reader": resident.concern_reason_readable,
        "can_edit": resident.can_edit,
        "may_reveal": permissions.has(request.user, selectors.REVEAL, resident),
        "reveal_form": reveal_form or RevealForm(),
        "revealed": revealed,
        "history": resident.history.select_related("history_user")[:10],
    })


@requires(selectors.REVEAL)
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(user=request.user, pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return resident_detail(request, pk, reveal_form=form)
    number = services.id_number_reveal(actor=request.user, resident=resident,
                                       reason=form.cleaned_data["reason"])
    return resident_detail(request, pk, revealed=number)


def _resident_fields(cleaned: dict) -> dict:
    return {name: cleaned[name] for name in services.RESIDENT_FIELDS
            if name in cleaned and cleaned[name] is not None}


@sensitive_post_parameters("id_number")
@requires(selectors.WRITE)
def resident_create(request: HttpRequest) -> HttpResponse:
    household = None
    node = None
    if request.GET.get("household"):
        household = selectors.get_or_404(
            selectors.household_list_for(user=request.user, capability=selectors.WRITE),
            request.GET["household"])
        node = household.dwelling.building.node
    elif request.GET.get("node"):
        node = node_get_for(user=request.user, pk=request.GET["node"],
                            capability=selectors.WRITE)
    if node is None:
        messages.info(request, _("Open a household first, then add its members."))
        return redirect("residents:household_lookup")
    form = ResidentForm(request.POST or None, creating=True, in_household=household is not None,
                        concern_reader=selectors.can_read_concern_reason(request.user, node))
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.resident_register(
                actor=request.user, node=node, household=household,
                id_number=data["id_number"], relation=data.get("relation") or "other",
                **_resident_fields(data))
        except services.AlreadyRegistered as error:
            add_service_errors(form, error)
            existing = error.resident
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if registration.resident is None:
                messages.info(request, _(
                    "%(name)s cannot be registered here directly: the request has been passed "
                    "to the community center, which will complete it.") % {"name": data["name"]})
                return redirect(*(("residents:household_detail", household.pk) if household
                                  else ("residents:registry",)))
            messages.success(request, _("%(name)s has been registered.") % {
                "name": registration.resident})
            return redirect("residents:resident_detail", registration.resident.pk)
    return render(request, "residents/resident_form.html",
                  {"form": form, "household": household, "node": node,
                   "existing": existing})


@sensitive_post_parameters("id_number")
@requires(selectors.WRITE)
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(user=request.user, pk=pk)
    if not resident.can_edit:
        raise PermissionDenied(_("Only the grid's head, workers and center staff may change "
                                 "the registry."))
    initial = {name: getattr(resident, name) for name in services.RESIDENT_FIELDS}
    form = ResidentForm(request.POST or None, initial=initial, creating=False, in_household=False,
                        concern_reader=resident.concern_reason_readable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["id_number"]:
                services.id_number_change_check(actor=request.user, resident=resident,
                                                id_number=data["id_number"])
            services.resident_update(actor=request.user, resident=resident,
                                     id_number=data["id_number"] or None,
                                     **_resident_fields(data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("residents:resident_detail", resident.pk)
    return render(request, "residents/resident_form.html", {"form": form, "resident": resident})


@requires(selectors.READ_ADDRESSES)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for(user=request.user, pk=pk)
    household = selectors.household_card(household=household, user=request.user)
    return render(request, "residents/household_detail.html", {
        "household": household, "rights": household.rights,
        "can_edit": household.rights["edit"], "can_visit": household.rights["visit"],
    })


@requires(selectors.WRITE)
@require_POST
def membership_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """A member moves out (or dies, or is recorded by mistake): the membership ends today."""
    membership = selectors.membership_get_for(user=request.user, pk=pk)
    try:
        services.membership_end(actor=request.user, membership=membership,
                                left_on=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s no longer lives here.") % {
            "name": membership.resident})
    return redirect("residents:household_detail", membership.household_id)


@requires(selectors.WRITE)
def household_create(request: HttpRequest, dwelling_pk: int) -> HttpResponse:
    """Start a household in a dwelling (then register its head)."""
    dwelling = selectors.get_or_404(
        selectors.dwelling_list_for(user=request.user, capability=selectors.WRITE), dwelling_pk)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=request.user, dwelling=dwelling,
                                                  number=form.cleaned_data["number"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(f"{reverse('residents:resident_create')}?household={household.pk}")
    return render(request, "residents/household_form.html", {"form": form, "dwelling": dwelling})


@requires(selectors.READ_ADDRESSES)
def building_list(request: HttpRequest) -> HttpResponse:
    """'My grid': the buildings in scope, a page at a time, with their dwellings and households,
    and the colour counts. The counts are computed for the page's buildings only, so a page
    costs the same number of queries whatever the size of the area."""
    node = None
    if request.GET.get("node"):
        node = node_get_for(user=request.user, pk=request.GET["node"],
                            capability=selectors.READ_ADDRESSES)
    else:
        node = visible_nodes(request.user, selectors.READ_ADDRESSES).filter(
            pk__in=own_nodes(request.user).values("pk")).first()
    buildings = selectors.with_building_counts(
        selectors.building_list_for(user=request.user, node=node).order_by("estate", "name",
                                                                            "pk"))
    page = Paginator(buildings, _page_size(request)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    summary = selectors.category_summary(user=request.user, node=node) if node else None
    return render(request, "residents/building_list.html", {
        "page": page, "buildings": page.object_list, "query": query.urlencode(), "node": node,
        "summary": summary, "summary_total": sum(summary.values()) if summary else 0,
        "categories": _legend(summary or {}),
    })


def _legend(counts: dict[str, int]) -> list[dict]:
    return [{"key": key, "label": selectors.CATEGORY_LABELS[key], "count": counts.get(key, 0)}
            for key in selectors.CATEGORIES]


@requires(selectors.READ_ADDRESSES)
def colour_map(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get_for(user=request.user, pk=pk)
    house_map = selectors.colour_map(building=building, user=request.user)
    return render(request, "residents/colour_map.html", {
        "building": building, "map": house_map, "legend": _legend(house_map["counts"]),
        "can_edit": permissions.has(request.user, selectors.WRITE, building.node),
    })


@cache_control(max_age=3600)
def colours_css(request: HttpRequest) -> HttpResponse:
    """The colour-map palette from settings, as a stylesheet (no inline styles under the CSP)."""
    rules = [f".cat-{key} {{ background-color: {colour}; }}"
             for key, colour in settings.HOUSE_COLOURS.items()
             if re.fullmatch(r"#[0-9a-fA-F]{3,8}", colour)]
    return HttpResponse("\n".join(rules), content_type="text/css")


@requires(selectors.READ_ADDRESSES)
def household_lookup(request: HttpRequest) -> HttpResponse:
    """Find a household on a phone: its dwelling's label ('3栋502', '2-202', a door number), or
    (for readers of names) a member's name."""
    form = HouseholdLookupForm(request.GET or None)
    households = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        match = Q(pk__in=[])
        home = selectors.dwelling_label_q(q, "dwelling__")
        if home is not None:
            match |= home
        names = selectors.household_list_for(user=request.user,
                                             capability=selectors.READ_NAMES).filter(
            Q(head__name__contains=q) | Q(memberships__left_on__isnull=True,
                                          memberships__resident__name__contains=q))
        match |= Q(pk__in=names.values("pk"))
        households = permissions.annotate_rights(
            selectors.household_list_for(user=request.user).filter(active=True)
            .filter(match).distinct(), request.user, selectors.HOUSEHOLD,
            can_read_names=selectors.READ_NAMES,
        ).order_by("dwelling__building__name", "dwelling__number")[:50]
    return render(request, "residents/mobile/household_lookup.html",
                  {"form": form, "households": households})


@requires(selectors.LOG_VISITS)
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_or_404(
        selectors.household_list_for(user=request.user, capability=selectors.LOG_VISITS), pk)
    form = VisitForm(request.POST or None, request.FILES or None,
                     initial={"visited_on": timezone.localdate(), "purpose": "routine"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_create(actor=request.user, household=household,
                                  purpose=data["purpose"], notes=data["notes"],
                                  follow_up_needed=data["follow_up_needed"],
                                  visited_on=data["visited_on"], photos=data["photos"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("residents:household_detail", household.pk)
    return render(request, "residents/mobile/visit_form.html",
                  {"form": form, "household": household})


@requires(selectors.READ_VISITS)
@cache_control(private=True, max_age=300)
def visit_photo(request: HttpRequest, visit_pk: int, photo_pk: int) -> FileResponse:
    photo = selectors.visit_photo_get_for(user=request.user, visit_pk=visit_pk,
                                          photo_pk=photo_pk)
    return file_response(photo.image)
