"""Receipts' hooks, gathered by finance.apps: numbering and sending on every paid payment."""


def ready() -> None:
    from finance import settlement
    from finance.receipts import effects  # noqa: F401  (registers the receipt email's outbox handler)
    from finance.receipts.services import receipt_issue

    settlement.on_paid("receipts", receipt_issue)


def notification_kinds() -> list:
    return []


def periodic_tasks() -> dict[str, dict]:
    return {}
