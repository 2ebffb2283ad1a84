"""The kinds of notification, each declared by the app that sends it.

An app lists its kinds in its AppConfig:

    class ProgressConfig(AppConfig):
        def notification_kinds(self):
            return [
                {"name": "goal_update", "label": _("Goal updates"), "defaults": {"email": "daily"}},
            ]

as plain dicts (so apps below messaging, like accounts, need not import it) or `NotificationKind`s.
`MessagingConfig.ready()` collects them from every installed app (`collect_from_apps`) before any
request or job runs; `notify()` refuses a kind nobody declared, the preferences page offers every
declared kind in its translated label, and delivery reads each kind's defaults from here. No app
edits messaging's model or defaults to add one.

The stored value is the kind's name (`Notification.kind`, `NotificationPreference.kind`), so a
kind's label, defaults and rules can change without a migration.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from accounts.models import User

# Frequencies and channels as stored (NotificationPreference.Frequency / .Channel): repeated here
# as plain strings so the registry can be filled before the models module is imported.
INSTANT, DAILY, OFF = "instant", "daily", "off"
FREQUENCIES = (INSTANT, DAILY, OFF)
CHANNELS = ("email", "sms")

# Urgency: how a notification sent with `urgent=True` treats the person's choices.
NORMAL = "normal"  # urgent is only shown; choices and quiet hours apply as always
BREAKS_THROUGH = "breaks_through"  # urgent goes at once on every channel, whatever was chosen
URGENCIES = (NORMAL, BREAKS_THROUGH)

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")  # fits the 20-character `kind` columns


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notification and what a person gets before they choose anything."""

    name: str
    # Shown on the preferences page, in the inbox and in emails: a lazy translation.
    label: str | Promise
    # Channel ("email", "sms") -> frequency ("instant", "daily", "off"); a channel left out is "off".
    defaults: Mapping[str, str] = field(default_factory=lambda: {"email": INSTANT})
    urgency: str = NORMAL
    # True: emails and digests carry the title and a link but never the body, which is read only
    # inside Homeroom, behind sign-in (safeguarding). Texts never carry a body anyway.
    content_stays_in_app: bool = False
    # Whether a guardian may choose differently for each child (false for what is about the person).
    per_child: bool = True
    # Who is offered a choice for it on the preferences page (None: everyone).
    offered_to: Callable[[User], bool] | None = None
    # True: an instant email or text about it waits settings.NOTIFICATIONS_UNREAD_WAIT_SECONDS
    # (never when urgent), and goes only if the notification is still unread then. Someone in the
    # conversation at that moment is not emailed what they have just read on screen, and messages
    # arriving meanwhile fold into one email ("3 new messages"), as Slack and Discourse do.
    waits_unread: bool = False
    # The app that declared it (filled in by `collect`).
    app_label: str = ""

    def default_frequency(self, channel: str) -> str:
        return self.defaults.get(channel, OFF)

    def is_offered_to(self, user: User) -> bool:
        return self.offered_to is None or bool(self.offered_to(user))

    def __str__(self) -> str:
        return str(self.label)


_FIELDS = {f.name for f in fields(NotificationKind)}
_registry: dict[str, NotificationKind] = {}


class UnknownKind(ValueError):
    """No installed app declares this kind."""


def _validated(kind: NotificationKind) -> NotificationKind:
    problems = []
    if not isinstance(kind.name, str) or not _NAME.match(kind.name):
        problems.append("a name of lower-case letters, digits and _ (at most 20, starting with a letter)")
    if not str(kind.label).strip():
        problems.append("a label")
    for channel, frequency in kind.defaults.items():
        if channel not in CHANNELS or frequency not in FREQUENCIES:
            problems.append(f"defaults from channels {CHANNELS} to frequencies {FREQUENCIES}")
    if kind.urgency not in URGENCIES:
        problems.append(f"an urgency from {URGENCIES}")
    if kind.offered_to is not None and not callable(kind.offered_to):
        problems.append("offered_to: a function of the user, or None")
    if problems:
        raise ImproperlyConfigured(
            f"Notification kind {kind.name!r} of {kind.app_label or 'an app'} needs " + "; ".join(problems) + "."
        )
    return kind


def register(kind: NotificationKind | Mapping[str, Any], *, app_label: str = "") -> NotificationKind:
    """Add one kind (a NotificationKind or a dict of its fields). ImproperlyConfigured when it is
    malformed or another app already declared the name; declaring the same kind again replaces it."""
    if isinstance(kind, Mapping):
        unknown = set(kind) - _FIELDS
        if unknown:
            raise ImproperlyConfigured(f"Notification kind {kind.get('name')!r}: unknown fields {sorted(unknown)}.")
        kind = NotificationKind(**kind)
    if app_label:
        kind = dataclasses.replace(kind, app_label=app_label)
    kind = _validated(kind)
    existing = _registry.get(kind.name)
    if existing is not None and existing.app_label != kind.app_label:
        raise ImproperlyConfigured(
            f"Notification kind {kind.name!r} is declared by both {existing.app_label} and {kind.app_label}."
        )
    _registry[kind.name] = kind
    return kind


def collect(app_configs: Iterable) -> None:
    """Register the kinds each app config lists in `notification_kinds()`, in app order."""
    for config in app_configs:
        declare = getattr(config, "notification_kinds", None)
        if declare is None:
            continue
        for kind in declare():
            register(kind, app_label=config.label)


def collect_from_apps() -> None:
    """What `MessagingConfig.ready()` runs: every installed app's kinds."""
    from django.apps import apps

    collect(apps.get_app_configs())


def get(name: str) -> NotificationKind:
    """The declared kind called `name`; UnknownKind when no installed app declares it."""
    try:
        return _registry[name]
    except (KeyError, TypeError):
        raise UnknownKind(f"Unknown notification kind {name!r}: declare it in the sending app's AppConfig.") from None


def describe(name: str) -> NotificationKind:
    """The declared kind, or, for a row stored by an app since removed, a stand-in that keeps its
    content in the app and sends nothing outside it (never an error on a page or in a digest)."""
    found = _registry.get(name)
    if found is not None:
        return found
    return NotificationKind(name=name, label=name, defaults={}, content_stays_in_app=True, per_child=False)


def is_registered(name: str) -> bool:
    return name in _registry


def all_kinds() -> list[NotificationKind]:
    """Every declared kind, in the order the apps are installed and list them."""
    return list(_registry.values())
