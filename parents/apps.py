from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParentsConfig(AppConfig):
    name = "parents"
    verbose_name = _("Parents' dashboard")

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """The "Dashboard" link for guardians with viewing rights of a child: no query of its own
        (the menu's one question per request, accounts.policies.navigation_is_guardian)."""
        from django.urls import reverse

        from accounts.policies import navigation_is_guardian

        if not navigation_is_guardian(user):
            return []
        return [(_("Dashboard"), reverse("parents:home"))]
