"""Message translations become stored translations of any field of any object.

Every MessageTranslation row is copied into StoredTranslation (field "body" of its message, under
its conversation's school) with its encrypted body copied as it is, ciphertext to ciphertext, so
no key is needed and nothing is decrypted on the way; then MessageTranslation is removed.
The copies carry no glossary version: at a school that has glossary terms they are stale and
are translated again, with the current glossary, the next time they are asked for.

Reversible: going back copies the message-body rows into MessageTranslation again. Translations
of other fields (conversation subjects) have nowhere to go and are dropped; they are a cache and
are made again after migrating forward.
"""

import django.db.models.deletion
import django.utils.timezone
import hub.crypto
from django.db import migrations, models


def _tables(apps):
    return (
        apps.get_model("messaging", "MessageTranslation")._meta.db_table,
        apps.get_model("messaging", "StoredTranslation")._meta.db_table,
        apps.get_model("messaging", "Message")._meta.db_table,
        apps.get_model("messaging", "Conversation")._meta.db_table,
    )


def message_translations_to_stored(apps, schema_editor):
    old, new, message, conversation = (schema_editor.quote_name(name) for name in _tables(apps))
    MessageTranslation = apps.get_model("messaging", "MessageTranslation")
    database = schema_editor.connection.alias
    if not MessageTranslation.objects.using(database).exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    message_type, _ = ContentType.objects.using(database).get_or_create(app_label="messaging", model="message")
    # One statement, the same on SQLite and PostgreSQL; the body column is copied unread.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {new} (content_type_id, object_id, field, language, body, engine, source_language,"  # noqa: S608 - table names from the models, values as parameters
            f" glossary_version, school_id, created_at)"
            f" SELECT %s, t.message_id, %s, t.language, t.body, t.engine, t.source_language, %s, c.school_id,"
            f" t.created_at FROM {old} t JOIN {message} m ON m.id = t.message_id"
            f" JOIN {conversation} c ON c.id = m.conversation_id",
            [message_type.pk, "body", ""],
        )


def stored_to_message_translations(apps, schema_editor):
    old, new, _message, _conversation = (schema_editor.quote_name(name) for name in _tables(apps))
    ContentType = apps.get_model("contenttypes", "ContentType")
    database = schema_editor.connection.alias
    message_type = ContentType.objects.using(database).filter(app_label="messaging", model="message").first()
    if message_type is None:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {old} (message_id, language, body, engine, source_language, created_at)"  # noqa: S608 - as above
            f" SELECT s.object_id, s.language, s.body, s.engine, s.source_language, s.created_at"
            f" FROM {new} s WHERE s.content_type_id = %s AND s.field = %s",
            [message_type.pk, "body"],
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_audit_chains_per_school'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('messaging', '0005_attachment_random_file_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='StoredTranslation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField()),
                ('field', models.CharField(max_length=64)),
                ('language', models.CharField(max_length=16)),
                ('body', hub.crypto.EncryptedTextField(blank=True)),
                ('engine', models.CharField(max_length=32)),
                ('source_language', models.CharField(blank=True, max_length=16)),
                ('glossary_version', models.CharField(blank=True, max_length=16)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype')),
                ('school', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.school')),
            ],
            options={
                'verbose_name': 'stored translation',
                'verbose_name_plural': 'stored translations',
            },
        ),
        migrations.AddConstraint(
            model_name='storedtranslation',
            constraint=models.UniqueConstraint(fields=('content_type', 'object_id', 'field', 'language'), name='stored_translation_unique'),
        ),
        migrations.RunPython(message_translations_to_stored, stored_to_message_translations),
        migrations.DeleteModel(
            name='MessageTranslation',
        ),
    ]
