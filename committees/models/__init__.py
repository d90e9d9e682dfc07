"""Committees and community partnerships; see the modules for each part."""

from .activities import Activity, ActivityPhoto, ServiceHours, Theme, Volunteer, VolunteerTeam
from .board import BOARD_TEXT_LENGTH, BoardEntry, BoardStatus
from .committees import (
    AgendaItem,
    Attendance,
    Charter,
    Committee,
    CommitteeArea,
    CommitteeKind,
    CommitteeReminder,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    OrganisationKind,
    Position,
)
from .lists import (
    Match,
    MatchStatus,
    PartnerKind,
    PartnerUnit,
    Resource,
    ServiceItem,
    ServiceMode,
)

__all__ = [
    "BOARD_TEXT_LENGTH", "Activity", "ActivityPhoto", "AgendaItem", "Attendance", "BoardEntry",
    "BoardStatus", "Charter", "Committee",
    "CommitteeArea", "CommitteeKind", "CommitteeReminder", "Decision", "Match", "MatchStatus",
    "Meeting", "MeetingKind", "MeetingStatus", "Member", "OrganisationKind", "PartnerKind",
    "PartnerUnit", "Position", "Resource", "ServiceHours", "ServiceItem", "ServiceMode", "Theme",
    "Volunteer", "VolunteerTeam",
]
