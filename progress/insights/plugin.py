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


def navigation_links(user) -> list[tuple[str, str]]:
    """Staff get the class overviews (no query of its own: see accounts.policies.navigation_roles)."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from accounts.policies import navigation_roles

    # Staff only, from the one per-request question every app's menu links share (the list page
    # shows only the classes the person teaches or, for whole-school roles, their school's).
    if navigation_roles(user):
        return [(_("Class overviews"), reverse("progress:class_list"))]
    return []
