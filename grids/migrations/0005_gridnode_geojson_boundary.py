from django.db import migrations, models


class Migration(migrations.Migration):
    """The node's description of what it covers keeps its text as `coverage`; `boundary` becomes
    the node's GeoJSON geometry."""

    dependencies = [
        ("grids", "0004_one_phone_rule"),
    ]

    operations = [
        migrations.RenameField(model_name="gridnode", old_name="boundary", new_name="coverage"),
        migrations.AlterField(
            model_name="gridnode",
            name="coverage",
            field=models.TextField(
                blank=True,
                help_text="Streets, estates and buildings that the node covers.",
                verbose_name="area covered",
            ),
        ),
        migrations.AddField(
            model_name="gridnode",
            name="boundary",
            field=models.JSONField(
                blank=True,
                help_text="A GeoJSON Polygon or MultiPolygon, WGS-84 longitude and latitude.",
                null=True,
                verbose_name="boundary",
            ),
        ),
    ]
