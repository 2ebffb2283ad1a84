"""This part's hooks, gathered by finance.apps (kinds, periodic tasks, start-up)."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from finance.payments import effects, tasks  # noqa: F401 (registers the outbox handlers, the task)


def notification_kinds() -> list:
    from messaging.notifications.kinds import INSTANT, OFF, NotificationKind

    return [
        # To the school's admins: an M-Pesa answer that did not match what was asked (amount,
        # phone, request) or a Paybill payment to an unknown account number. Nothing was applied.
        NotificationKind(
            name="payment_flagged",
            label=_("M-Pesa payments to check"),
            defaults={"email": INSTANT, "sms": OFF},
            per_child=False,
            offered_to=_is_school_admin,
        ),
    ]


def _is_school_admin(user) -> bool:
    from accounts.policies import navigation_roles

    return any(role == "school_admin" for _school, role in navigation_roles(user))


def periodic_tasks() -> dict[str, dict]:
    return {
        # Every minute: prompts whose callback is late are checked with an STK query, and payments
        # nobody answered within DARAJA_GIVE_UP_SECONDS are closed (never pending forever).
        "finance-reconcile-payments": {"task": "finance.payments.tasks.reconcile_payments", "schedule": 60.0},
    }
