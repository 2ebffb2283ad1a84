"""The exports' hooks. `reports.plugin` gathers them: its ready() calls `ready()` here and its
periodic_tasks() adds `periodic_tasks()`."""


def ready() -> None:
    from reports.exports import effects, tasks  # noqa: F401 (the periodic task's module, for the worker)

    effects.register()


def notification_kinds() -> list:
    return []


def periodic_tasks() -> dict[str, dict]:
    from celery.schedules import crontab

    return {
        # Hourly: files of exports past `expires_at` (REPORTS_EXPORT_DAYS) are deleted, and jobs
        # stuck far beyond REPORTS_JOB_TIME_LIMIT are failed with a reason.
        "reports-tidy-exports": {"task": "reports.exports.tasks.tidy_exports", "schedule": crontab(minute=17)},
    }
