"""This part's hooks, gathered by progress.apps (kinds, periodic tasks, navigation, start-up)."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from django.contrib.auth.signals import user_logged_in

    from messaging.notifications import targets
    from progress.goals import effects, middleware, policies, tasks  # noqa: F401  (the outbox handler, the job)
    from progress.models import Celebration, Goal

    # A notification about a goal or a celebration is sent and shown only while its recipient
    # may still see it.
    targets.register(Goal, policies.goals_visible_to)
    targets.register(Celebration, policies.celebrations_visible_to)
    user_logged_in.connect(middleware.remember_pupil_sign_in, dispatch_uid="progress.goals.pupil_sign_in")


def notification_kinds() -> list:
    from messaging.notifications.kinds import DAILY, INSTANT, OFF, NotificationKind

    return [
        NotificationKind(name="goal_update", label=_("Shared goals: updates"), defaults={"email": INSTANT, "sms": OFF}),
        NotificationKind(name="celebration", label=_("Celebrations"), defaults={"email": INSTANT, "sms": OFF}),
        NotificationKind(name="portfolio", label=_("Portfolio approvals"), defaults={"email": DAILY, "sms": OFF}),
    ]


def periodic_tasks() -> dict[str, dict]:
    from celery.schedules import crontab

    return {
        "progress-recognise-milestones": {
            "task": "progress.goals.tasks.recognise_recent_milestones",
            "schedule": crontab(minute=20),
        }
    }


def navigation_links(user) -> list[tuple[str, str]]:
    """The start page (a guardian's children, or a teacher's classes) and, for staff, the portfolio
    items waiting for approval. Staff are told apart by the one per-request menu question every
    app's links share (`navigation_roles`): no query of its own."""
    from django.urls import reverse

    from accounts.policies import navigation_roles

    if not user.is_authenticated:
        return []
    links = [(_("Goals and portfolios"), reverse("progress:goals_home"))]
    if navigation_roles(user):
        links.append((_("Portfolio to approve"), reverse("progress:portfolio_queue")))
    return links
