"""Re-encrypt every encrypted field under the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy,
run this command, then remove the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from hub import crypto


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields with the newest key."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            names = [f.attname for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)]
            if not names:
                continue
            count = 0
            with transaction.atomic():
                # Loading decrypts with whichever key fits; saving encrypts with the first key.
                for obj in model._base_manager.order_by("pk").iterator(chunk_size=500):
                    obj.save(update_fields=names)
                    count += 1
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows ({', '.join(names)})")
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows under the newest key."))
