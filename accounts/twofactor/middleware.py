from functools import cached_property

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.twofactor import selectors


class TwoFactorMiddleware:
    """Ask for the second factor after the password, and make sensitive roles enrol before anything else.

    Runs after django-otp's OTPMiddleware (which sets `request.user.is_verified()`):

    - a signed-in person with a confirmed device whose session is not yet verified may reach only
      the verify step (and sign out); everything else redirects there, keeping `next`;
    - a person who must have two-factor authentication (superusers, Django admin users and the
      roles in TWO_FACTOR_REQUIRED_ROLES) but has no device may reach only the two-factor pages.

    One query per request of its own ("has a device" and "must enrol" together:
    `selectors.second_factor`), none once the session is verified; the answer is kept on the
    request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def _always_open(self) -> tuple[str, ...]:
        prefixes = [reverse("account_logout"), reverse("language_set"), "/healthz", "/i18n/", "/jsi18n/"]
        prefixes += [url for url in (settings.STATIC_URL, settings.MEDIA_URL) if url and url.startswith("/")]
        return tuple(prefixes)

    @cached_property
    def _verify_paths(self) -> tuple[str, ...]:
        return (reverse("twofactor:verify"), reverse("twofactor:verify_send"))

    @cached_property
    def _twofactor_prefix(self) -> str:
        return reverse("twofactor:overview")

    def __call__(self, request):
        return self._refusal(request) or self.get_response(request)

    def _refusal(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(self._always_open):
            return None
        if user.is_verified():
            return None
        if not hasattr(request, "_second_factor"):
            request._second_factor = selectors.second_factor(user)
        if request._second_factor.has_device:
            if request.path in self._verify_paths:
                return None
            return self._redirect(request, reverse("twofactor:verify"), keep_next=True)
        if request.path.startswith(self._twofactor_prefix):
            return None
        if request._second_factor.must_enrol:
            return self._redirect(request, self._twofactor_prefix, keep_next=False)
        return None

    @staticmethod
    def _redirect(request, url: str, *, keep_next: bool):
        if keep_next:
            next_url = request.get_full_path() if request.method == "GET" else request.path
            url = f"{url}?{urlencode({'next': next_url})}"
        if request.headers.get("HX-Request"):
            # htmx follows a plain redirect inside the fragment; ask it to load the whole page instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
