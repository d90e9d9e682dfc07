"""A grid worker's phone: "my tasks" ordered by deadline, and one task with big action buttons
(accept, progress with a photo from the camera, resolve, reply)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal.permissions import requires
from grids.selectors import own_nodes, visible_nodes

from .. import selectors, services
from ..forms import QuickReportForm
from ..models import Channel
from .staff import ticket_context

# The steps done in the field; the rest stay on the desk page.
MOBILE_ACTIONS = {"accept", "start", "contact", "progress", "hold", "resume", "resolve", "reply",
                  "follow_up", "evaluate"}


@requires(selectors.READ)
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = list(selectors.my_tasks(user=request.user)[:100])
    return render(request, "tickets/mobile/my_tasks.html",
                  {"tasks": tasks, "now": timezone.now()})


@requires(selectors.READ)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get_for(user=request.user, pk=pk)
    context = ticket_context(request, ticket)
    context["next"] = reverse("tickets:task_detail", args=[ticket.pk])
    context["mobile_actions"] = MOBILE_ACTIONS
    return render(request, "tickets/mobile/task_detail.html", context)


@requires(selectors.CREATE)
def quick_report(request: HttpRequest) -> HttpResponse:
    """Report a problem found on patrol in a few taps; it is routed like any other ticket."""
    nodes = visible_nodes(request.user, selectors.CREATE).filter(
        pk__in=own_nodes(request.user).values("pk")).order_by("tree_id", "lft")
    form = QuickReportForm(request.POST or None, request.FILES or None, nodes=nodes,
                           initial={"node": nodes.first()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photos = data.pop("photos")
        try:
            ticket = services.ticket_create(actor=request.user, channel=Channel.PATROL,
                                            description=data["title"], **data)
            for photo in photos:
                services.ticket_photo_add(ticket=ticket, actor=request.user, photo=photo)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Reported as %(ref)s.") % {"ref": ticket.reference})
            return redirect("tickets:task_detail", ticket.pk)
    return render(request, "tickets/mobile/quick_report.html", {"form": form})
