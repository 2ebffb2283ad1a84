import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.models import TOTPDevice
from tests import factories


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return old, new


def _raw_secret(device_id):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {TOTPDevice._meta.db_table} WHERE id = %s", [device_id])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_secret_is_encrypted_at_rest_and_read_back(keys):
    device = TOTPDevice.objects.create(user=factories.UserFactory(), name="phone", secret="JBSWY3DPEHPK3PXP")
    raw = _raw_secret(device.pk)
    assert "JBSWY3DPEHPK3PXP" not in raw
    assert TOTPDevice.objects.get(pk=device.pk).secret == "JBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_key_rotation_re_encrypts_under_the_new_key(keys, settings):
    old, new = keys
    device = TOTPDevice.objects.create(user=factories.UserFactory(), name="phone", secret="JBSWY3DPEHPK3PXP")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_field_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is retired
    assert TOTPDevice.objects.get(pk=device.pk).secret == "JBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_value_under_an_unknown_key_fails_loudly(keys, settings):
    device = TOTPDevice.objects.create(user=factories.UserFactory(), name="phone", secret="JBSWY3DPEHPK3PXP")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="no longer configured"):
        TOTPDevice.objects.get(pk=device.pk)
