from accounts import selectors


def navigation(request):
    """The navigation links for the signed-in person's roles (see accounts.selectors.navigation_for)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    return {"navigation": selectors.navigation_for(user, current_path=request.path)}
