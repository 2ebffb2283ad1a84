from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParentsConfig(AppConfig):
    name = "parents"
    verbose_name = _("Parents' dashboard")

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """ "Dashboard" for guardians with viewing rights of a child."""
        from django.urls import reverse

        from parents import policies

        if not user.is_authenticated or not policies.has_dashboard(user):
            return []
        return [(_("Dashboard"), reverse("parents:home"))]
