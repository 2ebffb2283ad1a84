from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from reports import plugin

        plugin.ready()

    def notification_kinds(self) -> list:
        from reports import plugin

        return plugin.notification_kinds()

    def periodic_tasks(self) -> dict[str, dict]:
        from reports import plugin

        return plugin.periodic_tasks()

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """ "Reports" for guardians: the menu's one question per request (no query of its own)."""
        from django.urls import NoReverseMatch, reverse

        from accounts.policies import navigation_is_guardian, navigation_roles

        links = []
        try:
            if navigation_is_guardian(user):
                links.append((_("Reports"), reverse("reports:list")))
            # Staff generate the school's copies for a class they teach (the page lists only those).
            if any(role in {"teacher", "sendco", "leader"} for _school, role in navigation_roles(user)):
                links.append((_("Class reports"), reverse("reports:classes")))
        except NoReverseMatch:  # the pages are not installed yet
            return []
        return links

    def seed_demo(self, stdout=None):
        from reports import demo

        demo.seed(stdout=stdout)
