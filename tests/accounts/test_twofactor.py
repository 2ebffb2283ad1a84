"""Two-factor set-up and sign-in for each method, through the real pages."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice

from accounts.models import AuditEntry, BackupCode, BackupCodeDevice, TOTPDevice
from accounts.twofactor import services
from tests.accounts.conftest import (
    code_in,
    current_totp_code,
    end_throttle_pause,
    next_totp_code,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.django_db

VERIFY = reverse("twofactor:verify")
HOME = reverse("home")


def enrol_totp(client, user) -> TOTPDevice:
    """Set up an authenticator through the pages; the session ends verified."""
    client.post(reverse("twofactor:totp_start"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("twofactor:totp"), {"code": current_totp_code(device)})
    assert response.status_code == 302, response.content.decode()[:2000]
    device.refresh_from_db()
    assert device.confirmed
    return device


# ---- authenticator app -------------------------------------------------------------------------


def test_totp_setup_page_shows_qr_code_and_key(client, parent):
    client.force_login(parent)
    client.post(reverse("twofactor:totp_start"))
    response = client.get(reverse("twofactor:totp"))
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=parent)
    assert response.status_code == 200
    assert '<svg role="img" aria-label="QR code' in page
    assert 'id="totp-secret"' in page
    grouped = " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4))
    assert grouped in page
    assert not device.confirmed


def test_totp_secret_is_encrypted_at_rest(client, parent):
    client.force_login(parent)
    device = services.totp_begin(parent)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {TOTPDevice._meta.db_table} WHERE id = %s", [device.pk])  # noqa: S608
        stored = cursor.fetchone()[0]
    assert device.secret not in stored
    assert TOTPDevice.objects.get(pk=device.pk).secret == device.secret


def test_totp_wrong_code_refused_at_setup(client, parent):
    client.force_login(parent)
    client.post(reverse("twofactor:totp_start"))
    device = TOTPDevice.objects.get(user=parent)
    wrong = "000000" if current_totp_code(device) != "000000" else "111111"
    response = client.post(reverse("twofactor:totp"), {"code": wrong})
    assert response.status_code == 422
    assert "govuk-error-summary" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_totp_from_setup_to_sign_in(client, parent):
    sign_in(client, parent)
    enrol_totp(client, parent)
    assert AuditEntry.objects.filter(action="twofactor.totp_enabled", target_id=str(parent.pk)).exists()
    sign_out(client)

    response = sign_in(client, parent)
    assert response.status_code == 302
    # Before the code, every page sends them to the verify step.
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert "next=%2F" in response["Location"]

    device = TOTPDevice.objects.get(user=parent)
    response = client.post(VERIFY, {"method": "totp", "code": "999999", "next": HOME})
    assert response.status_code == 422
    assert client.get(HOME).status_code == 302

    end_throttle_pause(device)
    response = client.post(VERIFY, {"method": "totp", "code": next_totp_code(device), "next": HOME})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_totp_code_cannot_be_replayed(client, parent):
    sign_in(client, parent)
    device = enrol_totp(client, parent)
    sign_out(client)
    code = next_totp_code(device)

    sign_in(client, parent)
    assert client.post(VERIFY, {"method": "totp", "code": code}).status_code == 302
    sign_out(client)

    sign_in(client, parent)
    response = client.post(VERIFY, {"method": "totp", "code": code})
    assert response.status_code == 422
    assert client.get(HOME).status_code == 302


def test_a_right_code_straight_after_a_wrong_one_waits_for_the_throttle(client, parent):
    sign_in(client, parent)
    device = enrol_totp(client, parent)
    sign_out(client)
    sign_in(client, parent)
    client.post(VERIFY, {"method": "totp", "code": "999999"})
    response = client.post(VERIFY, {"method": "totp", "code": next_totp_code(device)})
    assert response.status_code == 422
    assert "Wait" in response.content.decode()


# ---- backup codes ------------------------------------------------------------------------------


def test_backup_codes_are_shown_once_and_stored_hashed(client, parent):
    client.force_login(parent)
    device = enrol_totp(client, parent)
    response = client.post(reverse("twofactor:backup_codes"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    # The service's own answer, to compare with storage; regenerating needs a current code.
    codes = services.backup_codes_generate(parent, current_code=next_totp_code(device))
    assert len(codes) == 10
    assert len(set(codes)) == 10

    stored = list(BackupCode.objects.filter(device__user=parent).values_list("code_hash", flat=True))
    assert len(stored) == 10  # regenerating replaced the first ten
    for code in codes:
        bare = code.replace("-", "")
        assert all(bare not in value and code not in value for value in stored)
    assert all(identify_hasher(value) for value in stored)
    # The page shows codes only in the response to the POST, never on a later visit.
    again = client.get(reverse("twofactor:backup_codes")).content.decode()
    assert 'id="backup-codes"' in page
    assert 'id="backup-codes"' not in again


def test_backup_code_works_once(client, parent):
    sign_in(client, parent)
    enrol_totp(client, parent)
    codes = services.backup_codes_generate(parent, just_enrolled=True)
    sign_out(client)

    sign_in(client, parent)
    response = client.post(VERIFY, {"method": "backup", "code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    sign_out(client)

    sign_in(client, parent)
    response = client.post(VERIFY, {"method": "backup", "code": codes[0]})
    assert response.status_code == 422
    end_throttle_pause(BackupCodeDevice.objects.get(user=parent))
    assert client.post(VERIFY, {"method": "backup", "code": codes[1]}).status_code == 302
    assert BackupCode.objects.filter(device__user=parent, used_at__isnull=True).count() == 8


def test_backup_codes_need_a_primary_method(parent):
    with pytest.raises(services.TwoFactorError):
        services.backup_codes_generate(parent, just_enrolled=True)
    assert not BackupCodeDevice.objects.filter(user=parent).exists()


# ---- email -------------------------------------------------------------------------------------


def test_email_codes_from_setup_to_sign_in_through_smtp(client, parent, smtp_server):
    sign_in(client, parent)
    response = client.post(reverse("twofactor:email_send"))
    assert response.status_code == 302
    message = smtp_server.wait_for(1)
    assert message["to"] == [parent.email]
    assert message["subject"] == "Your Homeroom sign-in code"

    response = client.post(reverse("twofactor:email"), {"code": "12345"})
    assert response.status_code == 422
    device = EmailDevice.objects.get(user=parent)
    end_throttle_pause(device)
    response = client.post(reverse("twofactor:email"), {"code": code_in(message["body"])})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    sign_out(client)

    sign_in(client, parent)
    response = client.get(VERIFY)
    assert "Send me a code by email" in response.content.decode()
    response = client.post(reverse("twofactor:verify_send"), {"method": "email", "next": HOME})
    assert response.status_code == 302
    sign_in_code = code_in(smtp_server.wait_for(2)["body"])
    response = client.post(VERIFY, {"method": "email", "code": sign_in_code, "next": HOME})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    # A used email code does not work again.
    sign_out(client)
    sign_in(client, parent)
    assert client.post(VERIFY, {"method": "email", "code": sign_in_code}).status_code == 422


def test_email_code_cannot_be_resent_at_once(client, parent, smtp_server):
    client.force_login(parent)
    client.post(reverse("twofactor:email_send"))
    smtp_server.wait_for(1)
    device = EmailDevice.objects.get(user=parent)
    with pytest.raises(services.CodeNotSent):
        services.challenge_send(user=parent, device=device)


# ---- turning it off ----------------------------------------------------------------------------


def test_turning_off_needs_a_current_code(client, parent):
    sign_in(client, parent)
    device = enrol_totp(client, parent)
    services.backup_codes_generate(parent, just_enrolled=True)

    response = client.post(reverse("twofactor:disable"), {"code": "123456"})
    assert response.status_code == 422
    assert TOTPDevice.objects.filter(user=parent, confirmed=True).exists()

    for model in (TOTPDevice, BackupCodeDevice):
        model.objects.filter(user=parent).update(throttling_failure_timestamp=None)
    response = client.post(reverse("twofactor:disable"), {"code": next_totp_code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=parent).exists()
    assert not BackupCodeDevice.objects.filter(user=parent).exists()
    assert AuditEntry.objects.filter(action="twofactor.disabled", target_id=str(parent.pk)).exists()
    assert client.get(HOME).status_code == 200


def test_turning_off_with_a_backup_code(client, parent):
    client.force_login(parent)
    enrol_totp(client, parent)
    codes = services.backup_codes_generate(parent, just_enrolled=True)
    assert client.post(reverse("twofactor:disable"), {"code": codes[3]}).status_code == 302
    assert not TOTPDevice.objects.filter(user=parent).exists()


# ---- wrong codes are rate-limited --------------------------------------------------------------


def test_five_wrong_codes_lock_out_even_the_right_code(client, parent):
    sign_in(client, parent)
    device = enrol_totp(client, parent)
    sign_out(client)
    sign_in(client, parent)
    for _attempt in range(services.WRONG_CODE_LIMIT):
        end_throttle_pause(device)
        response = client.post(VERIFY, {"method": "totp", "code": "999999"})
        assert response.status_code == 422
        assert "Too many wrong codes" not in response.content.decode()
    end_throttle_pause(device)
    response = client.post(VERIFY, {"method": "totp", "code": next_totp_code(device)})
    assert response.status_code == 422
    assert "Too many wrong codes. Wait 5 minutes" in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_the_lockout_ends_after_the_window(parent, monkeypatch):
    device = services.totp_begin(parent)
    device.confirmed = True
    device.save()
    for _attempt in range(services.WRONG_CODE_LIMIT):
        end_throttle_pause(device)
        with pytest.raises(services.WrongCode):
            services.verify_second_factor(parent, "999999")
    with pytest.raises(services.TooManyWrongCodes):
        services.verify_second_factor(parent, "999999")
    code = next_totp_code(device)
    later = services.time.time() + services.WRONG_CODE_WINDOW + 1
    monkeypatch.setattr(services.time, "time", lambda: later)  # only the lockout's clock moves on
    end_throttle_pause(device)
    assert services.verify_second_factor(parent, code) is not None
