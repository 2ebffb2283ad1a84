"""This part's hooks, gathered by progress.apps (kinds, periodic tasks, navigation, start-up)."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from messaging.notifications import targets
    from progress.models import Observation
    from progress.records import effects, policies  # noqa: F401 (effects: registers the outbox handlers)

    # A notification about an observation reaches, and stays in the inbox of, only who may see it.
    targets.register(Observation, policies.observations_visible_to)


def notification_kinds() -> list:
    from messaging.notifications.kinds import INSTANT, NotificationKind

    return [
        # To staff who teach or support the pupil: an observation waits for them.
        NotificationKind(
            name="observation_added",
            label=_("Observations from home to review"),
            defaults={"email": INSTANT, "sms": "off"},
            per_child=False,  # they reach staff, about the school's pupils
            offered_to=_has_pupils,
        ),
        # To the family: a teacher added their observation to the record, or did not.
        NotificationKind(
            name="observation_reviewed",
            label=_("Your observations from home"),
            defaults={"email": INSTANT, "sms": "off"},
        ),
    ]


def _has_pupils(user) -> bool:
    from progress.records import policies

    return policies.has_pupils_to_support(user)


def periodic_tasks() -> dict[str, dict]:
    return {}


def navigation_links(user) -> list[tuple[str, str]]:
    from django.urls import reverse

    from accounts.policies import navigation_roles

    # Staff only; the menu is on every page, so it asks the one per-request question every app's
    # links share (the queue itself shows only pupils the person teaches or supports).
    if navigation_roles(user):
        return [(_("Observations to review"), reverse("progress:observations_review"))]
    return []
