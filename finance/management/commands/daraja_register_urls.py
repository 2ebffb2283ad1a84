"""Tell Daraja where to post Paybill (C2B) payments: our validation and confirmation URLs.

    manage.py daraja_register_urls

Run once per shortcode, and again whenever DARAJA_CALLBACK_BASE_URL or DARAJA_C2B_TOKEN changes
(production shortcodes accept a registration only once: ask Safaricom to delete the old one first).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

from finance.daraja.client import DarajaError, client

# Safaricom refuses, or silently never calls, URLs containing these words.
SAFARICOM_FORBIDDEN_WORDS = ("m-pesa", "mpesa", "safaricom", "exec", "exe", "cmd", "sql", "query")


def c2b_urls() -> tuple[str, str]:
    """(validation URL, confirmation URL) under DARAJA_CALLBACK_BASE_URL."""
    base = settings.DARAJA_CALLBACK_BASE_URL.rstrip("/")
    token = settings.DARAJA_C2B_TOKEN
    paths = []
    for step in ("validation", "confirmation"):
        try:
            path = reverse(f"finance:c2b_{step}", kwargs={"secret": token})
        except NoReverseMatch:
            # Until the payments part names its routes: the path the brief promises.
            path = f"/finance/callbacks/paybill/{token}/{step}/"
        paths.append(base + path)
    return paths[0], paths[1]


class Command(BaseCommand):
    help = "Register the Paybill (C2B) validation and confirmation URLs with Daraja."

    def handle(self, *args, **options):
        validation_url, confirmation_url = c2b_urls()
        environment = getattr(settings, "DARAJA_ENVIRONMENT", "simulator")
        for url in (validation_url, confirmation_url):
            if environment == "production" and urlsplit(url).scheme != "https":
                raise CommandError(
                    f"DARAJA_CALLBACK_BASE_URL must be an https:// address in production "
                    f"(M-Pesa posts payments to it), not {settings.DARAJA_CALLBACK_BASE_URL!r}."
                )
        words = [word for word in SAFARICOM_FORBIDDEN_WORDS if word in validation_url.lower()]
        if words and environment != "simulator":
            self.stderr.write(
                self.style.WARNING(
                    f"Safaricom may refuse URLs containing {', '.join(words)}; "
                    "if registration fails or payments never arrive, change the route."
                )
            )
        try:
            answer = client().register_c2b_urls(validation_url=validation_url, confirmation_url=confirmation_url)
        except DarajaError as error:
            raise CommandError(f"Daraja refused the registration: {error.description} ({error.code})") from None
        # The token is part of the URLs: print them only to the operator's terminal, not to logs.
        self.stdout.write(f"Validation:   {validation_url}")
        self.stdout.write(f"Confirmation: {confirmation_url}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Registered with Daraja at {settings.DARAJA_BASE_URL} for shortcode {settings.DARAJA_SHORTCODE}: "
                f"{answer.get('ResponseDescription', '')}"
            )
        )
