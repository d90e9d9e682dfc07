"""The public board's gate (公示审核): a community's needs awaiting approval, each with its text
masked automatically in an editable field; staff approve it (publishing the edited text), keep
it off the board, or withdraw one already published. One card per need; with htmx a decision
replaces its card only, without it the page reloads."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires
from grids.models import GridNode
from tickets.models import Ticket

from .. import selectors, services
from ..forms import BoardTextForm
from ..models import BoardEntry, BoardStatus
from .common import pick_community

# The page's tabs: which needs each shows (keys of selectors.BOARD_FILTERS).
TABS = {
    "pending": (selectors.BOARD_PENDING,),
    "published": (BoardStatus.PUBLISHED,),
    "off": (BoardStatus.KEPT_OFF, BoardStatus.WITHDRAWN),
}
PAGE_SIZE = 50


@dataclass
class BoardRow:
    need: Ticket
    community: GridNode
    entry: BoardEntry | None
    form: BoardTextForm
    notice: str = ""
    error: str = ""


def _registry_names(request: HttpRequest, community: GridNode) -> frozenset[str]:
    """The community's registry names: one query per request, and only when a text is to be
    suggested."""
    cache = request.__dict__.setdefault("_board_registry_names", {})
    if community.pk not in cache:
        cache[community.pk] = selectors.registry_names(communities=[community])
    return cache[community.pk]


def _form(need: Ticket, data=None, initial: str = "") -> BoardTextForm:
    return BoardTextForm(data, initial={"text": initial}, auto_id=f"id_board_{need.pk}_%s")


def _row(request: HttpRequest, need: Ticket, community: GridNode, **extra) -> BoardRow:
    """A need's card: the approved text if there is one, else the suggested (masked) text."""
    entry = selectors.board_entry_of(need)
    text = entry.text if entry is not None and entry.text else selectors.suggested_board_text(
        need, names=_registry_names(request, community))
    return BoardRow(need, community, entry, _form(need, initial=text), **extra)


def _tab(request: HttpRequest) -> str:
    tab = request.POST.get("tab") or request.GET.get("status") or "pending"
    return tab if tab in TABS else "pending"


def _board_page(request: HttpRequest, *, failed: BoardRow | None = None) -> HttpResponse:
    communities, community = pick_community(request)
    tab = _tab(request)
    context: dict = {"communities": communities, "community": community, "tab": tab}
    if community is not None:
        needs = selectors.board_need_list_for(user=request.user, community=community,
                                              statuses=TABS[tab])[:PAGE_SIZE]
        rows = [failed if failed is not None and need.pk == failed.need.pk
                else _row(request, need, community) for need in needs]
        if failed is not None and not any(row is failed for row in rows):
            rows.insert(0, failed)  # decided meanwhile: shown anyway, with its error
        context.update({
            "rows": rows,
            "pending_count": selectors.board_need_list_for(
                user=request.user, community=community, statuses=TABS["pending"]).count(),
            "can_moderate": services.can_moderate_board(request.user, community.pk),
        })
    return render(request, "committees/board_queue.html", context)


@requires(selectors.MODERATE_BOARD)
def board_queue(request: HttpRequest) -> HttpResponse:
    return _board_page(request)


def _moderated_need(request: HttpRequest, pk: int) -> tuple[Ticket, GridNode]:
    """The need (404 outside the user's scope) and its community, whose board the user must
    moderate (403)."""
    need = selectors.board_need_get_for(user=request.user, pk=pk)
    try:
        return need, services.require_board_moderator(need=need, actor=request.user)
    except ValidationError:  # a need placed in no community is on no board
        raise Http404 from None


def _answer(request: HttpRequest, row: BoardRow) -> HttpResponse:
    """After a decision or a refusal: the need's card (htmx); else the page again with the
    refused card, or back to the page's tab with a message."""
    if request.headers.get("HX-Request"):
        pending = selectors.board_need_list_for(user=request.user, community=row.community,
                                                statuses=TABS["pending"]).count()
        return render(request, "committees/partials/board_row.html", {
            "row": row, "tab": _tab(request), "can_moderate": True,
            "refreshed_pending_count": pending})
    if row.error or row.form.errors:
        return _board_page(request, failed=row)
    messages.success(request, row.notice)
    query = f"?community={row.community.pk}&status={_tab(request)}"
    return redirect(reverse("committees:board_queue") + query)


def _fresh_row(request: HttpRequest, need: Ticket, community: GridNode, notice: str) -> BoardRow:
    need = selectors.board_need_get_for(user=request.user, pk=need.pk)
    return _row(request, need, community, notice=notice)


@requires(selectors.MODERATE_BOARD)
@require_POST
def board_approve(request: HttpRequest, pk: int) -> HttpResponse:
    need, community = _moderated_need(request, pk)
    form = _form(need, request.POST)
    entry = save_with(form, lambda data: services.board_entry_approve(
        need=need, actor=request.user, text=data["text"]))
    if entry is None:
        return _answer(request, BoardRow(need, community, selectors.board_entry_of(need), form))
    return _answer(request, _fresh_row(request, need, community, _("Published on the board.")))


def _take_off(request: HttpRequest, pk: int, decide: Callable[..., BoardEntry],
              notice: str) -> HttpResponse:
    need, community = _moderated_need(request, pk)
    try:
        decide(need=need, actor=request.user)
    except ValidationError as error:
        row = _row(request, need, community, error=" ".join(error.messages))
        if "text" in request.POST:
            row.form = _form(need, initial=request.POST["text"])
        return _answer(request, row)
    return _answer(request, _fresh_row(request, need, community, notice))


@requires(selectors.MODERATE_BOARD)
@require_POST
def board_keep_off(request: HttpRequest, pk: int) -> HttpResponse:
    return _take_off(request, pk, services.board_entry_keep_off, _("Kept off the board."))


@requires(selectors.MODERATE_BOARD)
@require_POST
def board_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _take_off(request, pk, services.board_entry_withdraw, _("Withdrawn from the board."))
