"""Changing a second factor from the outside: a borrowed session cannot swap in its own
authenticator or backup codes, the owner is emailed about every change, and text-message codes
stop at their limits."""

import time
import types

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEntry, BackupCode, BackupCodeDevice, SMSDevice, TOTPDevice
from accounts.twofactor import services
from hub import sms
from tests import factories
from tests.accounts.conftest import code_in, next_totp_code, sign_in
from tests.accounts.test_twofactor import enrol_totp
from tests.conftest import force_verified_login

pytestmark = pytest.mark.django_db

TOTP_START = reverse("twofactor:totp_start")
BACKUP_CODES = reverse("twofactor:backup_codes")
SMS_SEND = reverse("twofactor:sms_send")
NUMBER = "+254711123456"
OTHER_NUMBER = "+254722000111"


@pytest.fixture
def enrolled(client, parent, django_capture_on_commit_callbacks):
    """`parent`, signed in with an authenticator and backup codes set up through the pages."""
    sign_in(client, parent)
    device = enrol_totp(client, parent)
    assert client.post(BACKUP_CODES).status_code == 200  # the first codes, straight after set-up
    mail.outbox.clear()
    return device


def stored_backup_hashes(user) -> set[str]:
    return set(BackupCode.objects.filter(device__user=user).values_list("code_hash", flat=True))


# ---- replacing the authenticator ---------------------------------------------------------------


def test_replacing_the_authenticator_without_a_current_code_is_refused(client, parent, enrolled):
    page = client.get(TOTP_START)
    assert page.status_code == 200
    assert 'name="current_code"' in page.content.decode()

    response = client.post(TOTP_START)
    assert response.status_code == 422
    assert "Enter a code from the way you sign in now" in response.content.decode()
    response = client.post(TOTP_START, {"current_code": "000000"})
    assert response.status_code == 422
    assert not TOTPDevice.objects.filter(user=parent, confirmed=False).exists()
    assert list(TOTPDevice.objects.filter(user=parent)) == [enrolled]


def test_replacing_the_authenticator_with_a_current_code_works_and_the_owner_is_told(
    client, parent, enrolled, django_capture_on_commit_callbacks
):
    response = client.post(TOTP_START, {"current_code": next_totp_code(enrolled)})
    assert response.status_code == 302
    new = TOTPDevice.objects.get(user=parent, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("twofactor:totp"), {"code": next_totp_code(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=parent)) == [new]
    assert [message.to for message in mail.outbox] == [[parent.email]]
    assert "authenticator app was set up" in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="twofactor.totp_enabled", details__replaced=True).exists()


def test_adding_text_message_codes_beside_an_authenticator_needs_a_current_code(client, parent, enrolled):
    response = client.post(SMS_SEND, {"phone": NUMBER})
    assert response.status_code == 422
    assert sms.outbox == []
    assert not SMSDevice.objects.filter(user=parent).exists()


# ---- backup codes ------------------------------------------------------------------------------


def test_regenerating_backup_codes_without_a_current_code_is_refused(client, parent, enrolled):
    before = stored_backup_hashes(parent)
    response = client.post(BACKUP_CODES)
    assert response.status_code == 422
    assert "Enter a code from the way you sign in now" in response.content.decode()
    assert client.post(BACKUP_CODES, {"current_code": "123456"}).status_code == 422
    assert stored_backup_hashes(parent) == before


def test_regenerating_backup_codes_with_a_current_code_works_and_the_owner_is_told(
    client, parent, enrolled, django_capture_on_commit_callbacks
):
    before = stored_backup_hashes(parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BACKUP_CODES, {"current_code": next_totp_code(enrolled)})
    assert response.status_code == 200
    assert stored_backup_hashes(parent).isdisjoint(before)
    assert [message.to for message in mail.outbox] == [[parent.email]]
    assert "backup codes were created" in mail.outbox[0].body


def test_a_borrowed_session_cannot_create_the_first_backup_codes(client, parent):
    # Signed in and verified (say, a phone left unlocked), but no method was just set up here.
    device = force_verified_login(client, parent)
    assert client.post(BACKUP_CODES).status_code == 422
    assert not BackupCodeDevice.objects.filter(user=parent).exists()
    assert client.post(BACKUP_CODES, {"current_code": next_totp_code(device)}).status_code == 200
    assert BackupCodeDevice.objects.filter(user=parent).exists()


def test_turning_two_factor_off_emails_the_owner(client, parent, enrolled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("twofactor:disable"), {"code": next_totp_code(enrolled)})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[parent.email]]
    assert "turned off" in mail.outbox[0].body


def test_services_refuse_a_change_without_a_current_code(parent):
    device = services.totp_begin(parent)
    services.totp_confirm(user=parent, device=device, code=next_totp_code(device))
    with pytest.raises(services.CurrentCodeNeeded):
        services.totp_begin(parent)
    with pytest.raises(services.CurrentCodeNeeded):
        services.backup_codes_generate(parent)
    with pytest.raises(services.WrongCode):
        services.sms_device_setup(parent, NUMBER, current_code="999999")


# ---- text-message codes: limits and one pending device -----------------------------------------


def end_cooldown(user) -> None:
    """Skip django-otp's 30-second pause between codes to one device (the limits below still count)."""
    SMSDevice.objects.filter(user=user).update(last_generated_timestamp=None)


def ask_for_code(client, user, number=NUMBER):
    end_cooldown(user)
    return client.post(SMS_SEND, {"phone": number})


@pytest.fixture
def clock(monkeypatch):
    """The rate limiter's clock, moved forward by hand (the counts live in Redis, keyed by time)."""
    from allauth.core.internal import ratelimit as limiter

    now = [time.time()]
    fake = types.SimpleNamespace(time=lambda: now[0], monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(limiter, "time", fake)

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def test_asking_again_reuses_the_pending_device(client, parent):
    sign_in(client, parent)
    assert ask_for_code(client, parent).status_code == 302
    first = SMSDevice.objects.get(user=parent)
    assert ask_for_code(client, parent, OTHER_NUMBER).status_code == 302
    again = SMSDevice.objects.get(user=parent)  # still one device: the same row, new number
    assert again.pk == first.pk
    assert again.phone_number == OTHER_NUMBER
    assert [message.to for message in sms.outbox] == [NUMBER, OTHER_NUMBER]
    # The newest code confirms it; the pause between codes to one device cannot be dodged.
    assert client.post(SMS_SEND, {"phone": NUMBER}).status_code == 422
    assert len(sms.outbox) == 2
    response = client.post(reverse("twofactor:sms"), {"code": code_in(sms.outbox[-1].body)})
    assert response.status_code == 302
    assert SMSDevice.objects.get(user=parent).confirmed


def test_text_message_codes_stop_at_the_limit_per_person(client, parent):
    sign_in(client, parent)
    for _ in range(3):
        assert ask_for_code(client, parent).status_code == 302
    response = ask_for_code(client, parent, OTHER_NUMBER)  # another number does not help
    assert response.status_code == 422
    assert "too many text message codes" in response.content.decode()
    assert len(sms.outbox) == 3
    assert SMSDevice.objects.filter(user=parent).count() == 1
    assert AuditEntry.objects.filter(action="twofactor.sms_limited", target_id=str(parent.pk)).exists()


def test_text_message_codes_stop_at_the_limit_per_number(client):
    people = [factories.UserFactory() for _ in range(4)]
    for person in people[:3]:
        client.force_login(person)
        assert ask_for_code(client, person).status_code == 302
    client.force_login(people[3])
    response = ask_for_code(client, people[3])
    assert response.status_code == 422
    assert len(sms.outbox) == 3
    assert not SMSDevice.objects.filter(user=people[3]).exists()


def test_text_message_codes_stop_at_the_limit_per_day(client, parent, clock):
    sign_in(client, parent)
    sent = 0
    for _ in range(5):  # five quarter-hours: 3 + 3 + 3 + 1 allowed, then the day's 10 are used
        for _ in range(3):
            if ask_for_code(client, parent).status_code == 302:
                sent += 1
        clock(16 * 60)
    assert sent == 10
    assert len(sms.outbox) == 10
    clock(24 * 60 * 60)
    assert ask_for_code(client, parent).status_code == 302  # a new day


def test_sign_in_codes_by_text_message_count_towards_the_limit(client, parent):
    device = SMSDevice.objects.create(user=parent, name="Text message", phone_number=NUMBER, confirmed=True)
    sign_in(client, parent)
    verify_send = reverse("twofactor:verify_send")
    for _ in range(4):
        end_cooldown(parent)
        client.post(verify_send, {"method": "sms", "next": "/"})
    assert len(sms.outbox) == 3
    assert device.phone_number == sms.outbox[-1].to
