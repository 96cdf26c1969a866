from django.db import migrations


def create_index(apps, schema_editor):
    """The coordinators' round search by title (icontains, i.e. UPPER(title) LIKE '%…%') served by
    a trigram index; on PostgreSQL only (pg_trgm is created by cities 0011; SQLite has no need)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS round_title_trgm ON peerreview_round "
            "USING gin (upper(title::text) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS round_title_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ("cities", "0011_city_name_trigram"),
        ("peerreview", "0019_synthesis_tallies"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
