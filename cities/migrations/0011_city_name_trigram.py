from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def create_index(apps, schema_editor):
    """The coordinators' round search by city name (icontains, i.e. UPPER(name) LIKE '%…%') served
    by a trigram index; on PostgreSQL only (SQLite, the demo, has no pg_trgm and no need)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS city_name_trgm ON cities_city USING gin (upper(name::text) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS city_name_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ("cities", "0010_indexes_for_scale"),
    ]

    operations = [
        # Guarded by Django: a no-op on SQLite.
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
