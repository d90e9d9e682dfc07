import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from grids.boundary_io import export_boundaries
from grids.models import GridNode


class Command(BaseCommand):
    help = ("Write the grid boundaries as a GeoJSON FeatureCollection (WGS-84), each feature "
            "named by its node's code, as import_boundaries reads them.")

    def add_arguments(self, parser):
        parser.add_argument("--within", help="A node code: only its subtree.")
        parser.add_argument("--output", "-o", help="A file to write (default: the terminal).")

    def handle(self, *args, within: str | None = None, output: str | None = None, **options):
        actor = get_user_model().objects.filter(is_active=True, is_superuser=True) \
            .order_by("pk").first()
        if actor is None:
            raise CommandError("No active superuser.")
        node = None
        if within:
            node = GridNode.objects.filter(code=within).first()
            if node is None:
                raise CommandError(f"No node has the code {within}.")
        text = json.dumps(export_boundaries(user=actor, within=node), ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            self.stdout.write(text)
