import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from grids.boundary_io import import_boundaries, read_kml


class Command(BaseCommand):
    help = ("Set grid boundaries from a GeoJSON FeatureCollection (WGS-84), each feature matched "
            "to a node by properties.code, or from a .kml file (each placemark's ExtendedData "
            "code, or its name); all or nothing. --dry-run checks without saving.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="A .geojson file (a FeatureCollection) or a .kml file.")
        parser.add_argument("--dry-run", action="store_true", help="Check; save nothing.")
        parser.add_argument("--user", help="Who makes the change (default: the first "
                                           "active superuser).")

    def handle(self, *args, path: str, dry_run: bool = False, user: str | None = None,
               **options):
        users = get_user_model().objects.filter(is_active=True)
        actor = (users.filter(username=user) if user else
                 users.filter(is_superuser=True).order_by("pk")).first()
        if actor is None:
            raise CommandError(f"No active user {user}." if user else "No active superuser.")
        try:
            if path.lower().endswith(".kml"):
                document = read_kml(path)
            else:
                with open(path, encoding="utf-8") as file:
                    document = json.load(file)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            report = import_boundaries(actor=actor, document=document, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for line in report.errors:
            self.stderr.write(line)
        if not report.ok:
            raise CommandError(f"{len(report.errors)} feature(s) refused; nothing was saved.")
        verb = "would change" if dry_run else "changed"
        self.stdout.write(self.style.SUCCESS(
            f"{len(report.changed)} boundaries {verb}, {len(report.unchanged)} unchanged"
            + (" (dry run: nothing saved)." if dry_run else ".")))
