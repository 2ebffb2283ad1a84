"""This part's hooks, gathered by progress.apps (kinds, periodic tasks, navigation, start-up)."""


def ready() -> None:
    pass


def notification_kinds() -> list:
    # An insight suggests; it never messages anyone: no notification kind on purpose.
    return []


def periodic_tasks() -> dict[str, dict]:
    from celery.schedules import crontab

    return {
        # Nightly (01:30 UTC: night in Leeds and early morning in Nairobi): each pupil with records
        # gets their insights raised and resolved as of their school's today.
        "progress-insights-refresh": {
            "task": "progress.insights.tasks.refresh_all_insights",
            "schedule": crontab(hour=1, minute=30),
        },
    }


# Whether to show the link is remembered for a few minutes per person (Django's cache, so no
# database query on every page): the pages behind it check access on every request anyway, so a
# teacher who just left sees at most an empty list until it expires.
NAVIGATION_CACHE_SECONDS = 300


def navigation_links(user) -> list[tuple[str, str]]:
    """Staff who teach a class or hold a whole-school role get the class overviews."""
    from django.core.cache import cache
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from progress.insights import policies

    if not user.is_authenticated:
        return []
    # date_joined too: a row id alone may name someone else after a database is rebuilt.
    key = f"progress:insights:oversees-classes:{user.pk}:{user.date_joined.timestamp()}"
    oversees = cache.get(key)
    if oversees is None:
        oversees = policies.class_groups_overseen_by(user).exists()
        cache.set(key, oversees, NAVIGATION_CACHE_SECONDS)
    return [(_("Class overviews"), reverse("progress:class_list"))] if oversees else []
