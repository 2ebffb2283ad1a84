from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _parts():
    from progress.goals import plugin as goals
    from progress.insights import plugin as insights
    from progress.records import plugin as records

    return (records, goals, insights)


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress")

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
        return [link for part in _parts() for link in part.navigation_links(user)]

    def seed_demo(self, stdout=None):
        """Called by accounts' `seed_demo` after the people exist (messaging's conversations too)."""
        from progress import demo

        demo.seed(stdout=stdout)
