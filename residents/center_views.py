"""The center's oversight pages: transfer requests (迁入/迁出) to decide, and the log of personal
data exports."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridportal.permissions import requires

from . import selectors, services


@requires(selectors.HANDLE_TRANSFERS)
@never_cache
def transfer_list(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.transfer_list_for(user=request.user)[:200])
    decided = list(selectors.transfer_list_for(user=request.user, status="")
                   .exclude(status="pending")[:20])
    return render(request, "residents/transfer_list.html", {"pending": pending,
                                                             "decided": decided})


@requires(selectors.HANDLE_TRANSFERS)
@require_POST
def transfer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get_for(user=request.user, pk=pk)
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            services.transfer_accept(actor=request.user, transfer=transfer)
            messages.success(request, _("%(name)s has been moved.") % {
                "name": transfer.name_given})
        elif decision == "refuse":
            services.transfer_refuse(actor=request.user, transfer=transfer,
                                     note=request.POST.get("note", ""))
            messages.success(request, _("The request has been refused."))
        else:
            messages.error(request, _("Choose to accept or refuse the request."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect("residents:transfer_list")


@requires(selectors.READ_EXPORT_LOG)
@never_cache
def export_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.export_log_for(user=request.user), 50).get_page(
        request.GET.get("page"))
    return render(request, "residents/export_log.html", {"page": page, "query": ""})
