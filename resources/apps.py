from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resource library")

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """ "Resource library" for staff and for guardians: the menu's one question per request."""
        from django.urls import reverse

        from accounts.policies import navigation_is_guardian, navigation_roles

        if navigation_roles(user) or navigation_is_guardian(user):
            return [(_("Resource library"), reverse("resources:library"))]
        return []

    def seed_demo(self, stdout=None):
        from resources import demo

        demo.seed(stdout=stdout)
