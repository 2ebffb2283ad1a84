"""Reports' hooks, gathered by reports.apps (kinds, periodic tasks, start-up)."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from messaging.notifications import targets
    from reports import delivery, effects, policies, tasks  # noqa: F401 (handlers of the job, the notice, the sweeper)
    from reports.exports import plugin as exports
    from reports.models import Report

    # A "your report is ready" notice reaches, and stays in the inbox of, only who may see the report.
    targets.register(Report, policies.reports_visible_to)
    exports.ready()  # the exports' outbox effect and their clean-up task


def notification_kinds() -> list:
    from messaging.notifications.kinds import INSTANT, NotificationKind
    from reports.delivery import READY_KIND
    from reports.exports import plugin as exports

    return [
        *exports.notification_kinds(),
        # To the family: a report the school sends by itself is ready to read. (Not "report_ready":
        # messaging's tests use that name for an app they pretend is not installed.)
        NotificationKind(
            name=READY_KIND,
            label=_("Reports sent by the school"),
            defaults={"email": INSTANT, "sms": "off"},
        ),
    ]


def periodic_tasks() -> dict[str, dict]:
    from celery.schedules import crontab

    from reports.exports import plugin as exports

    return {
        # Daily at 03:00 UTC (06:00 in Nairobi, 03:00/04:00 in Leeds: the same date everywhere we
        # have schools); each school's "today" is its own. Run twice, it makes nothing new.
        "reports-send-due": {
            "task": "reports.tasks.send_due_reports",
            "schedule": crontab(hour=3, minute=0),
        },
        # A report job whose worker died is failed with a reason (and can be retried), never stuck.
        "reports-fail-stuck": {"task": "reports.tasks.fail_stuck_reports", "schedule": 60.0},
        **exports.periodic_tasks(),
    }
