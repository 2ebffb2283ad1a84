"""What a notification is about, and whether its recipient may still see it.

A notification may name a target: something its recipient can lose the right to see (a
conversation, later a goal or a casework concern). Each app registers, per model, the queryset
of those objects a user may see now (its `<nouns>_visible_to(user)` policy), in its AppConfig's
`ready()`; messaging registers conversations. The notification engine asks at every email, text
message and digest, and filters the in-app inbox and badge by the same rule, so a notification
whose subject the person lost is neither sent nor shown. The child it is about is checked the
same way (`accounts.policies.pupils_visible_to`).

The rule is a `Q` over notifications, one per recipient, so a check is one query however many
notifications it covers.
"""

from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_

from django.db.models import Model, Q, QuerySet

from accounts.models import User
from accounts.policies import pupils_visible_to

VisibleTo = Callable[[User], QuerySet]

_registry: dict[str, VisibleTo] = {}


def register(model: type[Model], visible_to: VisibleTo) -> None:
    """Let notifications be about `model`'s objects: `visible_to(user)` is the queryset of those
    `user` may see now. Registering the same model again replaces its rule."""
    _registry[model._meta.label_lower] = visible_to


def label_of(target: Model) -> str:
    """The `target_type` stored for `target`; ValueError when its model is not registered."""
    label = target._meta.label_lower
    if label not in _registry:
        raise ValueError(f"Notifications cannot be about {label}: register it in messaging.notifications.targets.")
    return label


def still_visible(user: User) -> Q:
    """The notifications of `user` whose child and target `user` may still see (a filter for their
    own rows: it does not restrict to `user`'s notifications by itself)."""
    pupil = Q(pupil__isnull=True) | Q(pupil__in=pupils_visible_to(user).values("pk"))
    target = Q(target_type="")
    for label, visible_to in _registry.items():
        target |= Q(target_type=label, target_id__in=visible_to(user).values("pk"))
    return pupil & target


def still_visible_to_recipients(users: Iterable[User]) -> Q:
    """`still_visible` for the notifications of several people at once (each checked against its
    own recipient), for a batch: one query however many people, a longer one with more."""
    branches = [Q(user_id=user.pk) & still_visible(user) for user in {user.pk: user for user in users}.values()]
    return reduce(or_, branches) if branches else Q(pk__in=[])


def can_see_target(user: User, target: Model) -> bool:
    """Whether `user` may see `target` now (a registered model's object)."""
    visible_to = _registry[label_of(target)]
    return visible_to(user).filter(pk=target.pk).exists()
