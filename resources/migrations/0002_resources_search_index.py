"""The GIN index on the stored search vector, on PostgreSQL only (SQLite searches by a plain match
and has no such index). Kept out of Meta.indexes so the SQLite demo migrates too."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS resources_search_gin ON resources_resource USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS resources_search_gin")


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_resources_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
