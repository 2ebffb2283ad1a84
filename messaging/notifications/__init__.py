"""Notifications: the in-app inbox, channel preferences, quiet hours, email/SMS and the daily digest.

Feature apps call `notify(user=..., kind=..., title=..., ...)` with a kind their AppConfig declares
in `notification_kinds()` (see `kinds`), or `notify_many(users=[...], ...)` for the same
notification to many people at once (a fan-out); everything else is internal.
"""

from messaging.notifications.services import notifications_retitle, notify, notify_many

__all__ = ["notifications_retitle", "notify", "notify_many"]
