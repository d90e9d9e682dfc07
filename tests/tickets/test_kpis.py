"""KPI figures on a known set of tickets, built through the services with the clock moved."""

import datetime as dt
import secrets
from decimal import Decimal

import pytest
import time_machine

from grids.models import NodeKind
from tests.grids.factories import GridNodeFactory
from tests.tickets.factories import make_ticket
from tickets import kpis, services
from tickets.models import Channel, Status, Ticket, Whistle

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 2, 9, tzinfo=SHANGHAI)  # a Monday; routine: 7 working days
NOW = START + dt.timedelta(days=20)  # 2026-11-22 09:00
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def at(offset, ticket, actor, action, note="", **params):
    with time_machine.travel(START + offset, tick=False):
        return services.ticket_transition(ticket=ticket, actor=actor, action=action,
                                          note=note or "说明", **params)


def new(offset=dt.timedelta(0), **fields):
    with time_machine.travel(START + offset, tick=False):
        return make_ticket(**fields)


def closed(ticket, worker, *, accept=H, resolve=D, satisfaction="satisfied", start=None):
    t = at(accept, ticket, worker, "accept")
    t = at(start or accept + H / 2, t, worker, "start")
    t = at(resolve, t, worker, "resolve")
    t = at(resolve + H, t, worker, "reply")
    return at(resolve + 2 * H, t, worker, "evaluate", satisfaction=satisfaction)


@pytest.fixture
def known_set(community):
    """Thirteen tickets at G5A with known outcomes (see the comments), looked at on NOW."""
    c, a = community, community.worker_a
    g5a = {"node": c.g5a}
    t = {}
    t[1] = closed(new(**g5a), a)  # on time, satisfied
    t[2] = closed(new(**g5a, whistle=Whistle.KEY, channel=Channel.WECHAT_GROUP), a,
                  satisfaction="basically")  # on time (key: 3 working days)
    # 3: accepted late (30 h > 24 h), unsatisfied, resolved again on day 3, then satisfied.
    t3 = closed(new(**g5a), a, accept=30 * H, resolve=2 * D, satisfaction="unsatisfied")
    assert t3.status == Status.IN_PROGRESS
    t3 = at(3 * D, t3, a, "resolve")
    t3 = at(3 * D + H, t3, a, "reply")
    t[3] = at(3 * D + 2 * H, t3, a, "evaluate", satisfaction="satisfied")
    # 4: resolved on day 12, after the deadline of 11 Nov.
    t[4] = closed(new(**g5a, channel=Channel.JIESU_JIBAN), a, resolve=12 * D)
    # 5: an extension to 16 Nov approved, resolved on day 10, closed without an evaluation.
    t5 = at(H, new(**g5a), a, "accept")
    t5 = at(2 * H, t5, a, "start")
    t5 = at(3 * H, t5, a, "request_extension", until=t5.resolve_due_at + 5 * D)
    t5 = at(4 * H, t5, c.hub1_head, "approve_extension")
    t5 = at(10 * D, t5, a, "resolve")
    t5 = at(10 * D + H, t5, a, "reply")
    t[5] = at(18 * D, t5, None, "close_unevaluated")
    # 6: unsatisfied, back in progress, and past its deadline now: open and overdue.
    t[6] = closed(new(**g5a), a, resolve=2 * D, satisfaction="unsatisfied")
    # 7: new yesterday, not yet due: open, not overdue.
    t[7] = new(19 * D + 3 * H, **g5a)
    # 8: returned, upheld to G5B, done there on time by worker B.
    t8 = at(H, new(**g5a), a, "return", reason="not_our_area")
    t8 = at(2 * H, t8, c.hub1_head, "uphold_return", target=c.g5b)
    t[8] = closed(t8, c.worker_b, accept=3 * H, resolve=D)
    # 9: merged into 6; 10: rejected. Neither is handled work.
    t[9] = at(H, new(**g5a), a, "merge", into=t[6])
    t[10] = at(H, new(**g5a), c.hub1_head, "reject")
    # 11: accepted late, escalated to G4A, accepted there in time by the hub head, closed.
    t11 = at(30 * H, new(**g5a), a, "accept")
    t11 = at(31 * H, t11, a, "escalate")
    t[11] = closed(t11, c.hub1_head, accept=32 * H, resolve=3 * D)
    # 12: returned, the return rejected, then done on time.
    t12 = at(H, new(**g5a), a, "return", reason="not_our_duty")
    t12 = at(2 * H, t12, c.hub1_head, "reject_return")
    t[12] = closed(t12, a, accept=3 * H, resolve=2 * D, satisfaction="basically")
    # 13: resolved and replied, waiting for the resident's evaluation.
    t13 = at(15 * D + H, new(15 * D, **g5a), a, "accept")
    t13 = at(15 * D + 2 * H, t13, a, "start")
    t13 = at(16 * D, t13, a, "resolve")
    t[13] = at(16 * D + H, t13, a, "reply")
    return t


def report_for(user, **kwargs):
    kwargs.setdefault("since", dt.date(2026, 11, 1))
    kwargs.setdefault("until", dt.date(2026, 12, 1))
    return kpis.ticket_kpis(user=user, now=NOW, **kwargs)


def test_every_figure_of_a_known_month(community, known_set):
    summary = report_for(community.admin).summary
    assert {k: v for k, v in summary.as_dict().items() if k in EXPECTED} == EXPECTED
    # The rates, written out: closure 8/11, on time 7/(8 closed + 1 overdue), response 9/11,
    # resolution 9/11, satisfaction 7/8; hours to accept 74/10, to resolve 816/9.
    assert summary.closure_rate == Decimal("72.7")
    assert summary.on_time_rate == Decimal("77.8")
    assert summary.response_rate == Decimal("81.8")
    assert summary.resolution_rate == Decimal("81.8")
    assert summary.satisfaction_rate == Decimal("87.5")
    assert summary.hours_to_accept == Decimal("7.4")
    assert summary.hours_to_resolve == Decimal("90.7")
    # Score 0.4 x 77.8 + 0.3 x 87.5 + 0.3 x 81.8 = 81.9: three stars.
    assert (summary.score, summary.stars, summary.star_text) == (Decimal("81.9"), 3, "★★★☆☆")


EXPECTED = {
    "total": 13, "handled": 11, "closed": 8, "closed_on_time": 7, "resolved": 9, "open": 3,
    "overdue": 1, "evaluated": 8, "satisfied": 7, "accepts": 11, "accepts_on_time": 9,
    "returns_upheld": 1, "returns_rejected": 1, "extensions": 1, "escalations": 1,
    "returned_now": 0, "whistled": 0, "accepted": 10, "resolve_count": 9,
    "closure_rate": 72.7, "on_time_rate": 77.8, "response_rate": 81.8, "resolution_rate": 81.8,
    "satisfaction_rate": 87.5, "hours_to_accept": 7.4, "hours_to_resolve": 90.7, "stars": 3,
}


def test_an_open_overdue_ticket_lowers_the_on_time_rate(community, known_set):
    before = report_for(community.admin).summary
    assert before.on_time_rate == Decimal("77.8")  # 7 / (8 + 1)
    at(19 * D, known_set[6], community.worker_a, "resolve")  # the late ticket is resolved...
    after = report_for(community.admin).summary
    assert after.overdue == 0
    assert after.on_time_rate == Decimal("87.5")  # ...and no longer counts: 7 / 8


def test_counts_by_whistle_class_channel_and_status(community, known_set):
    report = report_for(community.admin)
    by_whistle = {value: n for value, _label, n in report.by_whistle}
    assert by_whistle == {"routine": 12, "key": 1, "key_city": 0, "emergency": 0}
    by_channel = {value: n for value, _label, n in report.by_channel if n}
    assert by_channel == {"hotline": 11, "wechat_group": 1, "jiesu_jiban": 1}
    by_status = {value: n for value, _label, n in report.by_status if n}
    assert by_status == {"closed": 8, "in_progress": 1, "new": 1, "replied": 1, "merged": 1,
                         "rejected": 1}
    assert report.months == ["2026-11"]
    assert report.monthly["routine"] == [12] and report.monthly["key"] == [1]


def test_the_worker_table_and_the_grid_ranking(community, known_set):
    report = report_for(community.admin)
    by_pk = {row.pk: row.figures for row in report.workers}
    a = by_pk[community.worker_a.pk]
    # Worker A: tickets 1-6, 12, 13; closed 1-5 and 12, on time but 4; 6 overdue;
    # evaluated 1-4, 6, 12 (6 unsatisfied); accepted 1-6, 11 (late, as was 3), 12, 13.
    assert (a.total, a.closed, a.closed_on_time, a.overdue) == (8, 6, 5, 1)
    assert a.on_time_rate == Decimal("71.4")
    assert a.satisfaction_rate == Decimal("83.3")
    assert (a.accepts, a.accepts_on_time, a.response_rate) == (9, 7, Decimal("77.8"))
    assert (a.score, a.stars) == (Decimal("76.9"), 2)
    b = by_pk[community.worker_b.pk]
    assert (b.total, b.closed, b.stars) == (1, 1, None)  # too few tickets to be rated
    head = by_pk[community.hub1_head.pk]
    assert (head.total, head.accepts, head.accepts_on_time) == (1, 1, 1)
    grids = {row.pk: row.figures for row in report.grids}
    assert set(grids) == {community.g5a.pk, community.g5b.pk, community.g4a.pk}
    assert grids[community.g5a.pk].total == 11 and grids[community.g5b.pk].closed == 1
    assert report.grids[0].pk == community.g5a.pk  # the only one rated comes first
    assert {row.name for row in report.workers} == {"王小明"}  # the factory's one name


def test_the_period_and_the_subtree_narrow_the_count(community, known_set):
    assert report_for(community.admin, since=dt.date(2026, 11, 17)).summary.total == 2
    assert report_for(community.admin, until=dt.date(2026, 11, 2)).summary.total == 0
    assert report_for(community.admin, node=community.hub2).summary.total == 0
    # G5B: ticket 8 is owned there (it is located in G5A).
    assert report_for(community.admin, node=community.g5b).summary.total == 1


def test_a_worker_sees_only_figures_of_their_grid(community):
    make_ticket(node=community.g5a)
    make_ticket(node=community.g5b)
    make_ticket(node=community.g5b)
    mine = kpis.ticket_kpis(user=community.worker_a)
    assert mine.summary.total == 1
    assert [row.pk for row in mine.grids] == [community.g5a.pk]
    assert kpis.ticket_kpis(user=community.hub1_head).summary.total == 3


def test_a_department_whistle_and_an_escalation_are_counted(community):
    from tests.tickets.factories import department

    ticket = make_ticket(node=community.street)
    services.ticket_transition(ticket=ticket, actor=community.admin, action="escalate",
                               note="吹哨", department=department())
    summary = kpis.ticket_kpis(user=community.admin).summary
    assert (summary.whistled, summary.escalations, summary.open) == (1, 1, 1)


def _bulk(template: Ticket, count: int, **fields) -> list[Ticket]:
    rows = []
    for _ in range(count):
        row = Ticket(**{f.attname: getattr(template, f.attname)
                        for f in Ticket._meta.concrete_fields if not f.primary_key})
        row.reference = "T" + secrets.token_hex(6)
        row.tracking_token = secrets.token_urlsafe(32)
        for name, value in fields.items():
            setattr(row, name, value)
        rows.append(row)
    return Ticket.objects.bulk_create(rows)


def test_lianhua_street_536_whistles_528_closed_is_a_closure_rate_of_98_5(community):
    """莲华街道: 536 whistles since 2021 (505 routine, 28 key of which 5 city-level, 3
    emergency), 528 closed and 8 open: 98.5%."""
    street = GridNodeFactory(kind=NodeKind.STREET, name="莲华街道", code="LHJD")
    template = make_ticket(node=street)
    Ticket.objects.all().delete()
    closed_fields = {"status": Status.CLOSED, "resolved_at": template.created_at,
                     "closed_at": template.created_at}
    _bulk(template, 500, whistle=Whistle.ROUTINE, **closed_fields)
    _bulk(template, 23, whistle=Whistle.KEY, **closed_fields)
    _bulk(template, 5, whistle=Whistle.KEY_CITY, **closed_fields)
    _bulk(template, 5, whistle=Whistle.ROUTINE, status=Status.IN_PROGRESS)
    _bulk(template, 3, whistle=Whistle.EMERGENCY, status=Status.IN_PROGRESS)
    report = kpis.ticket_kpis(user=community.admin, node=street)
    assert (report.summary.total, report.summary.closed, report.summary.open) == (536, 528, 8)
    assert report.summary.closure_rate == Decimal("98.5")
    assert {v: n for v, _l, n in report.by_whistle} == {"routine": 505, "key": 23,
                                                        "key_city": 5, "emergency": 3}


def test_percentages_round_half_up_and_have_no_base_when_empty():
    assert kpis.percent(528, 536) == Decimal("98.5")
    assert kpis.percent(1, 8) == Decimal("12.5")
    assert kpis.percent(1, 3) == Decimal("33.3")
    assert kpis.percent(2, 3) == Decimal("66.7")
    assert kpis.percent(0, 0) is None


def test_stars_follow_the_documented_thresholds():
    def figures(on_time, satisfied, response, handled=10):
        f = kpis.Figures(handled=handled, closed=100, closed_on_time=on_time, evaluated=100,
                         satisfied=satisfied, accepts=100, accepts_on_time=response)
        return f

    assert figures(100, 100, 100).stars == 5
    assert figures(95, 95, 95).stars == 5
    assert figures(94, 94, 94).stars == 4
    assert figures(80, 80, 80).stars == 3
    assert figures(70, 70, 70).stars == 2
    assert figures(10, 10, 10).stars == 1
    assert figures(100, 100, 100, handled=4).stars is None
    # Without evaluations the satisfaction weight goes to the other two.
    f = kpis.Figures(handled=10, closed=10, closed_on_time=10, accepts=10, accepts_on_time=5)
    assert f.score == Decimal("78.6")  # (0.4 x 100 + 0.3 x 50) / 0.7
