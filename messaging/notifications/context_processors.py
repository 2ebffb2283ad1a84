from accounts.context_processors import OnFirstUse
from messaging.notifications import selectors


def unread_notifications(request):
    """`unread_notifications`: the signed-in person's unread count for the header badge (one COUNT
    query, run only when the page shows the header; "99+" beyond `selectors.BADGE_MOST`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": OnFirstUse(lambda: selectors.badge_count_for(user))}
