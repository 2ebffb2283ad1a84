"""Reports' hooks, gathered by reports.apps (kinds, periodic tasks, start-up)."""


def ready() -> None:
    from reports import effects, tasks  # noqa: F401  (the outbox handler of the job, the sweeper)
    from reports.exports import plugin as exports

    exports.ready()  # the exports' outbox effect and their clean-up task


def notification_kinds() -> list:
    return []


def periodic_tasks() -> dict[str, dict]:
    from reports.exports import plugin as exports

    return {
        # A report job whose worker died is failed with a reason (and can be retried), never stuck.
        "reports-fail-stuck": {"task": "reports.tasks.fail_stuck_reports", "schedule": 60.0},
        **exports.periodic_tasks(),
    }
