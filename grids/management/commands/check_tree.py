from django.core.management.base import BaseCommand, CommandError

from grids.integrity import find_tree_damage
from grids.services import tree_rebuild


class Command(BaseCommand):
    help = "Verify the grid tree's nested-set columns; --repair rebuilds them from parent links."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Rebuild a damaged tree.")

    def handle(self, *args, repair: bool = False, **options):
        problems = find_tree_damage()
        if not problems:
            self.stdout.write(self.style.SUCCESS("Grid tree is sound."))
            return
        for line in problems:
            self.stderr.write(line)
        if not repair:
            raise CommandError(f"Grid tree is damaged: {len(problems)} problem(s).")
        tree_rebuild()
        remaining = find_tree_damage()
        if remaining:
            raise CommandError(f"Rebuild left {len(remaining)} problem(s).")
        self.stdout.write(self.style.SUCCESS("Grid tree repaired."))
