"""A pupil's own sign-in reaches only the pupil view (/progress/me/...), signing out and choosing a
language: every other page answers 404 to them, whatever it would show.

Whether the person signed in is a pupil is noted in their session when they sign in
(`remember_pupil_sign_in`), so nobody else's request pays a query for this. (A pupil's account is
also neither a guardian nor staff, so every other page's own filtering shows them nothing anyway.)
"""

from django.http import Http404

SESSION_KEY = "progress_pupil_view"

# URL names a pupil may open besides the pupil view's own (names starting "progress:me").
ALLOWED_NAMES = frozenset(
    {
        "home",  # sends them on to their own page
        "account_logout",
        "account_change_password",
        "account_set_password",
        "language_set",
        "set_language",
        "javascript-catalog",
        "healthz",
    }
)


def remember_pupil_sign_in(sender, request, user, **kwargs) -> None:
    from accounts.models import Pupil

    if request is not None and hasattr(request, "session"):
        if Pupil.objects.filter(user=user).exists():
            request.session[SESSION_KEY] = True
        else:
            request.session.pop(SESSION_KEY, None)


def is_allowed(view_name: str) -> bool:
    return view_name in ALLOWED_NAMES or view_name.startswith("progress:me")


class PupilViewMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        session = getattr(request, "session", None)
        if session is None or not session.get(SESSION_KEY):
            return None
        if not request.user.is_authenticated:
            return None
        match = getattr(request, "resolver_match", None)
        if match is None or not is_allowed(match.view_name or ""):
            raise Http404
        return None
