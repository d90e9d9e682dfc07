"""The public board's gate: staff approve what residents wrote (with an edit for redaction)
before the public sees it, keep a need off the board, or withdraw a published one."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridportal import permissions
from grids.models import GridNode
from tickets.models import Status, Ticket

from ..models import BOARD_TEXT_LENGTH, BoardEntry, BoardStatus
from ..redaction import has_unmasked_number
from ..selectors import MODERATE_BOARD, communities_of, reporter_names


def can_moderate_board(user, community_id: int) -> bool:
    """Who decides what goes on a community's public board: the permission matrix's
    `committees.moderate_board` (center staff and grid heads at the community or above)."""
    return permissions.has(user, MODERATE_BOARD, GridNode(pk=community_id))


def require_board_moderator(*, need: Ticket, actor) -> GridNode:
    """The need's community, whose board `actor` must moderate (else PermissionDenied)."""
    communities = communities_of([need.node])
    if not communities:
        raise ValidationError(_("This need lies outside every community."))
    if not can_moderate_board(actor, communities[0].pk):
        raise PermissionDenied(_("Only the community's staff decide what goes on its public "
                                 "board."))
    return communities[0]


def _locked_need(need: Ticket, actor: User) -> tuple[Ticket, GridNode, BoardEntry | None]:
    """The need under lock, its community (the actor must moderate its board) and its current
    board decision, if any."""
    need = Ticket.objects.select_for_update(of=("self",)).select_related(
        "category", "node", "resident").get(pk=need.pk)
    if not need.category.is_wish:
        raise ValidationError(_("Only residents' needs and micro-wishes go on the public "
                                "board."))
    community = require_board_moderator(need=need, actor=actor)
    entry = BoardEntry.objects.select_for_update().filter(need=need).first()
    return need, community, entry


def _checked_text(need: Ticket, text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": _("Write the text to publish.")})
    if len(text) > BOARD_TEXT_LENGTH:
        raise ValidationError({"text": _("Keep the text within %(limit)d characters.") % {
            "limit": BOARD_TEXT_LENGTH}})
    if has_unmasked_number(text):
        raise ValidationError({"text": _("The text still holds a phone- or ID-like number: "
                                         "take it out or replace it with * before "
                                         "publishing.")})
    if any(name in text for name in reporter_names(need)):
        raise ValidationError({"text": _("The text still names the person who raised the "
                                         "need: keep only the family name (e.g. 李**).")})
    return text


@transaction.atomic
def board_entry_approve(*, need: Ticket, actor: User, text: str) -> BoardEntry:
    """Publish the need with `text` (checked again for numbers and the reporter's name). An
    entry already on the board gets the new text and is approved again, by `actor`, now."""
    need, community, entry = _locked_need(need, actor)
    if need.status in (Status.MERGED, Status.REJECTED):
        raise ValidationError(_("A rejected or merged need is not shown on the board."))
    text = _checked_text(need, text)
    now = timezone.now()
    entry = entry or BoardEntry(need=need)
    entry.community = community
    entry.status = BoardStatus.PUBLISHED
    entry.text = text
    entry.approved_by = entry.decided_by = actor
    entry.approved_at = entry.decided_at = now
    entry.save()
    return entry


@transaction.atomic
def board_entry_keep_off(*, need: Ticket, actor: User) -> BoardEntry:
    """Decide that a pending need stays off the board (staff may still approve it later)."""
    need, community, entry = _locked_need(need, actor)
    if entry is not None:
        raise ValidationError(_("A decision on this need was already taken; withdraw it from "
                                "the board instead."))
    return BoardEntry.objects.create(need=need, community=community,
                                     status=BoardStatus.KEPT_OFF, decided_by=actor,
                                     decided_at=timezone.now())


@transaction.atomic
def board_entry_withdraw(*, need: Ticket, actor: User) -> BoardEntry:
    """Take a published need down; its approved text stays on record."""
    need, _community, entry = _locked_need(need, actor)
    if entry is None or entry.status != BoardStatus.PUBLISHED:
        raise ValidationError(_("This need is not on the board."))
    entry.status = BoardStatus.WITHDRAWN
    entry.decided_by = actor
    entry.decided_at = timezone.now()
    entry.save(update_fields=["status", "decided_by", "decided_at"])
    return entry
