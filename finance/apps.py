from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _parts():
    from finance.billing import plugin as billing
    from finance.payments import plugin as payments
    from finance.receipts import plugin as receipts

    return (billing, payments, receipts)


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self):
        for part in _parts():
            part.ready()

    def notification_kinds(self) -> list:
        return [kind for part in _parts() for kind in part.notification_kinds()]

    def periodic_tasks(self) -> dict[str, dict]:
        tasks: dict[str, dict] = {}
        for part in _parts():
            tasks.update(part.periodic_tasks())
        return tasks

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """ "Plan and payments" for guardians whose child's school takes payments through Homeroom:
        the menu's one question per request, and a cached list of those schools (no query per page)."""
        from django.urls import reverse

        from accounts.policies import navigation_guardian_schools
        from finance.selectors import schools_taking_payments

        schools = navigation_guardian_schools(user)
        if schools and schools & schools_taking_payments():
            return [(_("Plan and payments"), reverse("finance:home"))]
        return []

    def seed_demo(self, stdout=None):
        """Called by accounts' `seed_demo` after the people exist."""
        from finance import demo

        demo.seed(stdout=stdout)
