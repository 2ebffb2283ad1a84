"""The exports' hooks. `reports.plugin` gathers them: its ready() calls `ready()` here and its
periodic_tasks() adds `periodic_tasks()`."""


def ready() -> None:
    from messaging.notifications import targets
    from reports.exports import delivery, effects, tasks  # noqa: F401 (the notice's handler; the periodic task's module)
    from reports.models import Export
    from reports.policies import exports_visible_to

    effects.register()
    # An "export ready" notice reaches, and stays in the inbox of, only who may see the export.
    targets.register(Export, exports_visible_to)


def notification_kinds() -> list:
    from django.utils.translation import gettext_lazy as _

    from messaging.notifications.kinds import INSTANT, NotificationKind
    from reports.exports.delivery import EXPORT_READY_KIND

    return [
        # To the person a subject-access export is about, and the lead who made it.
        NotificationKind(
            name=EXPORT_READY_KIND,
            label=_("Data exports ready to download"),
            defaults={"email": INSTANT, "sms": "off"},
            per_child=False,
        ),
    ]


def periodic_tasks() -> dict[str, dict]:
    from celery.schedules import crontab

    return {
        # Hourly: files of exports past `expires_at` (REPORTS_EXPORT_DAYS) are deleted, and jobs
        # stuck far beyond REPORTS_JOB_TIME_LIMIT are failed with a reason.
        "reports-tidy-exports": {"task": "reports.exports.tasks.tidy_exports", "schedule": crontab(minute=17)},
    }
