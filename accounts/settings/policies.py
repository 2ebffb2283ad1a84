"""Who may see or end which signed-in device (session): only its own person."""

from allauth.usersessions.models import UserSession
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policies import locked


def user_sessions_visible_to(user: User) -> QuerySet[UserSession]:
    if not user.is_authenticated:
        return UserSession.objects.none()
    return UserSession.objects.filter(user=user)


def access_user_session(*, user: User, session_id: int, for_update: bool = False) -> UserSession:
    """The session (a signed-in device) if it is `user`'s own; otherwise Http404, whatever the reason."""
    try:
        found = user_sessions_visible_to(user).get(pk=session_id)
    except (UserSession.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return locked(found) if for_update else found
