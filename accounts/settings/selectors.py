"""Reads for the settings pages, each about the signed-in person only."""

import datetime
from dataclasses import dataclass

from accounts.models import User
from accounts.settings.devices import device_in_words, place_in_words, time_in_words
from accounts.settings.sessions import tracked_sessions


@dataclass(frozen=True)
class Device:
    """A session signed in to the account, as its person reads it."""

    id: int
    device: str
    place: str
    signed_in: str
    last_seen: str
    last_seen_at: datetime.datetime
    is_current: bool


def devices_for(user: User, *, current_session_key: str | None) -> list[Device]:
    """The devices (sessions) that sign the person in now, this one first (two queries)."""
    from django.utils import timezone

    now = timezone.now()
    devices = [
        Device(
            id=session.pk,
            device=device_in_words(session.user_agent),
            place=place_in_words(town=(session.data or {}).get("town", ""), ip_address=session.ip),
            signed_in=time_in_words(session.created_at, now=now),
            last_seen=time_in_words(session.last_seen_at, now=now),
            last_seen_at=session.last_seen_at,
            is_current=bool(current_session_key) and session.session_key == current_session_key,
        )
        for session in tracked_sessions(user)
    ]
    return sorted(devices, key=lambda device: not device.is_current)


@dataclass(frozen=True)
class SettingsOverview:
    two_factor_on: bool
    has_phone: bool


def settings_overview_for(user: User) -> SettingsOverview:
    """What the index says beside its links (one query)."""
    from accounts.twofactor.selectors import has_confirmed_device

    return SettingsOverview(two_factor_on=has_confirmed_device(user), has_phone=bool(user.phone))
