"""This part's hooks, gathered by progress.apps (kinds, periodic tasks, navigation, start-up)."""


def ready() -> None:
    pass


def notification_kinds() -> list:
    return []


def periodic_tasks() -> dict[str, dict]:
    return {}


def navigation_links(user) -> list[tuple[str, str]]:
    return []
