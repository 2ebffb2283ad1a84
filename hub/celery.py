"""The Celery app. Every task (shared_task included) is a ReliableTask: a transient failure of the
database, the broker, SMTP, a socket or an HTTP gateway is retried with exponential backoff and
jitter, whatever the task's own `autoretry_for` says. Time limits, acks_late, queues and the
broker's visibility timeout are in the Celery block of hub/settings/base.py."""

import os
import random
import smtplib

from celery import Celery, Task, signals
from celery.exceptions import SoftTimeLimitExceeded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.base")


def _transient_errors() -> tuple[type[BaseException], ...]:
    import django.db
    import kombu.exceptions
    import redis.exceptions
    import requests.exceptions

    return (
        django.db.OperationalError,  # connection refused or terminated, serialization failure
        django.db.InterfaceError,  # connection already closed
        kombu.exceptions.OperationalError,  # broker unreachable while publishing a follow-up task
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        smtplib.SMTPException,
        ConnectionError,  # refused, reset, broken pipe (sockets)
        TimeoutError,  # socket.timeout included
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        SoftTimeLimitExceeded,  # a slow server: try again later rather than hold the worker
    )


class ReliableTask(Task):
    """Retries any transient error with backoff and jitter (capped below the broker's visibility
    timeout, which would otherwise deliver a long countdown twice). Tasks must be idempotent."""

    acks_late = True
    reject_on_worker_lost = True
    transient_max_retries = 10
    transient_backoff_base = 2.0
    transient_backoff_max = 45.0

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except _TRANSIENT as error:
            if self.request.called_directly or self.request.is_eager:
                raise  # in-process (demo, tests): no broker to come back through
            retries = self.request.retries
            delay = min(self.transient_backoff_max, self.transient_backoff_base * (2**retries))
            countdown = delay * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not security)
            raise self.retry(exc=error, countdown=countdown, max_retries=self.transient_max_retries) from error


app = Celery("homeroom", task_cls=ReliableTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_TRANSIENT = _transient_errors()

# --- Periodic tasks: each app lists its own ------------------------------------------------------
# An app's AppConfig may define `periodic_tasks()` returning {name: {"task": ..., "schedule": ...}}
# (the shape of CELERY_BEAT_SCHEDULE). They are added to hub's own entries (settings) once Django
# is set up: in a worker or beat, the Django fixup calls django.setup() on `import_modules`, which
# beat sends before it reads the schedule; anywhere else, when the app is finalized.


def periodic_tasks_from_apps() -> dict[str, dict]:
    """Every installed app's periodic tasks. ImproperlyConfigured when two use one name."""
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    schedule: dict[str, dict] = {}
    for config in apps.get_app_configs():
        declare = getattr(config, "periodic_tasks", None)
        if declare is None:
            continue
        for name, entry in declare().items():
            if name in schedule:
                raise ImproperlyConfigured(f"Periodic task {name!r} of {config.label} is already declared.")
            schedule[name] = entry
    return schedule


def beat_schedule() -> dict[str, dict]:
    """Hub's own entries (CELERY_BEAT_SCHEDULE) and every app's."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    own = dict(getattr(settings, "CELERY_BEAT_SCHEDULE", {}))
    from_apps = periodic_tasks_from_apps()
    clash = own.keys() & from_apps.keys()
    if clash:
        raise ImproperlyConfigured(f"Periodic tasks declared both in settings and by an app: {sorted(clash)}.")
    return own | from_apps


def _add_periodic_tasks_from_apps(**kwargs) -> None:
    from django.apps import apps

    if apps.ready:
        app.conf.beat_schedule = beat_schedule()


signals.import_modules.connect(_add_periodic_tasks_from_apps, sender=app, weak=False)
app.on_after_finalize.connect(_add_periodic_tasks_from_apps, weak=False)
