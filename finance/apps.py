from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _parts():
    from finance.billing import plugin as billing
    from finance.payments import plugin as payments
    from finance.receipts import plugin as receipts

    return (billing, payments, receipts)


def _school_takes_payments(user):
    """(school id, "finance") for each school of the user's children (viewing rights and the
    finance scope) that offers an active plan."""
    from django.db.models import CharField, Value

    from accounts.policies import viewing_guardianships
    from finance.models import Plan

    pupils = viewing_guardianships("finance").filter(guardian=user).values("pupil_id")
    return Plan.objects.filter(is_active=True, school__pupils__in=pupils).values_list(
        "school_id", Value("finance", output_field=CharField())
    )


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self):
        from accounts.policies import register_navigation_fact

        for part in _parts():
            part.ready()
        # "Plan and payments" is linked for guardians whose child's school offers plans: a row of
        # the menu's one question per request, not a query of its own.
        register_navigation_fact(name="finance", source=_school_takes_payments)

    def notification_kinds(self) -> list:
        return [kind for part in _parts() for kind in part.notification_kinds()]

    def periodic_tasks(self) -> dict[str, dict]:
        tasks: dict[str, dict] = {}
        for part in _parts():
            tasks.update(part.periodic_tasks())
        return tasks

    def navigation_links(self, user) -> list[tuple[str, str]]:
        from django.urls import reverse

        from accounts.policies import navigation_has

        if navigation_has(user=user, name="finance"):
            return [(_("Plan and payments"), reverse("finance:home"))]
        return []

    def seed_demo(self, stdout=None):
        """Called by accounts' `seed_demo` after the people exist."""
        from finance import demo

        demo.seed(stdout=stdout)
