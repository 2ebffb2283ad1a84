"""Move attachments saved under their uploader's file name to random names.

New attachments get random names from `attachment_path`; this renames the ones saved before, so
no file on disk keeps a name a sender chose (`photo.html`). The name people see stays in
`original_name`. Files already missing from storage are left as they are.
"""

import uuid

from django.db import migrations


def _rename(apps, schema_editor):
    Attachment = apps.get_model("messaging", "Attachment")
    for attachment in Attachment.objects.select_related("message").iterator(chunk_size=500):
        storage = attachment.file.storage
        old_name = attachment.file.name
        folder = old_name.rsplit("/", 1)[0] if "/" in old_name else ""
        tail = old_name.rsplit("/", 1)[-1]
        if len(tail) == 32 and all(c in "0123456789abcdef" for c in tail):
            continue  # already random
        if not old_name or not storage.exists(old_name):
            continue
        with storage.open(old_name, "rb") as content:
            new_name = storage.save(f"{folder}/{uuid.uuid4().hex}" if folder else uuid.uuid4().hex, content)
        Attachment.objects.filter(pk=attachment.pk).update(file=new_name)
        storage.delete(old_name)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_access_lost_and_notification_target")]

    operations = [migrations.RunPython(_rename, migrations.RunPython.noop)]
