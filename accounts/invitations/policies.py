"""Which accounts a school may manage, and which it is already linked to.

A person's account is their own: a school changes the details on it only when that school is all
the account is for (no other school's staff role or family link) and it is no operator's account.
Credentials, email and second factors are never the school's, whatever this answers.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Guardianship, Membership, School, User


def _ids(school_ids: Iterable[int]) -> list[int]:
    return [getattr(school, "pk", school) for school in school_ids]


def users_linked_to(*, school_ids: Iterable[int]) -> QuerySet[User]:
    """People with a staff role (active or not) or a family link at any of these schools."""
    ids = _ids(school_ids)
    return User.objects.filter(
        Q(pk__in=Membership.objects.filter(school_id__in=ids).values("user_id"))
        | Q(pk__in=Guardianship.objects.filter(pupil__school_id__in=ids).values("guardian_id"))
    )


def accounts_controlled_by(*, school_ids: Iterable[int]) -> QuerySet[User]:
    """Accounts whose every link is to these schools: the only ones whose name and phone they edit."""
    ids = _ids(school_ids)
    elsewhere_staff = Membership.objects.filter(user=OuterRef("pk")).exclude(school_id__in=ids)
    elsewhere_family = Guardianship.objects.filter(guardian=OuterRef("pk")).exclude(pupil__school_id__in=ids)
    return users_linked_to(school_ids=ids).filter(
        ~Exists(elsewhere_staff), ~Exists(elsewhere_family), is_superuser=False
    )


def is_linked_to(*, user: User, school: School) -> bool:
    return users_linked_to(school_ids=[school.pk]).filter(pk=user.pk).exists()


def school_controls_account(*, user: User, school_ids: Iterable[int]) -> bool:
    return accounts_controlled_by(school_ids=school_ids).filter(pk=user.pk).exists()
