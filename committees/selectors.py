"""Reads with rules for committees, partner units, the three lists and activities.

Scoping is by community: a user sees what belongs to every community node that contains one of
their assignments (a grid worker sees their own community's committees) or lies inside one (a
street's staff see all its communities). Admins see all. Anything else answers 404.
"""

import datetime as dt
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import reduce
from operator import or_

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractYear, Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from gridportal import permissions
from gridportal.permissions import Target
from grids.models import Assignment, GridNode, NodeKind
from grids.selectors import User, sees_everything, subtree_q
from residents.models import Resident
from tickets.models import Status, Ticket
from tickets.selectors import ticket_list_for
from tickets.workflow import OPEN

from .models import (
    BOARD_TEXT_LENGTH,
    Activity,
    BoardEntry,
    BoardStatus,
    Charter,
    Committee,
    Decision,
    Match,
    MatchStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    PartnerUnit,
    Position,
    Resource,
    ServiceHours,
    ServiceItem,
    Volunteer,
    VolunteerTeam,
)
from .redaction import is_registry_name, mask_text

# The committees' capabilities (gridportal.permissions holds who has them where): reading is for
# the communities a user works in or above; keeping the records for center staff and heads at a
# community or above it; a committee's director and deputies also record its meetings.
READ = "committees.read"
MANAGE = "committees.manage"
MODERATE_BOARD = "committees.moderate_board"


for _model, _path in ((Committee, "community"), (Meeting, "committee__community"),
                     (PartnerUnit, "community"), (Resource, "partner__community"),
                     (ServiceItem, "community"), (Activity, "community"),
                     (VolunteerTeam, "community")):
    permissions.register_target(_model, Target(_model.__name__, community=_path))


def community_ids_for(user: User, capability: str = READ) -> list[int] | None:
    """The communities where the user holds `capability` (None: all of them)."""
    if sees_everything(user):
        return None
    return list(community_list_for(user=user, capability=capability).values_list("pk", flat=True))


def can_manage(user: User, community_id: int) -> bool:
    return permissions.has(user, MANAGE, GridNode(pk=community_id))


def can_record_meetings(user: User, committee: Committee) -> bool:
    """Managers of the community, and the committee's current director and deputies."""
    if can_manage(user, committee.community_id):
        return True
    today = timezone.localdate()
    return committee.members.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today), user_id=int(user.pk or 0),
        starts_on__lte=today,
        position__in=[Position.DIRECTOR, Position.DEPUTY]).exists()


def _around(community: GridNode) -> Q:
    """Assignments inside the community or at a node above it."""
    return subtree_q(community, "node") | Q(node__tree_id=community.tree_id,
                                            node__lft__lt=community.lft,
                                            node__rght__gt=community.rght)


def community_people_for(*, user: User):
    """Active portal users working (a current assignment) in, or above, a community the user
    keeps the records of: whom they may name as a committee member."""
    from django.contrib.auth import get_user_model

    around = Q(pk__in=[])
    for community in community_list_for(user=user, capability=MANAGE):
        around |= _around(community)
    people = Assignment.objects.current().filter(around, node__active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=people, is_active=True)


def works_in(user, community: GridNode) -> bool:
    """Whether the user holds a current assignment in the community or above it."""
    return Assignment.objects.current().filter(_around(community), user_id=user.pk,
                                               node__active=True).exists()


def _in_communities(queryset: QuerySet, user: User, field: str = "community_id",
                    capability: str = READ) -> QuerySet:
    """Rows whose community (`field`, a path ending in the community's id or "pk") lies where
    the user holds `capability`."""
    path = "" if field == "pk" else field.removesuffix("_id")
    target = Target(queryset.model.__name__, community=path)
    return permissions.scope_queryset(queryset, user, capability, target)


def community_list_for(*, user: User, capability: str = READ) -> QuerySet[GridNode]:
    return _in_communities(GridNode.objects.filter(kind=NodeKind.COMMUNITY), user, "pk",
                           capability)


def _get(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Committees -----------------------------------------------------------------------------


def current_members_q(day: dt.date | None = None) -> Q:
    day = day or timezone.localdate()
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def committee_list_for(*, user: User, community: int | None = None,
                       active: bool | None = True) -> QuerySet[Committee]:
    committees = _in_communities(Committee.objects.all(), user)
    if community:
        committees = committees.filter(community_id=community)
    if active is not None:
        committees = committees.filter(active=active)
    today = timezone.localdate()
    return committees.select_related("community").annotate(
        last_joint_meeting=Max("meetings__held_on", filter=Q(
            meetings__kind=MeetingKind.JOINT, meetings__status=MeetingStatus.HELD)),
        member_count=Count("members", filter=Q(members__starts_on__lte=today)
                           & (Q(members__ends_on__isnull=True)
                              | Q(members__ends_on__gte=today)), distinct=True),
    ).order_by("community_id", "kind", "name")


def committee_get_for(*, user: User, pk) -> Committee:
    return _get(committee_list_for(user=user, active=None), pk)


def next_joint_meeting_due(committee: Committee, last_held: dt.date | None) -> dt.date:
    """The date by which the next joint meeting is due: the cadence counted from the last held
    joint meeting, or from the day the committee was set up (31 January + 1 month: 28/29
    February)."""
    start = last_held or timezone.localdate(committee.created_at)
    return start + relativedelta(months=committee.cadence_months)


def member_list(*, committee: Committee, current_only: bool = False) -> QuerySet[Member]:
    members = committee.members.select_related("user", "resident")
    if current_only:
        members = members.filter(current_members_q())
    return members.order_by("ends_on", "position", "starts_on", "pk")


def charter_in_force(committee: Committee) -> Charter | None:
    return committee.charters.order_by("-adopted_on", "-version").first()


# --- Meetings and decisions -----------------------------------------------------------------


def meeting_list_for(*, user: User, committee: int | None = None, kind: str = "",
                     status: str = "", year: int | None = None) -> QuerySet[Meeting]:
    meetings = _in_communities(Meeting.objects.all(), user, "committee__community_id")
    filters = {"committee_id": committee, "kind": kind, "status": status, "held_on__year": year}
    meetings = meetings.filter(**{key: value for key, value in filters.items() if value})
    return meetings.select_related("committee", "committee__community").annotate(
        decision_count=Count("decisions", distinct=True),
        open_decision_count=Count("decisions", filter=Q(decisions__ticket__status__in=OPEN),
                                  distinct=True),
    ).order_by("-held_on", "-pk")


def meeting_get_for(*, user: User, pk) -> Meeting:
    return _get(meeting_list_for(user=user), pk)


def decisions_of(meeting: Meeting) -> QuerySet[Decision]:
    return meeting.decisions.select_related("owner", "ticket", "ticket__owner")


def open_decisions(*, committee: Committee) -> QuerySet[Decision]:
    """Decisions whose tickets are still open: the committee's work not yet done."""
    return (Decision.objects.filter(meeting__committee=committee, ticket__status__in=OPEN)
            .select_related("meeting", "owner", "ticket", "ticket__owner")
            .order_by("ticket__resolve_due_at", "pk"))


def attendance_rows(meeting: Meeting) -> list[tuple[Member, bool | None]]:
    """Every member serving on the meeting day (and anyone recorded), with their attendance:
    True present, False absent, None not yet recorded."""
    recorded = {row.member_id: row.present for row in meeting.attendance.all()}
    members = (meeting.committee.members.filter(current_members_q(meeting.held_on)
                                                | Q(pk__in=list(recorded)))
               .select_related("user", "resident").order_by("position", "starts_on", "pk"))
    return [(member, recorded.get(member.pk)) for member in members]


def attendance_open(meeting: Meeting) -> bool:
    """Attendance is marked for a meeting that is held or being held: recorded as held, or
    planned and its day has come. Not for a meeting to come, nor a cancelled one."""
    if meeting.status == MeetingStatus.HELD:
        return True
    return meeting.status == MeetingStatus.PLANNED and meeting.held_on <= timezone.localdate()


# --- Partner units and the three lists ------------------------------------------------------


def partner_list_for(*, user: User, community: int | None = None,
                     active: bool | None = True) -> QuerySet[PartnerUnit]:
    partners = _in_communities(PartnerUnit.objects.all(), user)
    if community:
        partners = partners.filter(community_id=community)
    if active is not None:
        partners = partners.filter(active=active)
    return partners.select_related("community").annotate(
        resource_count=Count("resources", distinct=True)).order_by("community_id", "name")


def partner_get_for(*, user: User, pk) -> PartnerUnit:
    return _get(partner_list_for(user=user, active=None), pk)


def resource_list_for(*, user: User, community: int | None = None,
                      available: bool | None = None) -> QuerySet[Resource]:
    resources = _in_communities(Resource.objects.all(), user, "partner__community_id")
    if community:
        resources = resources.filter(partner__community_id=community)
    if available is not None:
        resources = resources.filter(available=available, partner__active=True)
    return resources.select_related("partner")


def resource_get_for(*, user: User, pk) -> Resource:
    return _get(resource_list_for(user=user), pk)


def service_list_for(*, user: User, community: int | None = None,
                     active: bool | None = None) -> QuerySet[ServiceItem]:
    services = _in_communities(ServiceItem.objects.all(), user)
    if community:
        services = services.filter(community_id=community)
    if active is not None:
        services = services.filter(active=active)
    return services.select_related("community", "service_point")


def service_get_for(*, user: User, pk) -> ServiceItem:
    return _get(service_list_for(user=user), pk)


def need_list_for(*, user: User, open_only: bool = True,
                  unmatched: bool = False) -> QuerySet[Ticket]:
    """Residents' needs and micro-wishes: tickets of a wish category the user may see, each with
    its live match (if any) prefetched; `unmatched`, only those with no live match (the ones a
    match form may offer)."""
    needs = ticket_list_for(user=user).filter(category__is_wish=True)
    if open_only:
        needs = needs.filter(status__in=OPEN)
    live = Match.objects.exclude(status=MatchStatus.CANCELLED).select_related(
        "service", "resource", "resource__partner")
    if unmatched:
        needs = needs.exclude(Exists(live.filter(need=OuterRef("pk"))))
    return needs.prefetch_related(Prefetch("matches", queryset=live, to_attr="live_matches"))


def need_get_for(*, user: User, pk) -> Ticket:
    return _get(need_list_for(user=user, open_only=False), pk)


def match_list_for(*, user: User, status: str = "") -> QuerySet[Match]:
    ids = community_ids_for(user)
    matches = Match.objects.all()
    if ids is not None:
        matches = matches.filter(Q(service__community_id__in=ids)
                                 | Q(resource__partner__community_id__in=ids))
    if status:
        matches = matches.filter(status=status)
    return matches.select_related("need", "need__owner", "need__category", "service",
                                  "resource", "resource__partner")


def match_get_for(*, user: User, pk) -> Match:
    return _get(match_list_for(user=user), pk)


# --- The public board (公示) ------------------------------------------------------------------

# Needs never shown on the board, whatever was decided: rejected and merged ones.
_NEVER_ON_BOARD = [Status.MERGED, Status.REJECTED]
BOARD_PENDING = "pending"
# What a board filter selects: needs awaiting a decision, or those with a decision's status.
BOARD_FILTERS: dict[str, Q] = {
    BOARD_PENDING: Q(board_entry__isnull=True) & ~Q(status__in=_NEVER_ON_BOARD),
    **{str(state): Q(board_entry__status=state) for state in BoardStatus},
}


def live_match_status(need_field: str = "pk") -> Subquery:
    """The status of the need's live match (matched or delivered; a cancelled one is no longer
    live), or None while no offer is matched: one subquery, no query per row."""
    return Subquery(Match.objects.filter(need_id=OuterRef(need_field))
                    .exclude(status=MatchStatus.CANCELLED)
                    .order_by("-matched_at", "-pk").values("status")[:1])


def board_need_list_for(*, user: User, community: GridNode | None = None,
                        statuses: Collection[str] = ()) -> QuerySet[Ticket]:
    """Residents' needs the user may see (inside `community`, if given), each with its board
    decision, if any, joined; `statuses` keys of BOARD_FILTERS (any of them), or all."""
    needs = ticket_list_for(user=user).filter(category__is_wish=True)
    if community is not None:
        needs = needs.filter(subtree_q(community, "node"))
    if statuses:
        needs = needs.filter(reduce(or_, (BOARD_FILTERS.get(key, Q(pk__in=[]))
                                          for key in statuses)))
    return (needs.select_related("node", "resident", "board_entry", "board_entry__approved_by")
            .annotate(match_status=live_match_status()).order_by("-created_at", "-pk"))


def board_need_get_for(*, user: User, pk) -> Ticket:
    return _get(board_need_list_for(user=user), pk)


def board_entry_of(need: Ticket) -> BoardEntry | None:
    """The need's board decision, None while it is pending."""
    try:
        return need.board_entry
    except BoardEntry.DoesNotExist:
        return None


def communities_of(nodes: Iterable[GridNode]) -> list[GridNode]:
    """The communities the nodes lie in (one query)."""
    within = [Q(tree_id=node.tree_id, lft__lte=node.lft, rght__gt=node.lft)
              for node in {node.pk: node for node in nodes}.values()]
    if not within:
        return []
    return list(GridNode.objects.filter(reduce(or_, within), kind=NodeKind.COMMUNITY))


def registry_names(*, communities: Iterable[GridNode]) -> frozenset[str]:
    """The 2-4 character names of the residents registered in the communities (one query), to
    mask in what is published."""
    within = [subtree_q(community, "node") for community in communities]
    if not within:
        return frozenset()
    names = (Resident.objects.filter(reduce(or_, within))
             .annotate(name_length=Length("name")).filter(name_length__gte=2, name_length__lte=4)
             .order_by().values_list("name", flat=True).distinct())
    return frozenset(name for name in names if is_registry_name(name))


def reporter_names(need: Ticket) -> tuple[str, ...]:
    """The names of who raised the need: the caller's, and the registry resident's."""
    resident_name = need.resident.name if need.resident is not None else ""
    return tuple(name for name in (need.reporter_name, resident_name) if len(name) >= 2)


def suggested_board_text(need: Ticket, *, names: AbstractSet[str]) -> str:
    """What staff are offered to publish: the need's title with long numbers, the community's
    registry names (`names`) and the reporter's names masked."""
    return mask_text(need.title, names=names,
                     extra_names=reporter_names(need))[:BOARD_TEXT_LENGTH]


NOT_MATCHED = gettext_lazy("Waiting to be taken up")


@dataclass
class PublicNeed:
    """A need as the public board shows it: the text staff approved, the grid that owns it and
    how far it got (both live from the ticket)."""

    text: str
    status: str
    owner_name: str
    created_at: dt.datetime
    match_status: str = ""  # "" while no offer is matched, else a MatchStatus

    def get_status_display(self) -> str:
        return str(Status(self.status).label)

    @property
    def matched(self) -> bool:
        return bool(self.match_status)

    def get_match_display(self) -> str:
        """已对接 / 已兑现, or 待认领 while nobody has taken the need up."""
        if self.match_status:
            return str(MatchStatus(self.match_status).label)
        return str(NOT_MATCHED)


@dataclass
class PublicBoard:
    community: GridNode
    needs: list[PublicNeed]
    services: list[ServiceItem]
    resources: list[Resource]


def public_board(*, community_code: str) -> PublicBoard:
    """The three lists as published to residents (公示): no names, phones or addresses of
    residents; a need shows only the text staff approved for it, its grid and its status."""
    try:
        community = GridNode.objects.get(kind=NodeKind.COMMUNITY, code=community_code,
                                         active=True)
    except GridNode.DoesNotExist:
        raise Http404 from None
    entries = (BoardEntry.objects.filter(community=community, status=BoardStatus.PUBLISHED)
               .exclude(need__status__in=_NEVER_ON_BOARD)
               .select_related("need__owner")
               .only("text", "need__status", "need__created_at", "need__owner__name")
               .annotate(match_status=live_match_status("need_id"))
               .order_by("-need__created_at", "-pk")[:100])
    needs = [PublicNeed(text=entry.text, status=entry.need.status,
                        owner_name=entry.need.owner.name, created_at=entry.need.created_at,
                        match_status=entry.match_status or "")
             for entry in entries]
    services = (ServiceItem.objects.filter(community=community, active=True)
                .select_related("service_point"))
    resources = (Resource.objects.filter(partner__community=community, partner__active=True,
                                         available=True, public=True)
                 .select_related("partner"))
    return PublicBoard(community, needs, list(services), list(resources))


# --- Activities and volunteers ----------------------------------------------------------------


def activity_list_for(*, user: User, community: int | None = None, year: int | None = None,
                      theme: str = "") -> QuerySet[Activity]:
    activities = _in_communities(Activity.objects.all(), user)
    filters = {"community_id": community, "held_on__year": year, "theme": theme}
    activities = activities.filter(**{key: value for key, value in filters.items() if value})
    return activities.select_related("community", "committee", "partner", "team").annotate(
        photo_count=Count("photos", distinct=True)).order_by("-held_on", "-pk")


def activity_get_for(*, user: User, pk) -> Activity:
    return _get(activity_list_for(user=user), pk)


def _plain(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """The same activities without joined annotations, which would repeat rows in a sum."""
    return Activity.objects.filter(pk__in=activities.order_by().values("pk"))


def activity_totals(activities: QuerySet[Activity]) -> list[dict]:
    """Per year: the number of activities and participants, newest year first (one query)."""
    return list(_plain(activities).order_by().annotate(year=ExtractYear("held_on"))  # type: ignore[arg-type]
                .values("year").annotate(activities=Count("pk", distinct=True),
                                         participants=Sum("participants"))
                .order_by("-year"))


def activity_theme_totals(activities: QuerySet[Activity]) -> list[dict]:
    return list(_plain(activities).order_by().values("theme").annotate(  # type: ignore[arg-type]
        activities=Count("pk", distinct=True), participants=Sum("participants"))
        .order_by("-activities"))


def team_list_for(*, user: User, community: int | None = None,
                  active: bool | None = True) -> QuerySet[VolunteerTeam]:
    teams = _in_communities(VolunteerTeam.objects.all(), user)
    if active is not None:
        teams = teams.filter(active=active)
    if community:
        teams = teams.filter(community_id=community)
    hours = ServiceHours.objects.filter(volunteer__team=OuterRef("pk")).order_by().values(
        "volunteer__team").annotate(total=Sum("hours")).values("total")
    return teams.select_related("community").annotate(
        volunteer_count=Count("volunteers", distinct=True),
        party_member_count=Count("volunteers", filter=Q(volunteers__party_member=True),
                                 distinct=True),
        total_hours=Subquery(hours)).order_by("community_id", "name")


def team_get_for(*, user: User, pk) -> VolunteerTeam:
    return _get(team_list_for(user=user, active=None), pk)


def volunteers_of(team: VolunteerTeam) -> QuerySet[Volunteer]:
    return team.volunteers.select_related("resident", "user").annotate(
        total_hours=Sum("hours__hours"))



def open_decision_counts(*, committees) -> dict[int, int]:
    """Per committee id, how many of its decisions are tickets still open (one query)."""
    rows = (Decision.objects.filter(meeting__committee__in=committees, ticket__status__in=OPEN)
            .order_by().values("meeting__committee_id").annotate(open=Count("pk")))
    return {row["meeting__committee_id"]: row["open"] for row in rows}
