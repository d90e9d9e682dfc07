"""What every part of the committees demo shares: the community, its people, the counts."""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from grids.models import Assignment, GridNode, NodeKind, Role, ServicePoint
from residents.models import Resident
from tickets.demo import (
    StoryFactory,
    TicketPlace,
)

User = get_user_model()
COMMUNITY_CODE = "SJC"
TICKET_KEY = "demo-committee:"
CENTER = "世纪城社区党群服务中心"
MEETING_ROOM = f"{CENTER}二楼会议室"
D = dt.timedelta(days=1)
CAMPAIGNS, CAMPAIGN_PARTICIPANTS = 78, 930


@dataclass
class CommitteeSeed:
    committees: int = 0
    members: int = 0
    meetings: int = 0
    decisions: int = 0
    decision_tickets: int = 0
    open_decision_tickets: int = 0
    partners: int = 0
    resources: int = 0
    services: int = 0
    needs: int = 0
    matches: int = 0
    board_published: int = 0
    board_pending: int = 0
    activities: int = 0
    participants: int = 0
    volunteers: int = 0
    service_hours: Decimal = Decimal("0")



class Context:
    """The demo community, its people and places, loaded once."""

    def __init__(self, community: GridNode, staff, rng: random.Random) -> None:
        self.community, self.staff, self.rng = community, staff, rng
        self.today = timezone.localdate()
        inside = {"tree_id": community.tree_id, "lft__gt": community.lft,
                  "lft__lt": community.rght}
        nodes = list(GridNode.objects.filter(active=True, **inside).order_by("lft"))
        self.hubs = [node for node in nodes if node.kind == NodeKind.HUB]
        self.grid5s = [node for node in nodes if node.kind == NodeKind.GRID5]
        workers = {a.node_id: a.user for a in Assignment.objects.current().filter(
            role=Role.WORKER, node__in=self.grid5s).select_related("user")}
        self.workers = workers
        self.staffed = [grid for grid in self.grid5s if grid.pk in workers]
        self.users = {user.username: user for user in User.objects.filter(
            username__startswith="sjc_")}
        self.residents = list(Resident.objects.filter(
            node__tree_id=community.tree_id, node__lft__gt=community.lft,
            node__lft__lt=community.rght, birth_date__lte=self.today - 20 * 365 * D)
            .order_by("pk"))
        self.points = list(ServicePoint.objects.filter(
            node__tree_id=community.tree_id, node__lft__gte=community.lft,
            node__lft__lt=community.rght).order_by("pk"))
        self.term_starts = dt.date(self.today.year - 2, 1, 1)
        self.term_ends = dt.date(self.today.year + 2, 12, 31)
        self._place: TicketPlace | None = None
        self._factory: StoryFactory | None = None
        self.ticket_number = 0

    @property
    def factory(self) -> StoryFactory:
        if self._factory is None:
            self._place = TicketPlace()
            self._factory = StoryFactory(self._place, self.rng, timezone.now())
        return self._factory

    def residents_sample(self, count: int, *, party: bool = False) -> list[Resident]:
        pool = [r for r in self.residents if r.party_member] if party else self.residents
        return self.rng.sample(pool, min(count, len(pool)))

    def fill(self, text: str) -> tuple[str, GridNode]:
        """A decision's text with its place, and the node that carries it out."""
        if "{hub}" in text:
            hub = self.rng.choice(self.hubs)
            return text.format(hub=hub.name), hub
        grid = self.rng.choice(self.staffed)
        return text.format(grid=grid.name), grid


