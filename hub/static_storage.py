"""Static files as production serves them, in the demo too: hashed names, compressed copies.

Django's manifest storage hands out unhashed names while DEBUG is on, so the demo (DEBUG=true)
could never cache a stylesheet and WhiteNoise could never mark one immutable. This storage hashes
whenever `collectstatic` has written the manifest, and falls back to the plain name under DEBUG
when it has not (a developer's `runserver` without `collectstatic` still works, uncached).
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def url(self, name, force=False):
        try:
            return super().url(name, force=True)
        except ValueError:
            if settings.DEBUG:
                return super().url(name, force=False)
            raise
