"""Database housekeeping the portal does itself."""

from collections.abc import Iterable

from django.apps import apps
from django.db import connection
from django.db.models import Model


def analyze(models: Iterable[type[Model]] | None = None) -> list[str]:
    """Refresh PostgreSQL's planner statistics for the tables a bulk write filled (every table
    of the portal's apps when none are named); nothing on other databases. Straight after
    100,000 residents were seeded, a stats page took 13–15 s and a colour map 2 s on stale
    statistics; after ANALYZE, 0.5 s and 0.05 s. Returns the tables analysed."""
    if connection.vendor != "postgresql":
        return []
    if models is None:
        models = [model for label in ("grids", "residents", "tickets", "committees")
                  for model in apps.get_app_config(label).get_models()]
    tables = sorted({model._meta.db_table for model in models}
                    | {field.remote_field.through._meta.db_table for model in models
                       for field in model._meta.local_many_to_many
                       if field.remote_field.through._meta.auto_created})
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return tables
