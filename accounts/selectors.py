"""Reads for accounts pages, filtered by the acting user."""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import policies
from accounts.models import (
    ClassGroup,
    Guardianship,
    LoginAttempt,
    Membership,
    Pupil,
    Role,
    School,
    SendStatus,
    User,
)


@dataclass(frozen=True)
class NavigationLink:
    label: str
    url: str
    current: bool


def pupil_sections(*, user: User, pupil, goals=()) -> list[str]:
    """What apps above accounts add to a page about `pupil` (AppConfig.pupil_sections), as HTML
    each app rendered and decided for `user`. `goals`: (title, description) of the pupil's active
    goals, read by the page under its own policy."""
    sections = []
    for app_config in apps.get_app_configs():
        if hasattr(app_config, "pupil_sections"):
            sections.extend(app_config.pupil_sections(user=user, pupil=pupil, goals=list(goals)))
    return sections


def navigation_for(user: User, *, current_path: str) -> list[NavigationLink]:
    links = [(_("Home"), reverse("home"))]
    # Apps above accounts add their sections (AppConfig.navigation_links) without accounts importing them.
    for app_config in apps.get_app_configs():
        if hasattr(app_config, "navigation_links"):
            links.extend(app_config.navigation_links(user))
    links.append((_("Settings"), reverse("settings_index")))
    links.append((_("Security"), reverse("twofactor:overview")))
    links.append((_("Privacy"), reverse("privacy:overview")))
    links.append((_("Sign-in history"), reverse("login_history")))
    if user.is_staff:
        links.append((_("Admin"), reverse("admin:index")))
    return [NavigationLink(str(label), url, _is_current(current_path, url)) for label, url in links]


def _is_current(current_path: str, url: str) -> bool:
    # A section stays marked while the person is anywhere inside it (a thread within Messages).
    return current_path == url or (url != "/" and current_path.startswith(url))


def is_pupil_sign_in(user: User) -> bool:
    """Whether `user` is a pupil's own sign-in (Pupil.user), not a guardian's or staff's."""
    return user.is_authenticated and Pupil.objects.filter(user=user).exists()


def children_for_guardian(user: User) -> QuerySet[Pupil]:
    """The guardian's children with their school and class groups, for the home page."""
    return (
        policies.children_of(user)
        .select_related("school")
        .prefetch_related(
            Prefetch("class_groups", queryset=ClassGroup.objects.prefetch_related("staff")),
            Prefetch("guardianships", queryset=Guardianship.objects.filter(guardian=user), to_attr="my_links"),
        )
        .order_by("date_of_birth")
    )


def memberships_for(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, is_active=True).select_related("school", "department")


def classes_taught_by(user: User) -> QuerySet[ClassGroup]:
    return (
        ClassGroup.objects.filter(staff=user, school__memberships__user=user, school__memberships__is_active=True)
        .distinct()
        .select_related("school")
        .prefetch_related(Prefetch("pupils", queryset=Pupil.objects.current().order_by("last_name", "first_name")))
        .order_by("school__name", "name")
    )


def login_history_for(user: User, *, limit: int = 50) -> QuerySet[LoginAttempt]:
    return LoginAttempt.objects.filter(user=user).order_by("-created_at")[:limit]


@dataclass(frozen=True)
class SignIn:
    """One sign-in attempt as its person reads it: "Chrome on Android, network 203.0.113.0/24, yesterday 19:04"."""

    at: datetime.datetime
    when: str
    device: str
    place: str
    outcome: str
    succeeded: bool


def sign_in_history_for(user: User, *, limit: int = 50) -> list[SignIn]:
    """The person's own latest sign-in attempts, newest first, in words, on their clock (one query)."""
    from accounts.settings.devices import device_in_words, place_in_words, time_in_words

    now = timezone.now()
    return [
        SignIn(
            at=attempt.created_at,
            when=time_in_words(attempt.created_at, now=now),
            device=device_in_words(attempt.user_agent),
            place=place_in_words(town=attempt.town, ip_address=attempt.ip_address),
            outcome=attempt.get_outcome_display(),
            succeeded=attempt.succeeded,
        )
        for attempt in login_history_for(user, limit=limit)
    ]


@dataclass(frozen=True)
class ProfileChoices:
    likely_time_zones: list[str]
    phone_region: str | None  # where a number typed without +country code is read


def profile_choices_for(user: User) -> ProfileChoices:
    """For the profile form (one query): the time zones the person most likely lives in, most
    likely first (their own, their children's schools' and the schools they work at, then those
    countries' other zones and their language's), and the country of their schools (if only one)."""
    from accounts.settings.zones import LANGUAGE_COUNTRIES, likely_zones

    schools = list(
        School.objects.filter(
            Q(pk__in=policies.children_of(user).values("school_id"))
            | Q(pk__in=Membership.objects.filter(user=user, is_active=True).values("school_id"))
        )
        .order_by("name")
        .values_list("time_zone", "country")
    )
    countries = [country.upper() for _zone, country in schools]
    zones = likely_zones(
        current=user.time_zone,
        school_zones=[zone for zone, _country in schools],
        countries=countries,
        language=user.preferred_language,
    )
    if countries:
        region = countries[0] if len(set(countries)) == 1 else None
    else:
        region = next(iter(LANGUAGE_COUNTRIES.get(user.preferred_language, ())), None)
    return ProfileChoices(likely_time_zones=zones, phone_region=region)


def send_register_for(user: User) -> QuerySet[Pupil]:
    """Current pupils with SEND at the schools where `user` is the SENDCO."""
    schools = Membership.objects.filter(user=user, role=Role.SENDCO, is_active=True).values("school_id")
    return (
        Pupil.objects.current()
        .filter(school_id__in=schools)
        .exclude(send_status=SendStatus.NONE)
        .select_related("school")
        .order_by("school__name", "year_group", "last_name", "first_name")
    )


# Who sees their schools' pupils per year group on the home page.
YEAR_GROUP_ROLES = (Role.LEADER, Role.DSL, Role.SCHOOL_ADMIN)


def year_groups_for(user: User) -> QuerySet:
    """Pupils per year group (and how many with SEND) at schools where `user` leads or runs the office."""
    schools = Membership.objects.filter(user=user, role__in=YEAR_GROUP_ROLES, is_active=True).values("school_id")
    return (
        Pupil.objects.current()
        .filter(school_id__in=schools)
        .values("school__name", "year_group")
        .annotate(pupils=Count("pk"), with_send=Count("pk", filter=~Q(send_status=SendStatus.NONE)))
        .order_by("school__name", "year_group")
    )
