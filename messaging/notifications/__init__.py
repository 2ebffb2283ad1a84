"""Notifications: the in-app inbox, channel preferences, quiet hours, email/SMS and the daily digest.

Feature apps call `notify(user=..., kind=..., title=..., ...)` with a kind their AppConfig declares
in `notification_kinds()` (see `kinds`); everything else is internal.
"""

from messaging.notifications.services import notify

__all__ = ["notify"]
