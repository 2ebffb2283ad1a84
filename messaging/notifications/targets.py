"""What a notification is about, and whether its recipient may still see it.

A notification may name a target: something its recipient can lose the right to see (a
conversation, later a goal or a casework concern). Each app registers, per model, the queryset
of those objects a user may see now (its `<nouns>_visible_to(user)` policy), in its AppConfig's
`ready()`; messaging registers conversations. The notification engine asks at every email, text
message and digest, and filters the in-app inbox and badge by the same rule, so a notification
whose subject the person lost is neither sent nor shown. The child it is about is checked the
same way (`accounts.policies.pupils_visible_to`).

The rule is a `Q` over notifications, one per recipient, so a check is one query however many
notifications it covers; its SQL is compiled once per process and reused with the recipient's id
(`hub.compiled_sql`).

A model may also register its `audience`: the same rule read the other way (who may see this
object now, one query). Many people are then checked at once (`who_may_see`, `still_deliverable`:
a fan-out to a school, a message's readers) in one query; whoever the audience leaves out is
checked one by one with the rule itself, so the audience may be narrower, never wider.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_

from django.db.models import Model, Q, QuerySet

from accounts.models import User
from accounts.policies import can_view_pupil, people_who_see_pupil, pupils_visible_to
from hub.compiled_sql import reused_one, reused_sql

VisibleTo = Callable[[User], QuerySet]
Audience = Callable[[Model], QuerySet]
AudienceAmong = Callable[[Model, list[int]], Iterable[User]]

_registry: dict[str, VisibleTo] = {}
_models: dict[str, type[Model]] = {}
_audiences: dict[str, Audience] = {}
_audience_sees_pupil: set[str] = set()
_audiences_among: dict[str, AudienceAmong] = {}


def register(
    model: type[Model],
    visible_to: VisibleTo,
    *,
    audience: Audience | None = None,
    audience_sees_pupil: bool = False,
    audience_among: AudienceAmong | None = None,
) -> None:
    """Let notifications be about `model`'s objects: `visible_to(user)` is the queryset of those
    `user` may see now; `audience(obj)`, when given, the users who may see `obj` now (each of
    them must pass `visible_to`); `audience_sees_pupil` when everyone in it may also see the
    object's own `pupil` (a conversation about a child); `audience_among(obj, user_ids)`, when
    given, those of `user_ids` in `audience(obj)`, decided from current rows at each call (the
    same rule, a cheaper query: its SQL compiled once per process). Registering the same model
    again replaces its rule."""
    label = model._meta.label_lower
    _registry[label] = visible_to
    _models[label] = model
    _audiences.pop(label, None)
    _audience_sees_pupil.discard(label)
    _audiences_among.pop(label, None)
    if audience is not None:
        _audiences[label] = audience
        if audience_sees_pupil:
            _audience_sees_pupil.add(label)
        if audience_among is not None:
            _audiences_among[label] = audience_among


def _pupil_seen_by_audience(target_type: str, target: Model | None, pupil_id: int | None) -> bool:
    return target is not None and target_type in _audience_sees_pupil and getattr(target, "pupil_id", None) == pupil_id


def label_of(target: Model) -> str:
    """The `target_type` stored for `target`; ValueError when its model is not registered."""
    label = target._meta.label_lower
    if label not in _registry:
        raise ValueError(f"Notifications cannot be about {label}: register it in messaging.notifications.targets.")
    return label


def rules(user: User) -> Q:
    """The notifications of `user` whose child and target `user` may still see, as a filter written
    into the query's own WHERE: for a query that looks at some of them only (the unread, counted
    for the badge), where `still_visible`'s subquery would ask the rules of every notification
    they ever had, read or not, whatever the query around it keeps or limits."""
    pupil = Q(pupil__isnull=True) | Q(pupil__in=pupils_visible_to(user).values("pk"))
    target = Q(target_type="")
    for label, visible_to in _registry.items():
        target |= Q(target_type=label, target_id__in=visible_to(user).values("pk"))
    return pupil & target


def rules_shape() -> tuple:
    """What decides how the visibility rules' SQL is written: the registered targets and their rules
    (a key for SQL compiled once per process, `hub.compiled_sql`)."""
    return tuple((label, id(rule)) for label, rule in sorted(_registry.items()))


def still_visible(user: User) -> Q:
    """The notifications of `user` whose child and target `user` may still see (a filter: only
    `user`'s own notifications can pass it)."""
    from messaging.models import Notification

    visible = reused_sql(
        user.pk,
        shape=("notifications.visible", *rules_shape()),
        build=lambda user_id: Notification.objects.filter(user_id=user_id).filter(rules(User(pk=user_id))).values("pk"),
    )
    return Q(pk__in=visible)


def still_visible_to_recipients(users: Iterable[User]) -> Q:
    """`still_visible` for the notifications of several people at once (each checked against its
    own recipient), for a batch: one query however many people, a longer one with more."""
    branches = [Q(user_id=user.pk) & still_visible(user) for user in {user.pk: user for user in users}.values()]
    return reduce(or_, branches) if branches else Q(pk__in=[])


def can_see_target(user: User, target: Model) -> bool:
    """Whether `user` may see `target` now (a registered model's object)."""
    visible_to = _registry[label_of(target)]
    return visible_to(user).filter(pk=target.pk).exists()


def who_may_see(users: Iterable[User], *, target: Model | None = None, pupil=None) -> set[int]:
    """The ids of `users` who may see `target` and `pupil` (either may be None) now: one query for
    everyone the target's audience names, then one check per person it leaves out."""
    users = list({user.pk: user for user in users}.values())
    if not users or (target is None and pupil is None):
        return {user.pk for user in users}
    audience = _audiences.get(label_of(target)) if target is not None else None
    passed: set[int] = set()
    if target is None or audience is not None:
        found = User.objects.filter(pk__in=[user.pk for user in users])
        if target is not None:
            found = found.filter(pk__in=audience(target).order_by().values("pk"))
        pupil_id = getattr(pupil, "pk", pupil)
        if pupil is not None and not (
            target is not None and _pupil_seen_by_audience(label_of(target), target, pupil_id)
        ):
            found = found.filter(pk__in=people_who_see_pupil(pupil).values("pk"))
        passed = set(found.values_list("pk", flat=True))
    for user in users:
        if user.pk in passed:
            continue
        if (pupil is None or can_view_pupil(user=user, pupil=pupil)) and (
            target is None or can_see_target(user, target)
        ):
            passed.add(user.pk)
    return passed


def still_deliverable(notifications: Iterable) -> set[int]:
    """The ids of `notifications` (with their `user` loaded) whose recipient is active and may
    still see their child and target. Grouped by what they are about: a batch about one target
    costs one query for the target, one for its audience, and one for whoever it leaves out."""
    from messaging.models import Notification

    groups: dict[tuple, list] = defaultdict(list)
    for notification in notifications:
        if notification.user.is_active:
            groups[(notification.target_type, notification.target_id, notification.pupil_id)].append(notification)
    deliverable: set[int] = set()
    rest: list = []
    for (target_type, target_id, pupil_id), group in groups.items():
        target = None
        if target_type:
            if target_type not in _audiences or target_type not in _models:
                rest.extend(group)
                continue
            # As it is now, one query compiled once per model (asked at every batch sent).
            target = reused_one(_models[target_type], target_id, shape=("notifications.target",))
            if target is None:
                continue  # gone: nobody sees it
        if target is None and pupil_id is None:
            deliverable.update(notification.pk for notification in group)
            continue
        user_ids = [notification.user_id for notification in group]
        pupil_seen = pupil_id is None or _pupil_seen_by_audience(target_type, target, pupil_id)
        if target is not None and pupil_seen and target_type in _audiences_among:
            passed = {user.pk for user in _audiences_among[target_type](target, user_ids)}
        else:
            found = User.objects.filter(pk__in=user_ids)
            if target is not None:
                found = found.filter(pk__in=_audiences[target_type](target).order_by().values("pk"))
            if not pupil_seen:
                found = found.filter(pk__in=people_who_see_pupil(pupil_id).values("pk"))
            passed = set(found.values_list("pk", flat=True))
        deliverable.update(notification.pk for notification in group if notification.user_id in passed)
        rest.extend(notification for notification in group if notification.user_id not in passed)
    if rest:
        deliverable.update(
            Notification.objects.filter(pk__in=[notification.pk for notification in rest])
            .filter(still_visible_to_recipients(notification.user for notification in rest))
            .values_list("pk", flat=True)
        )
    return deliverable
