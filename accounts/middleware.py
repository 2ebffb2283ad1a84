from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Show each signed-in person the site in their own language and time zone.

    Runs after authentication; the language switcher saves to the user's profile, so the choice
    follows them to every device. Anonymous visitors keep the cookie/Accept-Language choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
            timezone.activate(user.zone)
        response = self.get_response(request)
        timezone.deactivate()
        return response
