"""Who may see or change which notifications and preferences."""

from django.http import Http404

from accounts.models import Pupil, User
from accounts.policies import children_of, locked
from messaging.models import Notification
from messaging.notifications.selectors import notifications_for


def access_notification(*, user: User, notification_id: int, for_update: bool = False) -> Notification:
    """The notification if it was sent to `user`; otherwise Http404, whatever the reason."""
    try:
        notification = notifications_for(user).get(pk=notification_id)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return locked(notification) if for_update else notification


def can_set_preferences_for_pupil(*, user: User, pupil: Pupil | int) -> bool:
    """Per-child choices are for the child's guardians (with viewing rights) only."""
    return children_of(user).filter(pk=getattr(pupil, "pk", pupil)).exists()
