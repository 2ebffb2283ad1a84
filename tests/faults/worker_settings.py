"""Settings of the Celery workers the fault tests start: the test settings, with a real broker
(REDIS_URL), the test database (DATABASE_URL), real SMTP to the test's server, and the test-only
outbox effects. Sweeper timings come from the environment (OUTBOX_SWEEP_*)."""

import os

from hub.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_IMPORTS = [*CELERY_IMPORTS, "tests.faults.effects"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("FAULTS_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("FAULTS_SMTP_PORT", "25"))
EMAIL_HOST_USER = ""
EMAIL_HOST_PASSWORD = ""
EMAIL_USE_TLS = False
EMAIL_USE_SSL = False
