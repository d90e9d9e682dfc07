from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from committees.demo import seed_committees
from gridportal.db import analyze
from grids.demo import seed_grids
from interop.demo import seed_clients
from residents.demo import seed_registry
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = "Load the demo community (idempotent: a second run adds nothing twice)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1,
                            help="Multiply the demo buildings, residents and tickets by N.")
        parser.add_argument("--district", action="store_true",
                            help="Load a street of 13 communities to measure on (莲华街道, "
                                 "bench/district.py) instead of the demo community.")
        district = parser.add_argument_group("with --district")
        district.add_argument("--tickets", type=int, default=10_000,
                              help="Tickets over three years (a second run tops up to this).")
        district.add_argument("--communities", type=int, default=13)
        district.add_argument("--work-units", type=int, default=4,
                              help="How many of the communities are work-unit communities.")
        district.add_argument("--households", type=int, default=60_000)
        district.add_argument("--residents", type=int, default=170_000)

    def handle(self, *args, scale: int = 1, district: bool = False, **options):
        if district:
            self._district(**options)
            return
        grids = seed_grids()
        self.stdout.write(
            f"Demo grid tree: {grids.created_nodes} node(s) and "
            f"{grids.created_users} user(s) added."
        )
        registry = seed_registry(scale=max(1, scale))
        self.stdout.write(
            f"Demo registry: {registry.buildings} building(s), {registry.households} "
            f"household(s), {registry.residents} resident(s), {registry.visits} visit(s) added."
        )
        tickets = seed_tickets(scale=max(1, scale))
        self.stdout.write(
            f"Demo tickets: {tickets.tickets} ticket(s) with {tickets.events} timeline event(s) "
            f"added ({tickets.closed} closed, {tickets.open} open, {tickets.overdue} overdue)."
        )
        committees = seed_committees()
        self.stdout.write(
            f"Demo committees: {committees.committees} committee(s), {committees.meetings} "
            f"meeting(s) with {committees.decision_tickets} decision ticket(s) "
            f"({committees.open_decision_tickets} open), {committees.partners} partner unit(s), "
            f"{committees.activities} campaign(s) with {committees.participants} participant(s) "
            f"added; {committees.board_published} need(s) approved for the public board, "
            f"{committees.board_pending} awaiting approval."
        )
        clients = seed_clients()
        analyzed = analyze()
        if analyzed:
            self.stdout.write(f"Planner statistics refreshed for {len(analyzed)} table(s).")
        if settings.DEMO_MODE:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (password for all: {settings.DEMO_PASSWORD}):")
            for username, description in grids.logins:
                self.stdout.write(f"  {username:<20} {description}")
            self.stdout.write("Demo API keys (Open311 api_key; work orders: "
                              "Authorization: Api-Key <key>):")
            for client in clients:
                self.stdout.write(f"  {client.key}  {client.name}")
        else:
            self.stdout.write("Not in demo mode: demo users have no usable password; "
                              "set one with `manage.py changepassword`.")

    def _district(self, *, tickets: int, communities: int, work_units: int, households: int,
                  residents: int, **options) -> None:
        from tickets.district import STREET, build_district, district_ticket_count

        if not 1 <= work_units < communities:
            raise CommandError("--work-units must be at least 1 and fewer than --communities.")
        seeded = build_district(communities=communities, work_units=work_units,
                                households=households, residents=residents, tickets=tickets)
        self.stdout.write(
            f"District {STREET}: {seeded.nodes} node(s) and {seeded.users} user(s) added, "
            f"{seeded.buildings} building(s), {seeded.households} household(s), "
            f"{seeded.residents} resident(s) added; {district_ticket_count()} ticket(s) in all.")
