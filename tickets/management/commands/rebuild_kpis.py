from django.core.management.base import BaseCommand

from tickets import rollup


class Command(BaseCommand):
    help = ("Recompute the KPI rollup from the tickets and re-install its triggers (after a "
            "restore, a bulk load or a change of TIME_ZONE). With --fold, only fold the "
            "pending changes (Celery beat does that every minute).")

    def add_arguments(self, parser):
        parser.add_argument("--fold", action="store_true",
                            help="fold the pending changes into the rollup and stop")

    def handle(self, *args, **options):
        if options["fold"]:
            self.stdout.write(f"KPI rollup: {rollup.fold_all()} changes folded.")
            return
        counts = rollup.rebuild()
        self.stdout.write("KPI rollup rebuilt: " + ", ".join(
            f"{value:,} {key}" for key, value in counts.items()) + ".")
