"""Committees and community partnerships; see the modules for each part."""

from .activities import Activity, ActivityPhoto, ServiceHours, Theme, Volunteer, VolunteerTeam
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
    "Activity", "ActivityPhoto", "AgendaItem", "Attendance", "Charter", "Committee",
    "CommitteeArea", "CommitteeKind", "CommitteeReminder", "Decision", "Match", "MatchStatus",
    "Meeting", "MeetingKind", "MeetingStatus", "Member", "OrganisationKind", "PartnerKind",
    "PartnerUnit", "Position", "Resource", "ServiceHours", "ServiceItem", "ServiceMode", "Theme",
    "Volunteer", "VolunteerTeam",
]
