"""Response headers that keep people's data out of shared and back-button caches."""

from django.utils.cache import add_never_cache_headers


class NoStoreForSignedInMiddleware:
    """Every page answered to a signed-in person carries `Cache-Control: no-store`.

    Pages behind sign-in show someone's messages, children or settings; a shared computer's
    browser cache or a proxy must not keep them after sign-out. Static files (served by
    WhiteNoise before this runs) keep their long cache lifetimes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # max-age=0, no-cache, no-store, must-revalidate, private (and an Expires in the past).
            add_never_cache_headers(response)
        return response
