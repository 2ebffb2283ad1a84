"""The deployed shape: PostgreSQL, Redis, HTTPS. Refuses to start with demo secrets."""

from django.core.exceptions import ImproperlyConfigured

from hub.settings.base import *  # noqa: F403
from hub.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one Fernet key.")

ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Safe only because hub.proxy drops X-Forwarded-Proto unless it comes from TRUSTED_PROXY_ADDRESSES.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# M-Pesa: never the demo's simulator and demo credentials. Disabled (payments refuse to start,
# Paybill instructions stay) until the operator sets an environment and its secrets.
DARAJA_ENVIRONMENT = env("DARAJA_ENVIRONMENT", default="disabled")
if DARAJA_ENVIRONMENT not in {"disabled", "sandbox", "production"}:
    raise ImproperlyConfigured("DARAJA_ENVIRONMENT must be disabled, sandbox or production.")
if DARAJA_ENVIRONMENT != "disabled":
    DARAJA_BASE_URL = env("DARAJA_BASE_URL")
    DARAJA_CONSUMER_KEY = env("DARAJA_CONSUMER_KEY")
    DARAJA_CONSUMER_SECRET = env("DARAJA_CONSUMER_SECRET")
    DARAJA_SHORTCODE = env("DARAJA_SHORTCODE")
    DARAJA_PASSKEY = env("DARAJA_PASSKEY")
    DARAJA_CALLBACK_BASE_URL = env("DARAJA_CALLBACK_BASE_URL")
    DARAJA_C2B_TOKEN = env("DARAJA_C2B_TOKEN")
    if not DARAJA_CALLBACK_BASE_URL.startswith("https://"):
        raise ImproperlyConfigured("DARAJA_CALLBACK_BASE_URL must be the site's public https address.")
else:
    DARAJA_CONSUMER_KEY = DARAJA_CONSUMER_SECRET = DARAJA_PASSKEY = ""
    DARAJA_C2B_TOKEN = env("DARAJA_C2B_TOKEN", default="")
