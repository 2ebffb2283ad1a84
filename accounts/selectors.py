"""Reads for accounts pages, filtered by the acting user."""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import policies
from accounts.models import ClassGroup, Guardianship, LoginAttempt, Membership, Pupil, Role, SendStatus, User


@dataclass(frozen=True)
class NavigationLink:
    label: str
    url: str
    current: bool


def navigation_for(user: User, *, current_path: str) -> list[NavigationLink]:
    links = [(_("Home"), reverse("home"))]
    # Apps above accounts add their sections (AppConfig.navigation_links) without accounts importing them.
    for app_config in apps.get_app_configs():
        if hasattr(app_config, "navigation_links"):
            links.extend(app_config.navigation_links(user))
    links.append((_("Security"), reverse("twofactor:overview")))
    links.append((_("Privacy"), reverse("privacy:overview")))
    links.append((_("Sign-in history"), reverse("login_history")))
    if user.is_staff:
        links.append((_("Admin"), reverse("admin:index")))
    return [NavigationLink(str(label), url, _is_current(current_path, url)) for label, url in links]


def _is_current(current_path: str, url: str) -> bool:
    # A section stays marked while the person is anywhere inside it (a thread within Messages).
    return current_path == url or (url != "/" and current_path.startswith(url))


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


def year_groups_for(user: User) -> QuerySet:
    """Pupils per year group (and how many with SEND) at schools where `user` leads or runs the office."""
    roles = [Role.LEADER, Role.DSL, Role.SCHOOL_ADMIN]
    schools = Membership.objects.filter(user=user, role__in=roles, is_active=True).values("school_id")
    return (
        Pupil.objects.current()
        .filter(school_id__in=schools)
        .values("school__name", "year_group")
        .annotate(pupils=Count("pk"), with_send=Count("pk", filter=~Q(send_status=SendStatus.NONE)))
        .order_by("school__name", "year_group")
    )
