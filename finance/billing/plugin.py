"""This part's hooks, gathered by finance.apps (kinds, periodic tasks, start-up)."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from finance import settlement
    from finance.billing import effects, fulfilment, tasks  # noqa: F401 (effects: the outbox handler)
    from finance.models import FamilyAccount
    from finance.policies import accounts_visible_to
    from messaging.notifications import targets

    # A notification about a family's account is sent and shown only while its recipient may see it.
    targets.register(FamilyAccount, accounts_visible_to)
    settlement.on_paid("billing", fulfilment.paid)
    settlement.on_failed("billing", fulfilment.failed)


def notification_kinds() -> list:
    from messaging.notifications.kinds import INSTANT, OFF, NotificationKind

    return [
        NotificationKind(
            name="renewal_reminder",
            label=_("Plan renewals coming up"),
            defaults={"email": INSTANT, "sms": INSTANT},
            per_child=False,
        ),
        NotificationKind(
            name="renewal_unpaid",
            label=_("Plan renewals not paid"),
            defaults={"email": INSTANT, "sms": INSTANT},
            per_child=False,
        ),
        NotificationKind(
            name="plan_changed",
            label=_("Plan changes"),
            defaults={"email": INSTANT, "sms": OFF},
            per_child=False,
        ),
    ]


def periodic_tasks() -> dict[str, dict]:
    from celery.schedules import crontab

    return {
        # Early morning in East Africa (03:10 UTC = 06:10 in Nairobi): reminders arrive by breakfast.
        "finance-renewals": {"task": "finance.billing.tasks.renewals_daily", "schedule": crontab(hour=3, minute=10)},
    }
