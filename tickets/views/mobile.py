"""A grid worker's phone: "my tasks" ordered by deadline, and one task with its next step as one
big button, the other steps in a menu, one note and one photo picker for whichever is taken."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
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
from ..workflow import STEP_FIELDS, primary_step
from .staff import pop_note_draft, ticket_context


@requires(selectors.READ)
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The user's live tasks, soonest deadline first; `?show=new|due_soon|overdue` narrows them
    to what the home page counts."""
    show = request.GET.get("show", "")
    if show not in selectors.TASK_GROUPS:
        show = ""
    now = timezone.now()
    tasks = list(selectors.my_tasks(user=request.user, group=show, now=now)[:100])
    return render(request, "tickets/mobile/my_tasks.html",
                  {"tasks": tasks, "now": now, "show": show,
                   "groups": selectors.TASK_GROUP_LABELS.items()})


@requires(selectors.READ)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get_for(user=request.user, pk=pk)
    context = ticket_context(request, ticket)
    allowed = [name for name, _transition in context["actions"]]
    primary = primary_step(status=ticket.status, contacted=ticket.contacted_at is not None,
                           allowed=allowed)
    context.update({
        "next": reverse("tickets:task_detail", args=[ticket.pk]),
        "primary": next(((name, transition) for name, transition in context["actions"]
                         if name == primary), None),
        "more_steps": [(name, transition, _step_fields(ticket, name))
                       for name, transition in context["actions"] if name != primary],
        "primary_fields": _step_fields(ticket, primary) if primary else (),
        "note_draft": pop_note_draft(request, ticket),
    })
    return render(request, "tickets/mobile/task_detail.html", context)


def _step_fields(ticket, name: str) -> tuple[str, ...]:
    """The fields a step takes besides the note and photos (a whistle names its department)."""
    return STEP_FIELDS.get(name, ())


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
        except PermissionDenied:
            form.add_error(None, _("This place is outside your grids: choose one of your grids "
                                   "instead of the current location."))
        else:
            messages.success(request, _("Reported as %(ref)s.") % {"ref": ticket.reference})
            return redirect("tickets:task_detail", ticket.pk)
    return render(request, "tickets/mobile/quick_report.html", {
        "form": form,
        "locate_config": {
            "locate": reverse("api-locate"),
            "words": {
                "locating": _("Finding your location…"),
                "noLocation": _("Your location is not available: choose the grid."),
                "inGrid": _("You are in: %(chain)s. The report goes to this grid."),
                "noGrid": _("This place lies outside your grids' boundaries."),
            },
        }})
