"""Demo committees for 世纪城社区: the five committees with their areas, charters and members, a
year of quarterly joint meetings and two one-issue deliberations whose decisions became tickets,
13 partner units with their resources, the community's services, micro-wishes matched with
them, volunteer teams with their hours, and a year of campaigns (78 with 930 participants, as in
the real community).

Rows with rules go through the services (members, charters, meetings, attendance, decisions,
partner units, resources, services, matches). Decisions of past meetings become tickets with the
story the ticket demo gives its tickets (same steps, same timestamps written in bulk), since the
services only open tickets from today. Activities, volunteers and their hours are plain records
written in bulk. Idempotent: nothing is added once the demo community has a committee. The
public board's decisions are taken once, on their own (board.py), so an older demo database
gets them too.
"""

import random

from django.db import transaction

from grids.models import GridNode, NodeKind

from .board import seed_board
from .community import seed_activities, seed_needs, seed_partners, seed_services, seed_teams
from .context import COMMUNITY_CODE, CommitteeSeed, Context, User
from .meetings import seed_committee_rows, seed_meetings

__all__ = ["CommitteeSeed", "seed_committees"]


def seed_committees(*, seed: int = 2026) -> CommitteeSeed:
    result = CommitteeSeed()
    community = GridNode.objects.filter(code=COMMUNITY_CODE, kind=NodeKind.COMMUNITY).first()
    staff = User.objects.filter(username="sjc_staff").first()
    if community is None or staff is None:
        return result
    if not community.committees.exists():
        _seed_committees(community, staff, seed, result)
    with transaction.atomic():
        seed_board(community, staff, result)
    return result


def _seed_committees(community: GridNode, staff, seed: int, result: CommitteeSeed) -> None:
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    with transaction.atomic():
        ctx = Context(community, staff, rng)
        partners = seed_partners(ctx, result)
        items = seed_services(ctx, result)
        committees = seed_committee_rows(ctx, result)
        seed_meetings(ctx, committees, result)
        seed_needs(ctx, items, partners, result)
        teams = seed_teams(ctx, result)
        seed_activities(ctx, committees, partners, teams, result)
