"""Writes for two-factor authentication: enrol, confirm, send codes, verify, turn off.

Each takes the person and plain values (never a request), and raises a `TwoFactorError`
subclass with a message fit to show them. Secrets come from pyotp and django-otp; backup codes
are hashed with Django's password hashers before they are stored.
"""

import time

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import GenerateNotAllowed, VerifyNotAllowed
from django_otp.plugins.otp_email.models import EmailDevice

from accounts import audit
from accounts.models import BackupCode, BackupCodeDevice, SMSDevice, TOTPDevice, User
from accounts.models.people import normalise_phone
from accounts.twofactor import selectors
from hub.sms import SMSDeliveryError

BACKUP_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i), so codes read back cleanly.
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Per person, across all their devices: this many wrong codes within the window locks them out
# until the oldest wrong code leaves the window. django-otp's per-device throttling still applies.
WRONG_CODE_LIMIT = 5
WRONG_CODE_WINDOW = 5 * 60


class TwoFactorError(Exception):
    """A refusal to show the person as it is."""


class WrongCode(TwoFactorError):
    pass


class TooManyWrongCodes(TwoFactorError):
    def __init__(self, wait_seconds: int):
        self.wait_seconds = wait_seconds
        minutes = max(1, -(-wait_seconds // 60))
        super().__init__(
            ngettext(
                "Too many wrong codes. Wait %(minutes)d minute before you try again.",
                "Too many wrong codes. Wait %(minutes)d minutes before you try again.",
                minutes,
            )
            % {"minutes": minutes}
        )


class CodeNotSent(TwoFactorError):
    pass


# ---- the per-person limit on wrong codes -------------------------------------------------------


def _wrong_codes_key(user: User) -> str:
    return f"twofactor:wrong-codes:{user.pk}"


def _recent_wrong_codes(user: User) -> list[float]:
    now = time.time()
    return [at for at in cache.get(_wrong_codes_key(user), []) if now - at < WRONG_CODE_WINDOW]


def wrong_code_wait(user: User) -> int:
    """Seconds until the person may try another code; 0 when they may try now."""
    recent = _recent_wrong_codes(user)
    if len(recent) < WRONG_CODE_LIMIT:
        return 0
    return max(1, int(min(recent) + WRONG_CODE_WINDOW - time.time()) + 1)


def _wrong_code_count(user: User) -> None:
    recent = _recent_wrong_codes(user)
    recent.append(time.time())
    cache.set(_wrong_codes_key(user), recent[-WRONG_CODE_LIMIT:], WRONG_CODE_WINDOW)


def _check(user: User, device, code: str) -> bool:
    """Ask one device about a code, within the per-person limit. Raises TwoFactorError on refusal."""
    wait = wrong_code_wait(user)
    if wait:
        raise TooManyWrongCodes(wait)
    if _check_quietly(device, code):
        cache.delete(_wrong_codes_key(user))
        return True
    _wrong_code_count(user)
    return False


def _check_quietly(device, code: str) -> bool:
    """Whether the device accepts the code, without touching the per-person count.

    Raises WrongCode while django-otp's throttle (1, 2, 4 ... seconds after each wrong code) holds.
    """
    allowed, info = device.verify_is_allowed()
    if not allowed and info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        seconds = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
        raise WrongCode(_("Wait %(seconds)d seconds, then enter the code again.") % {"seconds": seconds})
    return device.verify_token(_clean(code))


def _clean(code: str) -> str:
    return "".join(str(code).split())


# ---- changing a second factor: prove you hold one, and the owner is told ------------------------


class CurrentCodeNeeded(TwoFactorError):
    pass


def _prove_holder(user: User, current_code: str) -> None:
    """Refuse unless `current_code` comes from one of the person's confirmed second factors.

    Someone who has only borrowed a signed-in session (a phone left unlocked, a stolen cookie)
    must not be able to swap in their own authenticator, phone or backup codes. A person with
    no second factor yet has nothing to prove. Wrong codes count towards the per-person limit.
    """
    if not selectors.has_confirmed_device(user):
        return
    if not _clean(current_code or ""):
        raise CurrentCodeNeeded(
            _("Enter a code from the way you sign in now (your app, email, text message or a backup code).")
        )
    verify_second_factor(user, current_code)


def _tell_owner(user: User, change: str) -> None:
    """Email the person, once the change is saved, that their second factor changed."""
    if not user.email:
        return

    def send() -> None:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            context = {
                "user": user,
                "change": change,
                "timestamp": timezone.now(),
                "overview_url": f"{settings.SITE_URL.rstrip('/')}/account/two-factor/",
            }
            subject = render_to_string("twofactor/email/changed_subject.txt", context).strip()
            body = render_to_string("twofactor/email/changed_message.txt", context)
        send_mail(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body, None, [user.email])

    transaction.on_commit(send)


# ---- authenticator app -------------------------------------------------------------------------


def totp_begin(user: User, *, current_code: str = "") -> TOTPDevice:
    """A new, unconfirmed authenticator device with a fresh random secret (replaces any unconfirmed one).

    When the person already has a second factor, `current_code` must come from it (CurrentCodeNeeded
    or WrongCode otherwise): replacing the authenticator is how an intruder would keep a way in.
    """
    _prove_holder(user, current_code)
    return _totp_create(user)


@transaction.atomic
def _totp_create(user: User) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(
        user=user, name=_("Authenticator app"), secret=pyotp.random_base32(), confirmed=False
    )
    audit.record(actor=user, action="twofactor.totp_started", target=user)
    return device


@transaction.atomic
def totp_confirm(*, user: User, device: TOTPDevice, code: str) -> TOTPDevice:
    """Turn the device on when `code` is its current code; it replaces any earlier authenticator."""
    if device.user_id != user.pk or device.confirmed:
        raise TwoFactorError(_("Start setting up your authenticator app again."))
    if not _check(user, device, code):
        raise WrongCode(_("The code is not right. Enter the 6-digit code your app shows now."))
    replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()[0]
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, action="twofactor.totp_enabled", target=user, replaced=bool(replaced))
    _tell_owner(user, _("An authenticator app was set up for your account."))
    return device


# ---- backup codes ------------------------------------------------------------------------------


def backup_codes_generate(user: User, *, current_code: str = "", just_enrolled: bool = False) -> list[str]:
    """Ten new single-use codes, returned once in plain text and stored only as hashes.

    Needs `current_code` from one of the person's second factors, unless `just_enrolled` (they
    confirmed a new method with a code minutes ago, in this session, and have no codes yet).
    """
    if not (just_enrolled and not BackupCodeDevice.objects.filter(user=user).exists()):
        _prove_holder(user, current_code)
    return _backup_codes_create(user)


@transaction.atomic
def _backup_codes_create(user: User) -> list[str]:
    """Ten new single-use codes, returned once in plain text and stored only as hashes.

    Replaces any earlier codes. Refused until the person has an authenticator, email or text
    message method, since backup codes only stand in for one of those.
    """
    if not any(model.objects.filter(user=user, confirmed=True).exists() for model in selectors.PRIMARY_DEVICE_MODELS):
        raise TwoFactorError(_("Set up an authenticator app, email codes or text message codes first."))
    device, _created = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": _("Backup codes"), "confirmed": True}
    )
    device.codes.all().delete()
    codes = [get_random_string(10, BACKUP_CODE_ALPHABET) for _i in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create([BackupCode(device=device, code_hash=make_password(code)) for code in codes])
    device.throttle_reset()
    audit.record(actor=user, action="twofactor.backup_codes_generated", target=user, count=len(codes))
    _tell_owner(user, _("New backup codes were created for your account. The old ones no longer work."))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


# ---- codes by email and by text message --------------------------------------------------------


def challenge_send(*, user: User, device) -> None:
    """Send a fresh code through an email or text message device.

    Raises CodeNotSent when the last code went out too recently or the gateway refused it.
    The token is saved before the message goes out, so this is not wrapped in a transaction.
    """
    if device.user_id != user.pk or not isinstance(device, EmailDevice | SMSDevice):
        raise CodeNotSent(_("That method cannot send codes."))
    _refuse_during_cooldown(device)
    try:
        device.generate_challenge()
    except SMSDeliveryError as error:
        raise CodeNotSent(
            _("We could not send a text message to that number. Check it and try again, or choose another method.")
        ) from error
    audit.record(actor=user, action="twofactor.code_sent", target=user, method=device._meta.model_name)


def _refuse_during_cooldown(device) -> None:
    allowed, info = device.generate_is_allowed()
    if not allowed:
        if info and info.get("reason") == GenerateNotAllowed.COOLDOWN_DURATION_PENDING:
            seconds = max(1, int((info["next_generation_at"] - timezone.now()).total_seconds()) + 1)
            raise CodeNotSent(
                _("We sent a code less than a minute ago. Wait %(seconds)d seconds before asking for another.")
                % {"seconds": seconds}
            )
        raise CodeNotSent(_("We cannot send a code now. Try again later."))


def email_device_setup(user: User, email: str = "", *, current_code: str = "") -> EmailDevice:
    """Start email codes: a code is sent to the person's address now.

    Asking again reuses the pending device (its 30-second pause between codes holds). When the
    person already has a second factor, `current_code` must come from it.
    """
    _prove_holder(user, current_code)
    with transaction.atomic():
        device = _pending(EmailDevice, user)
        if device is None:
            device = EmailDevice.objects.create(user=user, name=_("Email"), email=email or None, confirmed=False)
            audit.record(actor=user, action="twofactor.email_started", target=user)
    challenge_send(user=user, device=device)
    return device


def sms_device_setup(user: User, phone: str, *, current_code: str = "") -> SMSDevice:
    """Start text message codes to `phone` (any valid international number): a code is sent now.

    Asking again, for the same number or another, reuses the pending device rather than creating
    one per request, so its pause between codes cannot be dodged. When the person already has a
    second factor, `current_code` must come from it.
    """
    number = normalise_phone(phone)
    _prove_holder(user, current_code)
    with transaction.atomic():
        device = _pending(SMSDevice, user)
        if device is None:
            device = SMSDevice.objects.create(user=user, name=_("Text message"), phone_number=number, confirmed=False)
            audit.record(actor=user, action="twofactor.sms_started", target=user, phone_ending=number[-3:])
        elif device.phone_number != number:
            _refuse_during_cooldown(device)
            device.phone_number = number
            device.save(update_fields=["phone_number"])
            audit.record(actor=user, action="twofactor.sms_number_changed", target=user, phone_ending=number[-3:])
    challenge_send(user=user, device=device)
    return device


def _pending(model, user: User):
    """The person's one unconfirmed device of this kind (locked), removing any older extras."""
    pending = list(model.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk"))
    if len(pending) > 1:
        model.objects.filter(pk__in=[device.pk for device in pending[1:]]).delete()
    return pending[0] if pending else None


@transaction.atomic
def side_channel_confirm(*, user: User, device, code: str):
    """Turn on an email or text message device when `code` is the one just sent to it."""
    if device.user_id != user.pk or device.confirmed or not isinstance(device, EmailDevice | SMSDevice):
        raise TwoFactorError(_("Start again: ask for a new code."))
    if not _check(user, device, code):
        raise WrongCode(_("The code is not right. Enter the 6-digit code we sent, or ask for a new one."))
    replaced = type(device).objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()[0]
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        actor=user, action=f"twofactor.{device._meta.model_name}_enabled", target=user, replaced=bool(replaced)
    )
    if isinstance(device, SMSDevice):
        _tell_owner(
            user,
            _("Codes by text message to a number ending %(ending)s were set up.")
            % {"ending": device.phone_number[-3:]},
        )
    else:
        _tell_owner(user, _("Codes by email were set up for your account."))
    return device


def email_device_confirm(*, user: User, device: EmailDevice, code: str) -> EmailDevice:
    return side_channel_confirm(user=user, device=device, code=code)


def sms_device_confirm(*, user: User, device: SMSDevice, code: str) -> SMSDevice:
    return side_channel_confirm(user=user, device=device, code=code)


# ---- sign-in and turning off -------------------------------------------------------------------


def verify_second_factor(user: User, code: str, device_id: str | None = None):
    """The confirmed device that accepts `code` (only the one with persistent id `device_id`, when given).

    Raises WrongCode when none does, TooManyWrongCodes once the person has entered too many
    wrong codes recently. A wrong code counts once however many devices were asked.
    """
    if device_id:
        device = selectors.confirmed_device(user, device_id)
        devices = [device] if device else []
    else:
        devices = selectors.confirmed_devices(user)
    if not devices:
        raise WrongCode(_("Choose a way to sign in that you have set up."))
    wait = wrong_code_wait(user)
    if wait:
        raise TooManyWrongCodes(wait)
    throttled = None
    asked = 0
    with transaction.atomic():
        for device in devices:
            locked = type(device).objects.select_for_update().get(pk=device.pk)
            try:
                accepted = _check_quietly(locked, code)
            except WrongCode as error:
                throttled = error
                continue
            asked += 1
            if accepted:
                cache.delete(_wrong_codes_key(user))
                audit.record(actor=user, action="twofactor.verified", target=user, method=locked._meta.model_name)
                return locked
    if not asked:
        # Every device is still in its throttle pause: the code was not even looked at.
        raise throttled
    _wrong_code_count(user)
    raise WrongCode(_("The code is not right. Check it and try again."))


def two_factor_disable(user: User, code: str) -> None:
    """Remove every second factor, after `code` proves the person still holds one of them."""
    verify_second_factor(user, code)
    with transaction.atomic():
        for model in selectors.DEVICE_MODELS:
            model.objects.filter(user=user).delete()
        audit.record(actor=user, action="twofactor.disabled", target=user)
        _tell_owner(user, _("Two-factor authentication was turned off for your account."))
