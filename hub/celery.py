import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.base")

app = Celery("homeroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
