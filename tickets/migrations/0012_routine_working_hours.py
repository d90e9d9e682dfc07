"""The default deadline policies: routine tickets count their hours on working days; the urgent
classes (key, city-level key, emergency) keep counting wall-clock hours."""

from django.db import migrations


def routine_in_working_hours(apps, schema_editor):
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    SLAPolicy.objects.filter(whistle="routine").update(clock="working")


def back_to_wall_clock(apps, schema_editor):
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    SLAPolicy.objects.filter(whistle="routine").update(clock="wall")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_sla_clock")]
    operations = [migrations.RunPython(routine_in_working_hours, back_to_wall_clock)]
