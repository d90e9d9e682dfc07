"""Writes with rules for committees: members and terms, charters, meetings with attendance and
decisions (a decision becomes a ticket), the joint-meeting cadence sweep, matches of needs, and
the records of partner units, services, activities and volunteers."""

from .activities import (
    activity_record,
    service_hours_add,
    team_create,
    volunteer_add,
)
from .board import (
    board_entry_approve,
    board_entry_keep_off,
    board_entry_withdraw,
    can_moderate_board,
    require_board_moderator,
)
from .cadence import (
    cadence_sweep,
    reminder_deliver,
    reminder_recipients,
)
from .lists import (
    match_create,
    match_set_status,
    partner_save,
    resource_save,
    service_item_save,
)
from .meetings import (
    DECISION_CATEGORY,
    END_OF_DAY,
    agenda_set,
    attendance_mark,
    decision_add,
    decision_make_ticket,
    decisions_all_closed,
    meeting_cancel,
    meeting_record,
    meeting_schedule,
)
from .members import (
    charter_adopt,
    check_term,
    committee_create,
    member_add,
    member_end_term,
)

__all__ = [
    "check_term",
    "committee_create",
    "reminder_deliver",
    "reminder_recipients",
    "DECISION_CATEGORY",
    "END_OF_DAY",
    "activity_record",
    "agenda_set",
    "attendance_mark",
    "board_entry_approve",
    "board_entry_keep_off",
    "board_entry_withdraw",
    "cadence_sweep",
    "can_moderate_board",
    "charter_adopt",
    "decision_add",
    "decision_make_ticket",
    "decisions_all_closed",
    "match_create",
    "match_set_status",
    "meeting_cancel",
    "meeting_record",
    "meeting_schedule",
    "member_add",
    "member_end_term",
    "partner_save",
    "require_board_moderator",
    "resource_save",
    "service_hours_add",
    "service_item_save",
    "team_create",
    "volunteer_add",
]
