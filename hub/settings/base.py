"""Settings for the demo, the tests and (through `production.py`) the deployed site.

Everything that differs between machines comes from the environment (django-environ), so the
same code runs the SQLite demo and the PostgreSQL + Redis production shape.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The fallback key is only good for the demo and tests; production.py refuses to start without one.
SECRET_KEY = env("SECRET_KEY", default="homeroom-insecure-demo-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    # The devices signed in to each account, which their person may sign out (accounts/settings/).
    "allauth.usersessions",
    "django_otp",
    "django_otp.plugins.otp_email",
    "guardian",
    "django_htmx",
    "template_partials",
    "csp",
    "hub",
    "accounts",
    "messaging",
    "progress",
    "finance",
    "reports",
    "resources",
    "parents",
]

MIDDLEWARE = [
    # First, so everything after it (rate limits, sign-in history, audit) sees the real client.
    "hub.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are gzipped (about 5x smaller on a slow phone connection), with Django's BREACH
    # mitigation; attachments are not (hub/compression.py). Below WhiteNoise, which serves its own
    # precompressed static files.
    "hub.compression.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hub.security_headers.NoStoreForSignedInMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "accounts.twofactor.middleware.TwoFactorMiddleware",
    # A pupil's own sign-in reaches only the pupil view (/progress/me/); every other page is 404.
    "progress.goals.middleware.PupilViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Notes each session's device and last use, at most every few minutes (accounts/settings/).
    "accounts.settings.middleware.SessionActivityMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
ASGI_APPLICATION = "hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "messaging.notifications.context_processors.unread_notifications",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Under ASGI every request runs its sync code in a thread of its own, and a persistent connection
# lives as long as that thread's connection object: with CONN_MAX_AGE > 0 connections were never
# given back and PostgreSQL ran out ("too many clients"). So connections close at the end of each
# request (0) and, on PostgreSQL, "close" hands them back to a pool of at most DB_POOL_MAX_SIZE
# per process; a request that finds the pool empty waits up to DB_POOL_TIMEOUT seconds for one
# (a slower page) instead of failing. Size it so (web processes x max size) + workers stays
# below PostgreSQL's max_connections. hub/concurrency.py bounds requests in flight to match.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# With the pool, this makes psycopg check each connection before handing it out: after a
# database restart, failover or terminated backends, a request gets a fresh connection instead
# of "the connection is closed". Without a round trip to PostgreSQL unless something happened to
# the connection while it sat in the pool: Django's PostgreSQL backend, with that one change
# (hub/postgresql, hub/pool.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "hub.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=30.0),
        # Connections older than this are replaced, so a restarted database or a failover heals.
        "max_lifetime": env.float("DB_POOL_MAX_LIFETIME", default=600.0),
    }
    # The SQL compiled once per process (badge, access rules) is prepared on its connection at its
    # first run, so PostgreSQL plans it once (hub/db.py: 20 ms -> 2.4 ms for the badge's count).
    # Only hub.db.planned_cursor's statements are: Django's own cursors bind on the client.
    # No JIT compilation: PostgreSQL compiles a query to machine code when its estimated cost
    # passes jit_above_cost, and the access rules checked for a batch of people (a dozen
    # subqueries each) pass it easily while running in milliseconds: compiling them took 23 s of
    # a 24 s query releasing 30 people's quiet-hours holds. Short OLTP queries never repay it.
    options = DATABASES["default"]["OPTIONS"].get("options", "")
    DATABASES["default"]["OPTIONS"]["options"] = f"{options} -c jit=off".strip()
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 0
        # PostgreSQL plans a prepared statement afresh for its first five runs on a connection
        # (10-40 ms each for the badge's), then settles on a generic plan; only those statements
        # are prepared here, so they may as well use the generic plan from the first run.
        options = DATABASES["default"]["OPTIONS"].get("options", "")
        DATABASES["default"]["OPTIONS"]["options"] = f"{options} -c plan_cache_mode=force_generic_plan".strip()
    else:
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    # Fails safe: while Redis is unreachable, each process counts sign-in attempts (allauth's rate
    # limits) in its own memory instead of answering 500 or letting every guess through.
    # Sessions live in the database (SESSION_ENGINE below), never in this cache.
    CACHES = {
        "default": {
            "BACKEND": "hub.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    # channels_redis waits on Redis with a 5 s blocking read (BZPOPMIN); redis-py's default socket
    # timeout is also 5 s, so an idle socket's read timed out and the WebSocket closed (1006).
    # The socket timeout must stay above the blocking read; health checks find dead connections.
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's layer, sending to several groups at once (hub/channel_layer.py).
            "BACKEND": "hub.channel_layer.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "health_check_interval": 30,
                        "retry_on_timeout": True,
                    }
                ]
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    # Without a broker the demo runs background jobs in-process, so nothing waits for a worker.
    CELERY_TASK_ALWAYS_EAGER = True
# --- Celery and the outbox -------------------------------------------------------------------
# Reliability: every task is a hub.celery.ReliableTask (retries transient errors with backoff
# and jitter). A job is acknowledged only after it ran, and a worker that dies (SIGKILL, OOM,
# hard time limit) has its jobs delivered again: by the pool at once, or by Redis after the
# visibility timeout when the whole worker went. Jobs must therefore be idempotent.
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Take a job only when a process is free, so none waits behind a slow one (or past the timeout).
CELERY_WORKER_DISABLE_PREFETCH = True
# Without the broker a running job's message comes back anyway; stop it rather than run it twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = "UTC"
# Every task is time-limited: the soft limit raises inside the task (retried later as a
# transient error), the hard limit kills its process. Both stay under the visibility timeout.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=45)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=55)
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Unacknowledged jobs of a worker that vanished are delivered again after this many seconds
    # (Celery's default is an hour).
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # kombu scans for such jobs only every interval x throttle seconds (10 x 10 by default, which
    # adds up to 100 s): scan every 5 s instead. A scanner killed mid-scan holds its lock for
    # the mutex expiry (5 minutes by default).
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 30,
    # Above the 1 s blocking read, so an idle connection is not mistaken for a dead one.
    "socket_timeout": 10,
    "socket_connect_timeout": 3,
    "retry_on_timeout": True,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for Redis to come back, forever
# Queues, so slow email never delays safeguarding alerts or translation. The worker consumes
# all of them (docker-compose.yml `-Q`); outbox entries go to their handler's queue.
CELERY_TASK_QUEUES = [
    # "reports": PDF reports and exports take seconds each; they never hold up the rest.
    Queue(name, routing_key=name)
    for name in ("safeguarding", "realtime", "translation", "email", "reports", "default")
]
CELERY_TASK_DEFAULT_QUEUE = "default"
# Tasks are routed to their queues here (Celery 5.5 deprecates a decorator's `queue=`); outbox
# entries carry their handler's queue themselves. Unlisted tasks go to the default queue.
CELERY_TASK_ROUTES = {
    "hub.tasks.outbox_sweep": {"queue": "default"},
    "messaging.notifications.tasks.deliver_notification": {"queue": "email"},
    "messaging.notifications.tasks.send_digest": {"queue": "email"},
    "messaging.tasks.translate_field": {"queue": "translation"},
    "messaging.tasks.translate_message": {"queue": "translation"},
}
# The outbox (hub/outbox.py): retries of a failed handler back off exponentially from the base
# to the cap (with jitter); short waits are published with a countdown, longer ones are left to
# the sweeper, which runs every OUTBOX_SWEEP_SECONDS and publishes entries due and not picked up
# within OUTBOX_SWEEP_GRACE_SECONDS of being published.
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=10.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=3600.0)
OUTBOX_RETRY_COUNTDOWN_MAX_SECONDS = env.float("OUTBOX_RETRY_COUNTDOWN_MAX_SECONDS", default=30.0)
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=30.0)
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=30.0)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=500)
# Task modules and periodic tasks of hub's own infrastructure only. Each app imports its task
# modules in its AppConfig.ready() (besides <app>.tasks, which autodiscovery finds) and lists its
# periodic tasks in `AppConfig.periodic_tasks()`; hub.celery adds those to the beat schedule.
# hub.heartbeat: the worker heartbeat /healthz reports (a worker ran a job in the last minutes).
CELERY_IMPORTS: list[str] = ["hub.heartbeat"]
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "hub-outbox-sweep": {"task": "hub.tasks.outbox_sweep", "schedule": OUTBOX_SWEEP_SECONDS},
    "hub-worker-heartbeat": {"task": "hub.heartbeat.beat", "schedule": 60.0},
}
# Attachments: images, PDF, office documents and audio (checked by content), up to this size.
MESSAGING_ATTACHMENT_MAX_BYTES = env.int("MESSAGING_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Absolute links in emails and text messages.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Daily digests go out at this hour on each person's own clock.
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=17)
# An instant email or text about a new message waits this long and goes only if it is still
# unread (kinds with `waits_unread`). Without a broker (the demo) there is no sweeper to send it
# later, so it goes at once there.
NOTIFICATIONS_UNREAD_WAIT_SECONDS = env.float(
    "NOTIFICATIONS_UNREAD_WAIT_SECONDS", default=0.0 if CELERY_TASK_ALWAYS_EAGER else 120.0
)
# An email or text naming something being machine-translated into its reader's language (an
# announcement's title) waits for the translation, at most this long; then it goes as written.
# Without a broker (the demo) there is no sweeper to send it later: it goes at once there.
NOTIFICATIONS_TRANSLATION_WAIT_SECONDS = env.float(
    "NOTIFICATIONS_TRANSLATION_WAIT_SECONDS", default=0.0 if CELERY_TASK_ALWAYS_EAGER else 30.0
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email is the login; verification mail is sent, and the rate limits below
# slow down password guessing per IP and per account.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ALLOW_SIGNUPS = env.bool("ACCOUNT_ALLOW_SIGNUPS", default=False)
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    # ---- security (issue 6): text-message codes cost money and reach a stranger's phone if
    # mistyped; limited per person, per number and per address (accounts/twofactor/views.py).
    "twofactor_sms_person": "3/15m/user,10/d/user",
    "twofactor_sms_number": "3/15m/key,10/d/key",
    "twofactor_sms_ip": "20/h/ip,50/d/ip",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Homeroom] "

# ---- security (issue 6): accounts that cannot be taken over ------------------------------------
# Adding, removing or changing an email address asks for the password again (a stolen session
# alone cannot redirect the account's mail); the owner is emailed when an address or the
# password changes. Password reset mail goes only to verified addresses (AccountAdapter).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_PREVENT_ENUMERATION = True
# Proxies whose X-Forwarded-For / X-Forwarded-Proto we believe (addresses or networks, comma
# separated). From anyone else those headers are dropped (hub/proxy.py): a client cannot pick the
# address that rate limits and sign-in history see.
TRUSTED_PROXY_ADDRESSES = env.list("TRUSTED_PROXY_ADDRESSES", default=["127.0.0.1", "::1"])
# allauth reads REMOTE_ADDR, which hub.proxy has already set to the client's address.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
# Content-Security-Policy (django-csp): scripts only from our own origin or carrying this
# response's nonce, so an injected <script> or on* attribute never runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # Styles: our stylesheets, or a <style> carrying the nonce (the conversation page has one).
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# ---- end security (issue 6) --------------------------------------------------------------------

# django-otp
OTP_EMAIL_SENDER = env("DEFAULT_FROM_EMAIL", default="Homeroom <no-reply@homeroom.localhost>")
OTP_EMAIL_SUBJECT = "Your Homeroom sign-in code"
OTP_EMAIL_TOKEN_VALIDITY = 600
OTP_TOTP_ISSUER = "Homeroom"
OTP_EMAIL_BODY_TEMPLATE_PATH = "twofactor/email/code.txt"
# Roles that reach sensitive data (SEND records, safeguarding, whole-school views) must enrol.
TWO_FACTOR_REQUIRED_ROLES = ["sendco", "dsl", "leader", "school_admin", "dpl"]

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", _("English")),
    ("cy", _("Welsh")),
    ("es", _("Spanish")),
    ("pl", _("Polish")),
    ("sw", _("Swahili")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cached for a year, immutable) and gzip/brotli copies, from `collectstatic`;
    # in the demo too (`make demo` collects), see hub/static_storage.py.
    "staticfiles": {"BACKEND": "hub.static_storage.HashedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A slow or silent SMTP server fails a send (retried later) instead of holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Homeroom <no-reply@homeroom.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS: "console" prints messages (demo); "africastalking" posts to Africa's Talking's API.
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_API_URL = env("SMS_API_URL", default="https://api.africastalking.com/version1/messaging")
SMS_USERNAME = env("SMS_USERNAME", default="sandbox")
SMS_API_KEY = env("SMS_API_KEY", default="")
SMS_SENDER_ID = env("SMS_SENDER_ID", default="")

# Machine translation of messages, tried in this order; all run on our own servers.
TRANSLATION_ENGINES = env.list("TRANSLATION_ENGINES", default=["argos", "apertium", "http"])
TRANSLATION_HTTP_URL = env("TRANSLATION_HTTP_URL", default="")  # a LibreTranslate-compatible server
TRANSLATION_HTTP_API_KEY = env("TRANSLATION_HTTP_API_KEY", default="")
TRANSLATION_TIMEOUT = env.int("TRANSLATION_TIMEOUT", default=30)
ARGOS_PACKAGES_DIR = env.path("ARGOS_PACKAGES_DIR", default=BASE_DIR / "var" / "argos-packages")

# Insights' narrative summary from an OpenAI-compatible chat-completions server (empty: templates
# only). The model is sent numbers with the child as a placeholder, never names.
INSIGHTS_LLM_URL = env("INSIGHTS_LLM_URL", default="")
INSIGHTS_LLM_API_KEY = env("INSIGHTS_LLM_API_KEY", default="")
INSIGHTS_LLM_MODEL = env("INSIGHTS_LLM_MODEL", default="")
INSIGHTS_LLM_TIMEOUT = env.float("INSIGHTS_LLM_TIMEOUT", default=8.0)

# M-Pesa (Safaricom Daraja). The demo and the tests talk to the local simulator
# (`manage.py daraja_simulator`); production sets the Daraja base URL and credentials. Callbacks
# reach us at DARAJA_CALLBACK_BASE_URL (the public https address M-Pesa can post to).
DARAJA_BASE_URL = env("DARAJA_BASE_URL", default="http://127.0.0.1:8001")
DARAJA_ENVIRONMENT = env("DARAJA_ENVIRONMENT", default="simulator")  # simulator | sandbox | production
DARAJA_CONSUMER_KEY = env("DARAJA_CONSUMER_KEY", default="homeroom-demo-key")
DARAJA_CONSUMER_SECRET = env("DARAJA_CONSUMER_SECRET", default="homeroom-demo-secret")
DARAJA_SHORTCODE = env("DARAJA_SHORTCODE", default="174379")
DARAJA_PASSKEY = env("DARAJA_PASSKEY", default="homeroom-demo-passkey")
DARAJA_CALLBACK_BASE_URL = env("DARAJA_CALLBACK_BASE_URL", default=SITE_URL)
DARAJA_TIMEOUT = env.float("DARAJA_TIMEOUT", default=10.0)
# The secret path segment of the Paybill (C2B) validation and confirmation URLs.
DARAJA_C2B_TOKEN = env("DARAJA_C2B_TOKEN", default="homeroom-demo-c2b-token")
# Optional: only these addresses may post callbacks (Safaricom publishes its list); empty: any.
DARAJA_CALLBACK_ALLOWED_IPS = env.list("DARAJA_CALLBACK_ALLOWED_IPS", default=[])
# How long a prompt may wait for its callback before we ask M-Pesa ourselves, and how long
# before a payment nobody can confirm is closed as not completed.
DARAJA_CALLBACK_GRACE_SECONDS = env.int("DARAJA_CALLBACK_GRACE_SECONDS", default=90)
DARAJA_GIVE_UP_SECONDS = env.int("DARAJA_GIVE_UP_SECONDS", default=3600)
# Days a family keeps their plan after a renewal is not paid, and days before a renewal that they
# are reminded.
FINANCE_GRACE_DAYS = env.int("FINANCE_GRACE_DAYS", default=7)
FINANCE_REMINDER_DAYS = env.int("FINANCE_REMINDER_DAYS", default=5)

# Reports and exports: how long a portfolio or subject-access zip can be downloaded, and an upper
# bound on one report job's run (a stuck job is failed with a reason and can be retried).
REPORTS_EXPORT_DAYS = env.int("REPORTS_EXPORT_DAYS", default=7)
REPORTS_JOB_TIME_LIMIT = env.int("REPORTS_JOB_TIME_LIMIT", default=300)

# Fernet keys for encrypted fields, newest first; older keys still decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# Django's database store, its look-up written once per process (read on every request and
# before every event from an open page): the same table and rows.
SESSION_ENGINE = "hub.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every step of every PDF at INFO ("Step 5 - Creating layout"): only its
    # warnings are worth an operator's attention.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
