"""Reports' hooks, gathered by reports.apps (kinds, periodic tasks, start-up)."""


def ready() -> None:
    return None


def notification_kinds() -> list:
    return []


def periodic_tasks() -> dict[str, dict]:
    return {}
