"""Every URL the project has, for every kind of user, with other families' and schools' ids.

The URL list comes from the resolver, so a new page is covered without editing this test. For
each page and user the response must not contain anything that user may not see (names and
emails of another family's child, another school's pupil, ...). Anonymous visitors may only
reach the pages named in PUBLIC_URL_NAMES.
"""

import importlib
import pkgutil
import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import audit
from accounts.models import (
    AuditEntry,
    ClassGroup,
    Department,
    Guardianship,
    LoginAttempt,
    Membership,
    Pupil,
    School,
    TOTPDevice,
    User,
)
from messaging.models import (
    Announcement,
    Attachment,
    Conversation,
    Message,
    Notification,
    Participant,
    SafeguardingAlert,
)
from tests import factories

# Pages an anonymous visitor may see (sign-in, password reset and the like).
PUBLIC_URL_NAMES = {
    "healthz",
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "account_logout",
    "admin:login",
    "javascript-catalog",
    "set_language",
    "language_set",
}


@dataclass
class Route:
    name: str
    template: str  # path with {param} placeholders
    params: list[str] = field(default_factory=list)


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + _pattern_text(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name=name, template=prefix + _pattern_text(entry.pattern))


def _pattern_text(pattern) -> str:
    text = str(pattern)
    if hasattr(pattern, "_route"):  # path(): <int:pk> -> {pk}
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    # re_path(): named groups -> {name}; admin's app list group -> its first app label
    text = text.lstrip("^").rstrip("$")
    text = re.sub(r"\(\?P<app_label>([\w|]+)\)", lambda m: m.group(1).split("|")[0], text)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    return text.replace("\\", "")


def all_routes() -> list[Route]:
    routes = []
    for route in _walk(get_resolver().url_patterns):
        route.params = re.findall(r"\{(\w+)\}", route.template)
        if route.template.startswith(("static/", "media/")):
            continue
        routes.append(route)
    return routes


class World:
    """Two schools, two families at the first, staff in every role, ids to guess."""

    def __init__(self):
        self.school = factories.SchoolFactory(name="Home School")
        self.other_school = factories.SchoolFactory(name="Elsewhere Academy", slug="elsewhere")

        self.child = factories.PupilFactory(school=self.school, first_name="Visible", last_name="Childname")
        self.parent = factories.UserFactory(email="parent@home.example", display_name="Pat Parent")
        factories.GuardianshipFactory(guardian=self.parent, pupil=self.child)

        self.other_child = factories.PupilFactory(school=self.school, first_name="Secretfamily", last_name="Kidd")
        self.other_parent = factories.UserFactory(email="otherfamily@home.example", display_name="Quinn Otherfamily")
        self.other_guardianship = factories.GuardianshipFactory(guardian=self.other_parent, pupil=self.other_child)

        self.far_pupil = factories.PupilFactory(school=self.other_school, first_name="Farschool", last_name="Hidden")
        self.far_parent = factories.UserFactory(email="far.parent@elsewhere.example", display_name="Remy Farparent")
        self.far_guardianship = factories.GuardianshipFactory(guardian=self.far_parent, pupil=self.far_pupil)
        self.far_teacher = factories.UserFactory(email="far.teacher@elsewhere.example", display_name="Vic Farteacher")
        self.far_membership = factories.MembershipFactory(user=self.far_teacher, school=self.other_school)
        self.far_department = factories.DepartmentFactory(school=self.other_school, name="Fardepartment")
        self.far_class = factories.ClassGroupFactory(school=self.other_school, name="Farclass")
        self.far_class.pupils.add(self.far_pupil)
        self.far_class.staff.add(self.far_teacher)

        self.teacher = self._staff("teacher@home.example", "Tess Teacher", "teacher")
        own_class = factories.ClassGroupFactory(school=self.school, name="Own class")
        own_class.staff.add(self.teacher)
        own_class.pupils.add(self.child)
        self.other_class = factories.ClassGroupFactory(school=self.school, name="Secretclass")
        self.other_class.pupils.add(self.other_child)

        self.sendco = self._staff("sendco@home.example", "Sid Sendco", "sendco")
        self.school_admin = self._staff("office@home.example", "Ola Office", "school_admin", is_staff=True)
        group = Group.objects.create(name="School admins")
        group.permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
        self.school_admin.groups.add(group)

        self.far_device = TOTPDevice.objects.create(user=self.far_parent, name="phone", secret="JBSWY3DPEHPK3PXP")
        LoginAttempt.objects.create(user=self.far_parent, email_entered=self.far_parent.email, outcome="success")
        audit.record(actor=self.far_teacher, action="pupil.viewed", target=self.far_pupil)

        # Conversations nobody at the first school (or in the first family) may read.
        self.other_family_thread = self._thread(
            self.school, self.other_child, self.other_parent, "Secretfamily worries", "Secretfamily message body"
        )
        self.far_thread = self._thread(
            self.other_school, self.far_pupil, self.far_parent, "Farschool worries", "Farschool message body"
        )
        far_message = self.far_thread.messages.get()
        self.far_attachment = Attachment.objects.create(
            message=far_message,
            file=SimpleUploadedFile("Farschool-note.pdf", b"%PDF-1.4 Farschool"),
            original_name="Farschool-note.pdf",
            content_type="application/pdf",
            size=18,
        )
        self.far_alert = SafeguardingAlert.objects.create(
            message=far_message, school=self.other_school, matched_phrases=["Farschool"]
        )
        # Announcements nobody in the first family (or at the first school) may read.
        self.far_announcement = Announcement.objects.create(
            school=self.other_school,
            author=self.far_teacher,
            audience="school",
            title="Farschool announcement",
            body="Farschool news",
            sent_at=timezone.now(),
        )
        self.other_family_announcement = Announcement.objects.create(
            school=self.school,
            author=self.school_admin,
            audience="classes",
            title="Secretfamily announcement",
            body="For Secretclass only",
            sent_at=timezone.now(),
        )
        self.other_family_announcement.class_groups.add(self.other_class)
        self.far_notification = Notification.objects.create(
            user=self.far_parent, kind="message", title="Farschool notification", url="/"
        )
        # Each app's tests may add rows of its own to guess (tests/<app>/auth_world.py).
        self.extra_forbidden: dict = {}
        for extension in _world_extensions():
            for model, ids in extension.forbidden_rows(self).items():
                self.extra_forbidden.setdefault(model, []).extend(ids)

    def _thread(self, school, pupil, guardian, subject, body):
        conversation = Conversation.objects.create(
            school=school, pupil=pupil, kind="guardian_staff", subject=subject, created_by=guardian
        )
        Participant.objects.create(conversation=conversation, user=guardian)
        Message.objects.create(
            conversation=conversation, sender=guardian, body=body, language="en", sent_at=timezone.now()
        )
        return conversation

    def _staff(self, email, name, role, **flags):
        user = factories.UserFactory(email=email, display_name=name, **flags)
        factories.MembershipFactory(user=user, school=self.school, role=role)
        return user

    def forbidden_ids(self, model) -> list:
        """Ids of rows of `model` that nobody at the first school (other than operators) may see."""
        by_model = {
            Pupil: [self.far_pupil.pk],
            School: [self.other_school.pk],
            User: [self.far_parent.pk, self.far_teacher.pk],
            Guardianship: [self.far_guardianship.pk],
            Membership: [self.far_membership.pk],
            Department: [self.far_department.pk],
            ClassGroup: [self.far_class.pk],
            LoginAttempt: list(LoginAttempt.objects.filter(user=self.far_parent).values_list("pk", flat=True)),
            AuditEntry: list(AuditEntry.objects.filter(school_id=self.other_school.pk).values_list("pk", flat=True)),
            TOTPDevice: [self.far_device.pk],
            Conversation: [self.far_thread.pk, self.other_family_thread.pk],
            Message: list(
                Message.objects.filter(conversation__in=[self.far_thread, self.other_family_thread]).values_list(
                    "pk", flat=True
                )
            ),
            Attachment: [self.far_attachment.pk],
            SafeguardingAlert: [self.far_alert.pk],
            Notification: [self.far_notification.pk],
            Announcement: [self.far_announcement.pk, self.other_family_announcement.pk],
        }
        return by_model.get(model, []) or self.extra_forbidden.get(model, [])

    def all_forbidden_ids(self) -> list:
        return sorted({self.other_child.pk, self.far_pupil.pk, self.other_school.pk, self.far_parent.pk})


def _world_extensions() -> list:
    """The `tests/<app>/auth_world*.py` modules. Each has `forbidden_rows(world) -> {Model: [ids]}`
    (rows it creates that nobody at the first school, or in the first family, may see, using the
    world's people: world.far_pupil, world.other_child, world.far_teacher, ...) and
    `PARAMETER_MODELS` ({"goal_id": Goal}: which model a URL parameter names)."""
    import tests

    found = []
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            package = importlib.import_module(f"tests.{info.name}")
            for module in pkgutil.iter_modules(package.__path__):
                if module.name.startswith("auth_world"):
                    found.append(importlib.import_module(f"tests.{info.name}.{module.name}"))
    return found


# A URL parameter named like this takes the ids of that model's forbidden rows.
PARAMETER_MODELS = {
    "pupil_id": Pupil,
    "school_id": School,
    "conversation_id": Conversation,
    "message_id": Message,
    "attachment_id": Attachment,
    "alert_id": SafeguardingAlert,
    "notification_id": Notification,
    "announcement_id": Announcement,
    "device_id": TOTPDevice,
}


FAR_MARKERS = ["Farschool", "Farparent", "far.parent@", "Farteacher", "Fardepartment", "Farclass", "Elsewhere Academy"]
OTHER_FAMILY_MARKERS = ["Secretfamily", "Otherfamily", "otherfamily@", "Secretclass"]


def _values_for(route: Route, world: World) -> list[dict]:
    """Concrete parameter sets: ids of things the user must not see, or junk for keys/tokens."""
    if not route.params:
        return [{}]
    model = None
    if route.name.startswith("admin:"):
        match = re.match(r"admin:(\w+?)_(\w+?)_", route.name)
        if match:
            from django.apps import apps

            try:
                model = apps.get_model(match.group(1), match.group(2))
            except LookupError:
                model = None
    if model is None:
        parameter_models = dict(PARAMETER_MODELS)
        for extension in _world_extensions():
            parameter_models.update(getattr(extension, "PARAMETER_MODELS", {}))
        model = next((parameter_models[p] for p in route.params if p in parameter_models), None)
    ids = world.forbidden_ids(model) if model else world.all_forbidden_ids()
    if not ids:
        return []
    sets = []
    for value in ids:
        values = {}
        for param in route.params:
            if param in {"pk", "id", "object_id"} or param.endswith("_id"):
                values[param] = value
            elif param == "content_type_id":
                values[param] = 1
            elif param in {"slug", "school_slug"}:
                values[param] = world.other_school.slug
            elif param == "app_label":
                values[param] = "accounts"
            elif param == "kind":
                values[param] = "guardian_staff"
            else:
                values[param] = "not-a-real-key"
        sets.append(values)
    return sets


def _sign_in(client, user):
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def _enrol(user):
    TOTPDevice.objects.create(user=user, name="phone", secret="JBSWY3DPEHPK3PXP", confirmed=True)


@pytest.fixture
def world(db):
    world = World()
    for user in (world.sendco, world.school_admin):
        _enrol(user)
    return world


def _visit_all(client, world, markers, *, anonymous=False):
    problems = []
    visited = 0
    for route in all_routes():
        for values in _values_for(route, world):
            url = "/" + route.template.format(**values)
            response = client.get(url)
            visited += 1
            body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
            leaked = [marker for marker in markers if marker in body]
            if leaked:
                problems.append(f"{url} ({route.name}) shows {leaked}")
            if anonymous and response.status_code == 200 and route.name not in PUBLIC_URL_NAMES:
                problems.append(f"{url} ({route.name}) answers 200 to an anonymous visitor")
            if response.status_code >= 500:
                problems.append(f"{url} ({route.name}) failed with {response.status_code}")
    assert visited > 20, "the URL walk found almost nothing; is the resolver walk broken?"
    assert not problems, "\n".join(problems)


def test_walk_finds_pages_of_every_app():
    names = {route.name for route in all_routes()}
    assert {
        "home",
        "login_history",
        "account_login",
        "healthz",
        "admin:accounts_pupil_change",
        "messaging:thread",
        "messaging:attachment",
        "notifications:inbox",
    } <= names


@pytest.mark.django_db
def test_anonymous_sees_only_public_pages_and_no_one_data(client, world):
    _visit_all(client, world, FAR_MARKERS + OTHER_FAMILY_MARKERS + ["Visible Childname"], anonymous=True)


@pytest.mark.django_db
def test_parent_sees_nothing_of_another_family_or_school(client, world):
    _sign_in(client, world.parent)
    _visit_all(client, world, FAR_MARKERS + OTHER_FAMILY_MARKERS)


@pytest.mark.django_db
def test_teacher_sees_nothing_of_pupils_they_do_not_teach_or_another_school(client, world):
    _sign_in(client, world.teacher)
    _visit_all(client, world, FAR_MARKERS + OTHER_FAMILY_MARKERS)


@pytest.mark.django_db
def test_sendco_sees_nothing_of_another_school(client, world):
    _sign_in(client, world.sendco)
    _visit_all(client, world, FAR_MARKERS)


@pytest.mark.django_db
def test_school_admin_sees_nothing_of_another_school_even_in_django_admin(client, world):
    _sign_in(client, world.school_admin)
    _visit_all(client, world, FAR_MARKERS)


@pytest.mark.django_db
def test_school_admin_can_use_admin_for_their_own_school(client, world):
    _sign_in(client, world.school_admin)
    response = client.get("/admin/accounts/pupil/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Visible" in body
    assert "Farschool" not in body
    assert client.get(f"/admin/accounts/pupil/{world.far_pupil.pk}/change/").status_code == 404


@pytest.mark.django_db
def test_parent_and_teacher_cannot_open_django_admin(client, world):
    for user in (world.parent, world.teacher):
        _sign_in(client, user)
        response = client.get("/admin/accounts/pupil/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
