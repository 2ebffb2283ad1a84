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

    def pupil_sections(self, *, user, pupil, goals) -> list[str]:
        """What the library adds to a page about one pupil (progress' goals page, which may not
        import the library), as HTML: the home strategies that fit their needs and `goals`
        ((title, description) pairs of their active goals), each with why, decided for `user`."""
        from django.template.loader import render_to_string

        from resources.discovery.strategies import GOAL_LIMIT, GoalText, strategies_for_child

        texts = [GoalText(title, description) for title, description in goals][:GOAL_LIMIT]
        strategies = strategies_for_child(user=user, pupil=pupil, goals=texts)
        if not strategies:
            return []
        return [render_to_string("resources/_ideas_for_child.html", {"strategies": strategies, "child": pupil})]

    def seed_demo(self, stdout=None):
        from resources import demo

        demo.seed(stdout=stdout)
