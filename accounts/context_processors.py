from django.urls import reverse

from accounts import selectors

# Sections the simplified interface leaves out of the navigation: fewer choices for someone who
# asked for a simpler page. They come back with the interface turned off (one button in the
# footer), and a left-out section stays listed while the person is on it.
SIMPLIFIED_LEAVES_OUT = ("twofactor:overview", "login_history", "admin:index")


def navigation(request):
    """The navigation links for the signed-in person's roles (see accounts.selectors.navigation_for)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    links = selectors.navigation_for(user, current_path=request.path)
    if user.simplified_interface:
        left_out = {reverse(name) for name in SIMPLIFIED_LEAVES_OUT}
        links = [link for link in links if link.current or link.url not in left_out]
    return {"navigation": links}
