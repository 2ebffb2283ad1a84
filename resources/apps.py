from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resource library")

    def ready(self):
        from resources import translation  # the outbox handler "resources.translate" registers on import

        translation.register_translated_fields()

        # Registers the embedding effect's handler and the save signal that records it, and the
        # notices' handlers (every process that may run an outbox entry must know the handler);
        # then what a notice may be about.
        from resources import notices
        from resources.discovery import effects  # noqa: F401

        notices.register_targets()

    def notification_kinds(self) -> list:
        from resources import notices

        return notices.notification_kinds()

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """ "Resource library" for staff and for guardians: the menu's one question per request."""
        from django.urls import reverse

        from accounts.policies import navigation_is_guardian, navigation_roles

        roles = navigation_roles(user)
        links = []
        if roles or navigation_is_guardian(user):
            links.append((_("Resource library"), reverse("resources:library")))
        if any(role == "leader" for _school, role in roles):
            links.append((_("Sharing to approve"), reverse("resources:approvals")))
        if any(role in {"sendco", "leader"} for _school, role in roles):
            links.append((_("Suggestions from parents"), reverse("resources:suggestions")))
        return links

    def seed_demo(self, stdout=None):
        from resources import demo

        demo.seed(stdout=stdout)
