from django.urls import reverse

from accounts import selectors

# Sections the simplified interface leaves out of the navigation: fewer choices for someone who
# asked for a simpler page. They come back with the interface turned off (one button in the
# footer), and a left-out section stays listed while the person is on it.
SIMPLIFIED_LEAVES_OUT = ("twofactor:overview", "login_history", "admin:index")


class OnFirstUse:
    """A context value worked out only when a template first shows it, then kept for the rest of
    the response. Every response rendered with the request runs every context processor, fragments
    for htmx included (the composer after a post, which shows no header): their queries run only
    for the pages that show them. Templates call it (Django calls callables in variables); Python
    code may compare it with the value."""

    def __init__(self, work):
        self._work = work
        self._done = False
        self._value = None

    def __call__(self):
        if not self._done:
            self._value, self._done = self._work(), True
        return self._value

    def __eq__(self, other):
        return self() == (other() if isinstance(other, OnFirstUse) else other)

    __hash__ = None


def navigation(request):
    """The navigation links for the signed-in person's roles (see accounts.selectors.navigation_for)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}

    def links():
        found = selectors.navigation_for(user, current_path=request.path)
        if user.simplified_interface:
            left_out = {reverse(name) for name in SIMPLIFIED_LEAVES_OUT}
            found = [link for link in found if link.current or link.url not in left_out]
        return found

    return {"navigation": OnFirstUse(links)}
