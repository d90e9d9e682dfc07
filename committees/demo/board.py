"""The demo's public board: needs whose titles hold nothing to mask are approved by the
center's staff, so the board is not empty; the newest few, and any title that would need an
edit, wait for approval, so the staff page has something to show. Idempotent: nothing is
decided once the community's board has an entry."""

from grids.models import GridNode
from grids.selectors import subtree_q
from tickets.models import Status, Ticket

from .. import selectors, services
from ..models import BoardEntry
from .context import CommitteeSeed

LEFT_PENDING = 3


def seed_board(community: GridNode, staff, result: CommitteeSeed) -> None:
    if BoardEntry.objects.filter(community=community).exists():
        return
    needs = list(Ticket.objects.filter(subtree_q(community, "node"), category__is_wish=True)
                 .exclude(status__in=[Status.MERGED, Status.REJECTED])
                 .select_related("resident").order_by("-created_at", "-pk"))
    names = selectors.registry_names(communities=[community])
    safe = [need for need in needs
            if selectors.suggested_board_text(need, names=names) == need.title]
    for need in safe[LEFT_PENDING:]:
        services.board_entry_approve(need=need, actor=staff, text=need.title)
    result.board_published = max(len(safe) - LEFT_PENDING, 0)
    result.board_pending = len(needs) - result.board_published
