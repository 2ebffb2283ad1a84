"""Announcement tables: defined in messaging.models (one app, one migration history, and
messaging.models never imports this package); named here for the package's own modules."""

from messaging.models import (  # noqa: F401
    Announcement,
    AnnouncementAttachment,
    AnnouncementReceipt,
    announcement_attachment_path,
)
