"""The staff desk: the queue, entering a ticket, the ticket page with its timeline and actions,
scoped photos and the inbox."""


from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from gridportal.forms import add_service_errors
from gridportal.permissions import requires
from gridportal.searches import store_search, stored_search
from gridportal.uploads import file_response
from grids.selectors import visible_nodes
from residents import selectors as registry

from .. import panels, selectors, services, whistles, work_orders
from ..forms import (
    ActionForm,
    CallerSearchForm,
    QueueFilterForm,
    TicketForm,
    WorkOrderImportForm,
)
from ..models import Notification, Ticket
from ..workflow import TRANSITIONS

PAGE_SIZE = 50
User = get_user_model()


def _keyset_page(tickets, before: str | None):
    """Newest first, PAGE_SIZE at a time, continued by the last id seen: no page counts the
    whole table."""
    # isdigit() also takes '²', which int() refuses; more than 18 digits is no id (and past
    # 4,300 digits int() refuses it too).
    if before and before.isdecimal() and len(before) <= 18:
        tickets = tickets.filter(pk__lt=int(before))
    rows = list(tickets.order_by("-id")[:PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], (rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None)


# A search by the caller's phone: by POST, kept in the session (gridportal.searches).
SEARCHES_KEY = "tickets_searches"


@sensitive_post_parameters("phone")
@requires(selectors.READ)
@never_cache
def queue(request: HttpRequest) -> HttpResponse:
    """The queue, filtered from the URL (status, grid, a reference, work-order number or short
    code...) or, by POST only, by the caller's phone (see gridportal.searches)."""
    phone_form = CallerSearchForm(request.POST or None)
    by_phone = request.method == "POST" or "search" in request.GET
    form = QueueFilterForm(None if by_phone else (request.GET or None),
                           nodes=visible_nodes(request.user))
    tickets = selectors.ticket_list_for(user=request.user).none()
    if request.method == "POST":
        if phone_form.is_valid():
            token = store_search(request, SEARCHES_KEY, {"phone": phone_form.cleaned_data["phone"]})
            return redirect(f"{reverse('tickets:queue')}?search={token}")
    elif by_phone:
        stored = stored_search(request, SEARCHES_KEY)
        if stored is None:
            messages.info(request, _("That search is no longer available: search again."))
        else:
            tickets = selectors.ticket_list_for(user=request.user, phone=stored["phone"])
    else:
        filters = form.selector_filters() if form.is_valid() else {}
        tickets = selectors.ticket_list_for(user=request.user, **filters)
    rows, next_before = _keyset_page(tickets, request.GET.get("before"))
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "tickets/queue.html", {
        "form": form, "phone_form": phone_form, "by_phone": by_phone, "tickets": rows,
        "next_before": next_before, "query": query.urlencode(), "now": timezone.now(),
    })


@requires(selectors.CREATE)
def ticket_create(request: HttpRequest) -> HttpResponse:
    form = TicketForm(request.POST or None, request.FILES or None,
                      nodes=visible_nodes(request.user, selectors.CREATE),
                      buildings=registry.building_list_for(user=request.user,
                                                           capability=selectors.CREATE))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photos = data.pop("photos")
        try:
            ticket = services.ticket_create(actor=request.user, **data)
            for photo in photos:
                services.ticket_photo_add(ticket=ticket, actor=request.user, photo=photo)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Ticket %(ref)s created and sent to %(owner)s.") % {
                "ref": ticket.reference, "owner": ticket.owner.name})
            return redirect("tickets:detail", ticket.pk)
    return render(request, "tickets/ticket_form.html", {"form": form})


def ticket_context(request: HttpRequest, ticket: Ticket) -> dict:
    actions = services.allowed_actions(ticket=ticket, user=request.user)
    events, intake_photos = selectors.timeline_for(ticket=ticket)
    return {
        "ticket": ticket,
        # What other apps show about the ticket (tickets.panels), each in a card of its own.
        "panels": panels.panels_for(ticket=ticket, user=request.user),
        # Photos taken when the ticket was entered belong to no step: the timeline shows them
        # with its first entry.
        "events": events, "intake_photos": intake_photos,
        "actions": [(name, TRANSITIONS[name]) for name in actions],
        "action_names": set(actions),
        "now": timezone.now(),
        "return_reasons": ActionForm.base_fields["reason"].choices[1:],
        "satisfactions": ActionForm.base_fields["satisfaction"].choices[1:],
        # Only the departments the user's level may whistle to (the whistle rules).
        "departments": (whistles.whistle_departments(actor=request.user, ticket=ticket)
                        if "whistle" in actions else []),
        "route_targets": visible_nodes(request.user).filter(active=True).order_by("tree_id",
                                                                                   "lft"),
        "people": User.objects.filter(
            assignments__node__tree_id=ticket.owner.tree_id,
            assignments__node__lft__gte=ticket.owner.lft,
            assignments__node__lft__lt=ticket.owner.rght,
            is_active=True).distinct().order_by("username"),
    }


@requires(selectors.READ)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get_for(user=request.user, pk=pk)
    return render(request, "tickets/ticket_detail.html", ticket_context(request, ticket))


@requires(selectors.READ)
@require_POST
def ticket_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Run one transition from a page's action form, then go back to that page."""
    ticket = selectors.ticket_get_for(user=request.user, pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    form = ActionForm(request.POST, request.FILES, nodes=visible_nodes(request.user))
    if not form.is_valid():
        messages.error(request, _("Check the fields of this step: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())})
        _keep_note_draft(request, ticket)
        return redirect(back or "tickets:detail", *([] if back else [ticket.pk]))
    try:
        services.ticket_transition(ticket=ticket, actor=request.user,
                                   **_action_params(request, form))
    except services.TransitionConflict as conflict:
        messages.warning(request, conflict.messages[0])
        _keep_note_draft(request, ticket)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        _keep_note_draft(request, ticket)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
        _keep_note_draft(request, ticket)
    else:
        label = TRANSITIONS[form.cleaned_data["action"]].label
        messages.success(request, _("Done: %(step)s.") % {"step": label})
    return redirect(back or "tickets:detail", *([] if back else [ticket.pk]))


# A step that failed keeps its note for the page it returns to (photos cannot be kept: the
# page says they must be chosen again).
NOTE_DRAFTS_KEY = "tickets_note_drafts"


def _keep_note_draft(request: HttpRequest, ticket: Ticket) -> None:
    note = request.POST.get("note", "").strip()[:4000]
    drafts = request.session.get(NOTE_DRAFTS_KEY, {})
    drafts = {key: value for key, value in drafts.items() if key != str(ticket.pk)}
    if note or request.FILES.getlist("photos"):
        drafts[str(ticket.pk)] = {"note": note,
                                  "photos_dropped": bool(request.FILES.getlist("photos"))}
    # A handful at most: one per ticket whose step just failed.
    request.session[NOTE_DRAFTS_KEY] = dict(list(drafts.items())[-5:])


def pop_note_draft(request: HttpRequest, ticket: Ticket) -> dict:
    """The note (and whether photos were dropped) of this ticket's step that just failed."""
    drafts = request.session.get(NOTE_DRAFTS_KEY)
    if not drafts or str(ticket.pk) not in drafts:
        return {}
    draft = drafts.pop(str(ticket.pk))
    request.session[NOTE_DRAFTS_KEY] = drafts
    return draft if isinstance(draft, dict) else {}


def _action_params(request: HttpRequest, form: ActionForm) -> dict:
    data = form.cleaned_data
    params = {"action": data["action"], "note": data["note"], "photos": data["photos"]}
    for name in ("satisfaction", "reason", "until", "target", "department"):
        if data.get(name):
            params[name] = data[name]
    if data.get("assignee"):
        params["assignee"] = User.objects.filter(pk=data["assignee"], is_active=True).first()
    if data.get("into"):
        params["into"] = selectors.ticket_list_for(user=request.user).filter(
            reference__iexact=data["into"].strip()).first()
    return params


@requires(selectors.READ)
@cache_control(private=True, max_age=300)
# Opened on its own, a photo is shown by the browser's image viewer, which styles it inline;
# a photo runs no script, so its own answer allows inline styles and nothing else.
@csp_replace({"style-src": [UNSAFE_INLINE]})
def ticket_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    photo = selectors.ticket_photo_get_for(user=request.user, ticket_pk=pk, photo_pk=photo_pk)
    return file_response(photo.image)


@requires(selectors.IMPORT_WORK_ORDERS)
def work_order_import(request: HttpRequest) -> HttpResponse:
    """Upload 12345 work orders: checked first (nothing written while any row is wrong), then
    imported; re-importing updates the same tickets."""
    form = WorkOrderImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = work_orders.import_work_orders(actor=request.user, file=upload,
                                                filename=upload.name,
                                                dry_run=form.cleaned_data["dry_run"])
        if report.ok and not form.cleaned_data["dry_run"]:
            messages.success(request, _("Imported: %(created)d new, %(updated)d updated, "
                                        "%(unchanged)d unchanged.") % vars(report))
    return render(request, "tickets/work_order_import.html", {
        "form": form, "report": report, "headers": work_orders.HEADERS,
        "channels": [label for label in work_orders.CHANNELS if label]})


TEMPLATE_TYPES = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             work_orders.template_xlsx),
    "csv": ("text/csv; charset=utf-8", work_orders.template_csv),
}


@requires(selectors.IMPORT_WORK_ORDERS)
def work_order_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The file to fill in for the import: the header row, an example row (and, in the
    workbook, a sheet explaining each column)."""
    content_type, build = TEMPLATE_TYPES[kind]
    response = HttpResponse(build(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="work-orders-template.{kind}"'
    return response


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).select_related("ticket")
    if request.method == "POST":
        notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("tickets:inbox")
    return render(request, "tickets/inbox.html", {"notifications": notifications[:100]})
