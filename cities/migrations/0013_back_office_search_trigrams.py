from django.db import migrations

# (index, table, column): the columns the back office and the searchable choices match with
# icontains, i.e. UPPER(col::text) LIKE UPPER('%…%'); city name has city_name_trgm (0011) already.
TRIGRAM_INDEXES = [
    ("city_region_trgm", "cities_city", "region"),
    ("city_procurement_unit_trgm", "cities_city", "procurement_unit"),
    ("city_country_trgm", "cities_city", "country"),
    ("user_full_name_trgm", "cities_user", "full_name"),
    ("user_email_trgm", "cities_user", "email"),
]


def create_indexes(apps, schema_editor):
    """Trigram indexes on the expression Django's icontains compiles to (the pg_trgm extension
    comes from 0011); on PostgreSQL only (SQLite, the demo, has no pg_trgm and no need)."""
    if schema_editor.connection.vendor == "postgresql":
        for name, table, column in TRIGRAM_INDEXES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (upper({column}::text) gin_trgm_ops)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _column in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cities", "0012_coordinators_index"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
