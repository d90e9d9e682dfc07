"""The district to measure on: a street of communities with their grids and people, a registry
and three years of tickets whose timelines and reminders agree with their status, grown in
place from one size to a larger one."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from grids.models import Assignment, GridNode, NodeKind, Role
from residents.crypto import decrypt, lookup_hash
from residents.idnumbers import parse
from residents.models import Building, Household, Resident
from tests.tickets.timelines import assert_timeline_follows_the_table
from tickets import selectors
from tickets.district import build_district, top_up_tickets
from tickets.models import Reminder, Status, Ticket, TicketEvent
from tickets.sweep import sweep
from tickets.workflow import LIVE, OPEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(db):
    return build_district(communities=2, work_units=1, households=120, residents=300,
                          tickets=2000)


def _kinds_under(code: str) -> dict[str, int]:
    rows = GridNode.objects.filter(code__startswith=f"{code}-").order_by().values("kind").annotate(
        n=Count("pk"))
    return {row["kind"]: row["n"] for row in rows}


def test_the_street_has_a_big_residential_and_a_small_work_unit_community(district):
    street = GridNode.objects.get(code="LHJD")
    assert street.kind == NodeKind.STREET and street.name == "莲华街道"
    communities = list(GridNode.objects.filter(parent=street).order_by("code"))
    assert [c.kind for c in communities] == [NodeKind.COMMUNITY] * 2
    assert "单位" not in communities[0].name and "单位" in communities[1].name
    assert _kinds_under("LHJD-C01") == {NodeKind.HUB: 7, NodeKind.GRID4: 7, NodeKind.GRID5: 29}
    assert _kinds_under("LHJD-C02") == {NodeKind.HUB: 4, NodeKind.GRID4: 4, NodeKind.GRID5: 10}
    grids5 = GridNode.objects.filter(code__startswith="LHJD-", kind=NodeKind.GRID5)
    staffed = Assignment.objects.filter(node__in=grids5, role=Role.WORKER)
    assert staffed.values("node").distinct().count() == 39
    for role in (Role.CENTER_STAFF, Role.DISPATCHER):
        assert Assignment.objects.filter(node=street, role=role).exists()


def test_the_registry_has_households_and_residents_with_valid_protected_numbers(district):
    assert district.households == Household.objects.count() >= 120
    assert district.residents == Resident.objects.count() >= 300
    assert not Building.objects.filter(latitude__isnull=True).exists()
    for resident in Resident.objects.order_by("?")[:20]:
        number = decrypt(resident.id_number_token)
        assert parse(number).masked == resident.id_number_masked
        assert lookup_hash(number) == resident.id_number_hash


def test_three_years_of_tickets_mostly_closed_some_open_and_overdue(district):
    now = timezone.now()
    assert Ticket.objects.count() == 2000
    oldest = Ticket.objects.order_by("created_at").first().created_at
    assert dt.timedelta(days=2 * 365) < now - oldest <= dt.timedelta(days=3 * 365 + 1)
    counts = Ticket.objects.aggregate(
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        open=Count("pk", filter=Q(status__in=OPEN)),
        overdue=Count("pk", filter=selectors.overdue_q(now)),
        department=Count("pk", filter=Q(department__isnull=False)),
        placed=Count("pk", filter=Q(latitude__isnull=False)))
    assert counts["closed"] > 0.9 * 2000, counts
    assert 5 <= counts["overdue"] < counts["open"] < 200, counts
    assert counts["department"] > 0 and counts["placed"] > 0, counts
    assert not Ticket.objects.exclude(node__code__startswith="LHJD").exists()


def test_every_timeline_follows_the_transition_table_to_the_tickets_status(district):
    for ticket in Ticket.objects.order_by("?")[:200]:
        assert_timeline_follows_the_table(ticket)
    closed = Ticket.objects.filter(status=Status.CLOSED)
    assert not closed.filter(Q(resolved_at__isnull=True) | Q(closed_at__isnull=True)).exists()
    evaluated = closed.exclude(satisfaction="")
    assert evaluated.exists() and not evaluated.exclude(events__action="evaluate").exists()
    assert not Ticket.objects.filter(status__in=LIVE, paused_at__isnull=True,
                                     next_check_at__isnull=True).exclude(
        status=Status.RETURNED).exists()


def test_late_steps_left_reminders_and_the_first_sweep_owes_no_past_warning(district):
    late = TicketEvent.objects.filter(action="resolve", data__on_time=False)
    assert late.exists()
    reminded = set(Reminder.objects.filter(stage="resolve", kind="overdue").values_list(
        "ticket_id", flat=True))
    assert set(late.values_list("ticket_id", flat=True)) <= reminded
    overdue = Ticket.objects.filter(selectors.overdue_q(timezone.now()))
    assert not overdue.exclude(reminders__kind="overdue").exists()
    # What the history already warned about is not warned about again.
    done = sweep(timezone.now())
    assert not any(key.endswith(":due_soon") or key.endswith(":overdue") for key in done
                   if not key.startswith("follow_up")), done


def test_topping_up_adds_tickets_without_duplicating_people_or_tickets(district):
    users, events = get_user_model().objects.count(), TicketEvent.objects.count()
    first = set(Ticket.objects.values_list("reference", flat=True))
    result = top_up_tickets(3000)
    assert result.tickets == 1000 and Ticket.objects.count() == 3000
    assert first <= set(Ticket.objects.values_list("reference", flat=True))
    assert TicketEvent.objects.count() > events
    assert top_up_tickets(3000).tickets == 0 and Ticket.objects.count() == 3000
    build_district(communities=2, work_units=1, households=120, residents=300, tickets=3000)
    assert get_user_model().objects.count() == users
    assert Household.objects.count() == district.households


def test_seed_demo_district_builds_and_tops_up_the_street(capsys):
    from django.core.management import CommandError, call_command

    from tickets.district import STREET, district_ticket_count

    small = ["--district", "--communities", "2", "--work-units", "1", "--households", "40",
             "--residents", "100"]
    call_command("seed_demo", *small, "--tickets", "300")
    out = capsys.readouterr().out
    assert f"District {STREET}" in out and "300 ticket(s) in all" in out
    assert GridNode.objects.filter(code=STREET).exists()
    assert not GridNode.objects.filter(code="SJC").exists()  # the demo community is not loaded
    nodes = GridNode.objects.count()
    call_command("seed_demo", *small, "--tickets", "500")
    assert district_ticket_count() == 500 and GridNode.objects.count() == nodes
    with pytest.raises(CommandError):
        call_command("seed_demo", "--district", "--communities", "2", "--work-units", "2")
