from django.core.management.base import BaseCommand

from tickets.sweep import sweep


class Command(BaseCommand):
    help = "Run the deadline sweep once (Celery beat runs it every minute)."

    def handle(self, *args, **options):
        counts = sweep()
        summary = ", ".join(f"{key} {value}" for key, value in sorted(counts.items()))
        self.stdout.write(f"Deadline sweep: {summary or 'nothing due'}.")
