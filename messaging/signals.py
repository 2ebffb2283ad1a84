"""Messaging listens to changes in accounts: rights withdrawn and sessions ended close sockets at once.

- A change to who may see what (a guardianship, a membership, an account switched off, a class's
  teachers or pupils, a class deleted) revalidates the people it touches after it commits
  (`services.access.participations_revalidate`): participations they lost end, and their open
  sockets close, so their pages reconnect with only what they may still see.
- Signing out closes that session's sockets; a password change (set, changed, reset, in the site
  or in admin) or a deactivation asks every socket of the person to check its session, and the
  ones no longer signed in close.

Deliveries never wait for any of this: they are addressed from current access when they go. Bulk
updates (`QuerySet.update`) send no signals; they too are covered at delivery, and sockets follow
at the next event or at the session's end.

Connected once by `MessagingConfig.ready()`.
"""

import logging

from allauth.account import signals as allauth_signals
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_delete

from accounts.models import ClassGroup, Guardianship, Membership, User
from accounts.settings import sessions as account_sessions
from messaging import realtime

log = logging.getLogger(__name__)


def revalidate_on_commit(user_ids) -> None:
    """After the current transaction commits, revalidate each person's participations."""
    from messaging.services import access

    for user_id in sorted({pk for pk in user_ids if pk is not None}):
        transaction.on_commit(lambda user_id=user_id: access.participations_revalidate(user_id=user_id), robust=True)


# --- rights ---------------------------------------------------------------------------------


def _guardianship_changed(sender, instance: Guardianship, **kwargs) -> None:
    revalidate_on_commit([instance.guardian_id])


def _membership_changed(sender, instance: Membership, **kwargs) -> None:
    revalidate_on_commit([instance.user_id])


def _staff_of(group_ids) -> list[int]:
    return list(ClassGroup.staff.through.objects.filter(classgroup_id__in=group_ids).values_list("user_id", flat=True))


def _class_staff_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """ClassGroup.staff: teachers joining or leaving a class gain or lose its pupils."""
    if action == "pre_clear":
        # After the clear nobody is left to ask: remember who was there.
        instance._messaging_cleared = [instance.pk] if reverse else _staff_of([instance.pk])
        return
    if action == "post_clear":
        cleared = getattr(instance, "_messaging_cleared", [])
        revalidate_on_commit([instance.pk] if reverse else cleared)
        return
    if action in ("post_add", "post_remove"):
        revalidate_on_commit([instance.pk] if reverse else pk_set or [])


def _class_pupils_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """ClassGroup.pupils: a pupil moving class is seen by other teachers."""
    if action == "pre_clear":
        instance._messaging_cleared = (
            _staff_of(ClassGroup.pupils.through.objects.filter(pupil_id=instance.pk).values("classgroup_id"))
            if reverse
            else _staff_of([instance.pk])
        )
        return
    if action == "post_clear":
        revalidate_on_commit(getattr(instance, "_messaging_cleared", []))
        return
    if action in ("post_add", "post_remove"):
        revalidate_on_commit(_staff_of(pk_set or []) if reverse else _staff_of([instance.pk]))


def _class_deleting(sender, instance: ClassGroup, **kwargs) -> None:
    instance._messaging_staff = _staff_of([instance.pk])


def _class_deleted(sender, instance: ClassGroup, **kwargs) -> None:
    revalidate_on_commit(getattr(instance, "_messaging_staff", []))


# --- accounts and sessions ------------------------------------------------------------------


def _seen(instance: User) -> tuple:
    # Read from the instance's own values: a deferred field is never loaded here (no query).
    return instance.__dict__.get("password"), instance.__dict__.get("is_active")


def _user_loaded(sender, instance: User, **kwargs) -> None:
    instance._messaging_seen = _seen(instance)


def _user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    before, now = getattr(instance, "_messaging_seen", _seen(instance)), _seen(instance)
    instance._messaging_seen = now
    if created:
        return
    (password, is_active), (new_password, new_is_active) = before, now
    if is_active != new_is_active:
        revalidate_on_commit([instance.pk])
    if password != new_password or is_active != new_is_active:
        user_id = instance.pk
        transaction.on_commit(lambda: realtime.check_user_sessions(user_id), robust=True)


def _user_deleted(sender, instance: User, **kwargs) -> None:
    user_id = instance.pk
    transaction.on_commit(lambda: realtime.close_user_sockets(user_id, code=realtime.SESSION_ENDED), robust=True)


def _signed_out(sender, request=None, user=None, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        transaction.on_commit(lambda: realtime.close_session_sockets(session_key), robust=True)


def _sessions_ended(sender, session_keys=(), **kwargs) -> None:
    # Sessions signed out from the person's devices page (accounts.settings): their sockets close.
    for session_key in session_keys:
        transaction.on_commit(lambda key=session_key: realtime.close_session_sockets(key), robust=True)


def _password_changed(sender, request=None, user=None, **kwargs) -> None:
    # Other sessions no longer sign in (their password hash is stale); this one was given the new
    # hash (and a new key) by allauth, so only sockets of sessions that no longer sign in close.
    if user is not None and user.pk:
        user_id = user.pk
        transaction.on_commit(lambda: realtime.check_user_sessions(user_id), robust=True)


def connect() -> None:
    uid = "messaging.signals."
    for model, handler in ((Guardianship, _guardianship_changed), (Membership, _membership_changed)):
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}{model.__name__}.save")
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}{model.__name__}.delete")
    m2m_changed.connect(_class_staff_changed, sender=ClassGroup.staff.through, dispatch_uid=f"{uid}class.staff")
    m2m_changed.connect(_class_pupils_changed, sender=ClassGroup.pupils.through, dispatch_uid=f"{uid}class.pupils")
    pre_delete.connect(_class_deleting, sender=ClassGroup, dispatch_uid=f"{uid}class.deleting")
    post_delete.connect(_class_deleted, sender=ClassGroup, dispatch_uid=f"{uid}class.deleted")
    post_init.connect(_user_loaded, sender=User, dispatch_uid=f"{uid}user.init")
    post_save.connect(_user_saved, sender=User, dispatch_uid=f"{uid}user.save")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid=f"{uid}user.delete")
    user_logged_out.connect(_signed_out, dispatch_uid=f"{uid}signed_out")
    account_sessions.sessions_ended.connect(_sessions_ended, dispatch_uid=f"{uid}sessions_ended")
    for signal in (allauth_signals.password_changed, allauth_signals.password_set, allauth_signals.password_reset):
        signal.connect(_password_changed, dispatch_uid=f"{uid}password.{id(signal)}")
