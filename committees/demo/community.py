"""Demo partner units, resources and services; micro-wishes matched with them; volunteer
teams with their hours; a year of campaigns."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from grids.models import GridNode
from tickets import services as ticket_services
from tickets.demo import (
    TicketLife,
    step_accept,
    story_timestamps,
)
from tickets.models import (
    Category,
    Channel,
    Satisfaction,
    Ticket,
    TicketEvent,
    Whistle,
)
from tickets.sweep import schedule

from .. import services
from ..models import (
    Activity,
    CommitteeKind,
    PartnerUnit,
    Resource,
    ServiceHours,
    ServiceItem,
    ServiceMode,
    Theme,
    Volunteer,
    VolunteerTeam,
)
from .context import (
    CAMPAIGN_PARTICIPANTS,
    CAMPAIGNS,
    CENTER,
    TICKET_KEY,
    CommitteeSeed,
    Context,
    D,
)
from .data import (
    CAMPAIGN_THEMES,
    PARTNERS,
    SERVICES,
    TEAMS,
    WISHES,
)

# --- Partner units, resources and services --------------------------------------------------


def seed_partners(ctx: Context, result: CommitteeSeed) -> dict[str, PartnerUnit]:
    partners = {}
    for index, (name, kind, member, contact, phone, address, resources) in enumerate(PARTNERS):
        partner = services.partner_save(
            actor=ctx.staff, community=ctx.community, name=name, kind=kind,
            party_committee_member=member, contact_name=contact, contact_phone=phone,
            address=f"昆明市官渡区{address}",
            joined_on=dt.date(ctx.today.year - 3 + index % 3, 1 + index % 12, 1))
        for resource_name, capacity in resources:
            services.resource_save(actor=ctx.staff, partner=partner, name=resource_name,
                                   capacity=capacity, description=f"{name}提供：{resource_name}")
            result.resources += 1
        partners[name] = partner
    result.partners = len(partners)
    return partners


def seed_services(ctx: Context, result: CommitteeSeed) -> list[ServiceItem]:
    items = []
    point = ctx.points[0] if ctx.points else None
    for position, (name, mode, at_point, hours, description) in enumerate(SERVICES):
        fields = {"name": name, "mode": mode, "hours": hours, "description": description,
                  "position": position, "phone": "0871-67160000"}
        if at_point and point is not None:
            fields.update(service_point=point, place=point.address)
        else:
            fields["place"] = "上门服务" if mode == ServiceMode.DOOR_TO_DOOR else f"{CENTER}一楼"
        items.append(services.service_item_save(actor=ctx.staff, community=ctx.community,
                                                **fields))
    result.services = len(items)
    return items



# --- Needs matched with services and resources ----------------------------------------------


def seed_needs(ctx: Context, items: list[ServiceItem], partners: dict[str, PartnerUnit],
                result: CommitteeSeed) -> None:
    """Eight recent micro-wishes, accepted by their grids; six matched with an offer, two of
    those delivered, one matched again after the first offer fell through."""
    category = Category.objects.filter(is_wish=True, active=True).order_by("position").first()
    if category is None or not ctx.staffed:
        return
    lives = []
    for title in WISHES:
        grid = ctx.rng.choice(ctx.staffed)
        created = timezone.now() - ctx.rng.uniform(2, 25) * D
        lives.append(_wish(ctx, title, grid, category, created))
    with story_timestamps():
        Ticket.objects.bulk_create([life.ticket for life in lives])
        TicketEvent.objects.bulk_create([event for life in lives for event in life.events])
    result.needs = len(lives)
    resources = list(Resource.objects.filter(partner__in=partners.values()).order_by("pk"))
    offers = [{"service": items[3]}, {"resource": resources[-1]}, {"service": items[6]},
              {"resource": resources[0]}, {"resource": resources[-2]}, {"service": items[7]}]
    matches = []
    for life, offer in zip(lives, offers, strict=False):
        matches.append(services.match_create(need=life.ticket, actor=ctx.staff,
                                             note="已电话告知居民", **offer))
    for match in matches[:2]:
        services.match_set_status(match=match, actor=ctx.staff, status="delivered")
        _close_need(ctx, match.need)
    services.match_set_status(match=matches[2], actor=ctx.staff, status="cancelled")
    services.match_create(need=lives[2].ticket, actor=ctx.staff, resource=resources[1],
                          note="原服务时间不合适，改由共建单位认领")
    result.matches = len(matches) + 1


def _close_need(ctx: Context, need: Ticket) -> None:
    """A delivered wish: its grid resolves it and replies, and the resident is satisfied."""
    doer = ctx.factory.place.doer(need)
    steps = [("start", ""), ("resolve", "已按清单对接，心愿已送达居民手中"),
             ("reply", "您的微心愿已实现，感谢您对社区工作的支持。")]
    for action, note in steps:
        need = ticket_services.ticket_transition(ticket=need, actor=doer, action=action,
                                                 note=note)
    ticket_services.ticket_transition(ticket=need, actor=doer, action="evaluate",
                                      satisfaction=Satisfaction.SATISFIED)


def _wish(ctx: Context, title: str, grid: GridNode, category: Category,
          created: dt.datetime) -> TicketLife:
    ctx.ticket_number += 1
    place = ctx.factory.place
    ticket = ctx.factory.new_ticket(
        created, channel=Channel.WECHAT_GROUP, whistle=Whistle.ROUTINE, category=category,
        title=title,
        description=f"{grid.name}居民：{title.removeprefix('微心愿：')}。", node=grid,
        owner=place.route(grid, category), address=f"{grid.name}辖区",
        reporter_name=ctx.rng.choice("王李张刘陈杨黄赵") + ctx.rng.choice(("女士", "先生")),
        idempotency_key=f"{TICKET_KEY}{ctx.ticket_number:05d}")
    life = ctx.factory.intake(ticket)
    step_accept(life)
    ticket.updated_at = life.clock
    schedule(ticket)
    return life


# --- Volunteer teams and activities ---------------------------------------------------------


def seed_teams(ctx: Context, result: CommitteeSeed) -> list[VolunteerTeam]:
    teams, volunteers = [], []
    taken: set[int] = set()
    for name, description, party, size in TEAMS:
        team = VolunteerTeam.objects.create(community=ctx.community, name=name,
                                            description=description)
        pool = [r for r in ctx.residents_sample(size * 3, party=party) if r.pk not in taken]
        for number, resident in enumerate(pool[:size]):
            taken.add(resident.pk)
            volunteers.append(Volunteer(
                team=team, resident=resident, party_member=resident.party_member,
                leader=number == 0,
                joined_on=ctx.today - ctx.rng.randrange(60, 1500) * D))
        teams.append(team)
    patrol = teams[1]
    for user in ctx.users.values():
        if user.username.endswith("_volunteer"):
            volunteers.append(Volunteer(team=patrol, user=user, joined_on=ctx.term_starts))
    Volunteer.objects.bulk_create(volunteers)
    result.volunteers = len(volunteers)
    return teams


def _participants(rng: random.Random) -> list[int]:
    """78 head counts between 4 and 30 that add up to 930."""
    counts = [rng.randint(6, 18) for _ in range(CAMPAIGNS)]
    step = 1 if sum(counts) < CAMPAIGN_PARTICIPANTS else -1
    index = 0
    while sum(counts) != CAMPAIGN_PARTICIPANTS:
        if 4 <= counts[index] + step <= 30:
            counts[index] += step
        index = (index + rng.randrange(1, 7)) % CAMPAIGNS
    return counts


def _organiser(theme: str, committees, partners, teams, rng) -> dict:
    choices = {
        Theme.LEGAL: [{"committee": committees[CommitteeKind.DISPUTE]},
                      {"partner": partners["官渡区人民法院"]},
                      {"partner": partners["官渡区人民检察院"]}],
        Theme.FIRE_SAFETY: [{"committee": committees[CommitteeKind.PROPERTY]},
                            {"team": teams[1]}, {"partner": partners["世纪城物业服务有限公司"]}],
        Theme.ANTI_FRAUD: [{"partner": partners["世纪城派出所"]},
                           {"partner": partners["中国工商银行世纪城支行"]}, {"team": teams[0]}],
        Theme.CLEAN_UP: [{"team": teams[0]}, {"committee": committees[CommitteeKind.RESIDENTS]}],
        Theme.HEALTH: [{"partner": partners["昆明市第一人民医院"]},
                       {"committee": committees[CommitteeKind.PUBLIC_SERVICE]}],
        Theme.ELDERLY: [{"team": teams[2]}, {"committee": committees[CommitteeKind.MUTUAL_AID]}],
        Theme.CULTURE: [{"committee": committees[CommitteeKind.RESIDENTS]},
                        {"partner": partners["世纪城小学"]}],
    }
    return rng.choice(choices[theme])


def seed_activities(ctx: Context, committees, partners, teams,
                     result: CommitteeSeed) -> None:
    rng = ctx.rng
    themes = [theme for theme, (count, _titles) in CAMPAIGN_THEMES.items()
              for _ in range(count)]
    rng.shuffle(themes)  # spread over the year, not one theme per season
    days = sorted(rng.sample(range(1, 365), CAMPAIGNS), reverse=True)
    places = [f"{hub.name}广场" for hub in ctx.hubs] + [f"{CENTER}多功能厅"]
    activities = []
    for theme, days_ago, participants in zip(themes, days, _participants(rng), strict=True):
        title = rng.choice(CAMPAIGN_THEMES[theme][1])
        activities.append(Activity(
            community=ctx.community, title=title, theme=theme,
            held_on=ctx.today - days_ago * D, place=rng.choice(places),
            participants=participants, recorded_by=ctx.staff,
            description=f"{title}，共{participants}人参加。",
            **_organiser(theme, committees, partners, teams, rng)))
    Activity.objects.bulk_create(activities)
    result.activities = len(activities)
    result.participants = sum(a.participants for a in activities)
    _seed_hours(ctx, activities, teams, result)


def _seed_hours(ctx: Context, activities: list[Activity], teams: list[VolunteerTeam],
                result: CommitteeSeed) -> None:
    """Each activity a team ran: some of its volunteers served 2-4 hours; the party team also
    helped at the others."""
    rng = ctx.rng
    members = {team.pk: list(team.volunteers.order_by("pk")) for team in teams}
    rows = []
    for activity in activities:
        team_id = activity.team_id or teams[0].pk
        crew = members[team_id]
        for volunteer in rng.sample(crew, min(len(crew), rng.randint(4, 10))):
            rows.append(ServiceHours(
                volunteer=volunteer, activity=activity, served_on=activity.held_on,
                hours=Decimal(rng.choice((2, 2.5, 3, 4))), note=activity.title,
                recorded_by=ctx.staff))
    ServiceHours.objects.bulk_create(rows)
    result.service_hours = sum((row.hours for row in rows), Decimal("0"))

