"""Gzip for what compresses: pages, fragments, JSON, text. Never attachments.

Django's GZipMiddleware would also gzip a streamed photo, PDF or voice note on the fly: CPU spent
making already-compressed files no smaller, and the download loses its Content-Length (no
progress bar on a slow phone). Static files never get here: WhiteNoise, above this, serves its
own precompressed copies.

BREACH: Django's GZipMiddleware pads each compressed response with up to 100 random bytes ("Heal
the BREACH", Django 4.2+), and Django masks the CSRF token afresh in every page, so a secret on a
page that also reflects what an attacker typed cannot be recovered from response lengths.
"""

from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
