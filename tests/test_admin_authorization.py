"""Django admin, walked from the resolver for a school admin of each of two schools.

Every admin URL that names an object (change, delete, history, password), with the other school's
ids, answers 403 or 404; every changelist, add page and autocomplete answers without showing a
row of the other school; every action offered, aimed at the other school's rows, answers 403/404
and leaves them as they were; credentials, email and second factors are never editable. The
school admins hold exactly the demo's "School admins" permissions (seed_demo). A new model
registered in admin is walked without editing this test: its "other school" rows are found by
its foreign keys to School (up to three hops) or to a person of the other school, and a model
with neither counts every row as out of reach.
"""

import re
from collections import deque

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.sites import site
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from accounts.management.commands.seed_demo import school_admin_group
from accounts.models import AccountLink, LoginAttempt, School, TOTPDevice, User
from messaging.models import (
    Attachment,
    Conversation,
    GlossaryTerm,
    Message,
    MessageTemplate,
    MessagingSettings,
    Notification,
    Participant,
    SafeguardingAlert,
    SafeguardingPhrase,
)
from tests import factories
from tests.conftest import force_verified_login
from tests.test_authorization import all_routes

pytestmark = pytest.mark.django_db

# Never the school's: whoever's account it is.
CREDENTIAL_FIELDS = {"email", "password", "password1", "password2", "is_active", "is_staff", "is_superuser"}
CREDENTIAL_FIELDS |= {"groups", "user_permissions", "usable_password"}


class Side:
    """One school with one of everything Django admin shows; every name carries `word`."""

    def __init__(self, word: str):
        self.word = word
        self.school = factories.SchoolFactory(name=f"{word} School", slug=word.lower())
        self.office = factories.UserFactory(email=f"office@{word.lower()}.example", display_name=f"{word} Office")
        factories.MembershipFactory(user=self.office, school=self.school, role="school_admin")
        self.office.is_staff = True
        self.office.save()
        self.office.groups.add(school_admin_group())

        self.pupil = factories.PupilFactory(school=self.school, first_name=f"{word}pupil")
        self.parent = factories.UserFactory(email=f"parent@{word.lower()}.example", display_name=f"{word}parent")
        factories.GuardianshipFactory(guardian=self.parent, pupil=self.pupil)
        self.teacher = factories.UserFactory(email=f"teacher@{word.lower()}.example", display_name=f"{word}teacher")
        department = factories.DepartmentFactory(school=self.school, name=f"{word}department")
        factories.MembershipFactory(
            user=self.teacher, school=self.school, department=department, job_title=f"{word}job"
        )
        group = factories.ClassGroupFactory(school=self.school, name=f"{word}class")
        group.staff.add(self.teacher)
        group.pupils.add(self.pupil)
        self.people = [self.office, self.parent, self.teacher]

        TOTPDevice.objects.create(user=self.parent, name=f"{word}phone", secret="JBSWY3DPEHPK3PXP", confirmed=True)
        LoginAttempt.objects.create(user=self.parent, email_entered=self.parent.email, outcome="success")
        audit.record(actor=self.teacher, action="pupil.viewed", target=self.pupil)
        AccountLink.objects.create(user=self.teacher, school=self.school, links=[])

        thread = Conversation.objects.create(
            school=self.school,
            pupil=self.pupil,
            kind="guardian_staff",
            subject=f"{word}subject",
            created_by=self.parent,
        )
        Participant.objects.create(conversation=thread, user=self.parent)
        message = Message.objects.create(
            conversation=thread, sender=self.parent, body=f"{word}body", language="en", sent_at=timezone.now()
        )
        Attachment.objects.create(
            message=message,
            file=SimpleUploadedFile(f"{word}file.pdf", b"%PDF-1.4"),
            original_name=f"{word}file.pdf",
            content_type="application/pdf",
            size=8,
        )
        SafeguardingAlert.objects.create(message=message, school=self.school, matched_phrases=[f"{word}alert"])
        MessagingSettings.objects.create(school=self.school)
        GlossaryTerm.objects.create(school=self.school, term=f"{word}term", language="es", translation=f"{word}x")
        SafeguardingPhrase.objects.create(school=self.school, phrase=f"{word}phrase")
        MessageTemplate.objects.create(school=self.school, title=f"{word}template", body="Hi", purpose="praise")
        Notification.objects.create(user=self.parent, kind="message", title=f"{word}notification", url="/")


class World:
    def __init__(self):
        self.sides = {"home": Side("Qxalder"), "far": Side("Qxbirch")}
        # Teaches at both: visible to both offices, but each sees only their own side of them.
        self.shared = factories.UserFactory(email="shared@example.org", display_name="Shared Teacher")
        for side in self.sides.values():
            factories.MembershipFactory(user=self.shared, school=side.school, job_title=f"{side.word}sharedjob")
            # What each school's admin did to the shared teacher, as Django admin logs it.
            LogEntry.objects.create(
                user=side.office,
                content_type=ContentType.objects.get_for_model(User),
                object_id=str(self.shared.pk),
                object_repr=str(self.shared),
                action_flag=CHANGE,
                change_message=f"Changed job title for {side.word}sharedjob",
            )


@pytest.fixture(params=["first school", "second school"])
def arranged(request, db):
    world = World()
    home, far = world.sides["home"], world.sides["far"]
    if request.param == "second school":
        home, far = far, home
    return world, home, far


# --- what belongs to the other school ----------------------------------------------------------


def _school_paths(model, depth=3) -> list[str]:
    """Lookups from `model` to School through forward foreign keys, not through people."""
    if model is School:
        return ["pk"]
    paths, queue = [], deque([(model, "", 0)])
    while queue:
        current, prefix, hops = queue.popleft()
        for field in current._meta.get_fields():
            if not (field.is_relation and field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            target = field.related_model
            if target is School:
                paths.append(f"{prefix}{field.name}")
            elif target is not User and target is not None and hops + 1 < depth:
                queue.append((target, f"{prefix}{field.name}__", hops + 1))
    return paths


def _people_fields(model) -> list[str]:
    return [
        field.name
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.many_to_one and field.related_model is User
    ]


def far_ids(model, far: Side) -> list:
    """Ids of `model`'s rows that belong to the other school or to one of its people."""
    if model is User:
        return [person.pk for person in far.people]
    if model._meta.label_lower == "accounts.auditentry":
        return list(model.objects.filter(school_id=far.school.pk).values_list("pk", flat=True))
    condition = Q()
    for path in _school_paths(model):
        condition |= Q(**{path: far.school.pk})
    for name in _people_fields(model):
        condition |= Q(**{f"{name}__in": far.people})
    rows = model.objects.filter(condition) if condition else model.objects.all()
    return list(rows.values_list("pk", flat=True).distinct()[:3])


def _markers(far: Side) -> list[str]:
    return [far.word]


def _model_for(route_name: str):
    for model, _model_admin in site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if route_name.startswith(prefix):
            return model, route_name.removeprefix(prefix)
    return None, None


def _shows(response, far: Side) -> list[str]:
    if getattr(response, "streaming", False):
        return []
    body = response.content.decode(errors="replace")
    return [marker for marker in _markers(far) if marker in body]


# --- the walk ----------------------------------------------------------------------------------------


def test_every_admin_url_naming_another_schools_row_answers_403_or_404(client, arranged):
    world, home, far = arranged
    force_verified_login(client, home.office)
    before = {model: far_ids(model, far) for model in site._registry}
    problems, visited = [], 0
    for route in all_routes():
        if not route.name.startswith("admin:"):
            continue
        model, view = _model_for(route.name)
        object_params = [p for p in route.params if p in {"object_id", "id", "pk"}]
        if model is None or not object_params:
            continue
        for pk in far_ids(model, far):
            url = "/" + route.template.format(**{param: pk for param in route.params})
            for method in ("get", "post"):
                response = getattr(client, method)(url, {"post": "yes"} if method == "post" else None)
                visited += 1
                if response.status_code not in (403, 404):
                    problems.append(f"{method.upper()} {url} ({route.name}) answered {response.status_code}")
    assert visited > 60, "the walk reached almost nothing: is the admin registered?"
    assert not problems, "\n".join(problems)
    # Nothing the walk posted (deletes confirmed with "post=yes") removed anything of the other school.
    assert {model: far_ids(model, far) for model in site._registry} == before


def test_no_changelist_add_page_or_choice_list_shows_another_schools_row(client, arranged):
    world, home, far = arranged
    force_verified_login(client, home.office)
    problems, opened = [], 0
    for route in all_routes():
        if not route.name.startswith("admin:") or route.params and route.params != ["app_label"]:
            continue
        url = "/" + route.template.format(app_label="accounts")
        response = client.get(url)
        opened += 1
        if response.status_code >= 500:
            problems.append(f"{url} failed with {response.status_code}")
        if leaked := _shows(response, far):
            problems.append(f"{url} ({route.name}) shows {leaked}")
    # Their own rows' pages carry the choice lists too (foreign keys, many-to-many, inlines), and
    # the page of someone who also works at the other school shows only this school's side.
    for model, model_admin in site._registry.items():
        own = far_ids(model, home) + ([world.shared.pk] if model is User else [])
        for pk in own:
            for view in ("change", "history"):
                url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}/{view}/"
                response = client.get(url)
                opened += 1
                if leaked := _shows(response, far):
                    problems.append(f"{url} shows {leaked}")
        for inline in [model_admin, *model_admin.inlines]:
            for field_name in getattr(inline, "autocomplete_fields", ()):
                source = inline.model if inline is not model_admin else model
                response = client.get(
                    "/admin/autocomplete/",
                    {
                        "app_label": source._meta.app_label,
                        "model_name": source._meta.model_name,
                        "field_name": field_name,
                        "term": "",
                    },
                )
                opened += 1
                if leaked := _shows(response, far):
                    problems.append(f"autocomplete {source.__name__}.{field_name} shows {leaked}")
    assert opened > 40
    assert not problems, "\n".join(problems)


def test_every_action_aimed_at_another_schools_rows_is_refused(client, arranged):
    world, home, far = arranged
    force_verified_login(client, home.office)
    problems, tried = [], 0
    for model in site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        listing = client.get(url)
        if listing.status_code != 200:
            continue  # a whole model they may not use: every action below it is refused the same way
        action_form = listing.context.get("action_form") if listing.context else None
        names = [name for name, _label in action_form.fields["action"].choices if name] if action_form else []
        ids = far_ids(model, far)
        if not ids:
            continue
        before = model.objects.filter(pk__in=ids).count()
        for name in names:
            response = client.post(url, {"action": name, "_selected_action": ids, "post": "yes"})
            tried += 1
            if response.status_code not in (403, 404):
                problems.append(f"action {name} on {model.__name__} {ids} answered {response.status_code}")
        if model.objects.filter(pk__in=ids).count() != before:
            problems.append(f"actions on {model.__name__} removed another school's rows")
    assert tried >= 5
    assert not problems, "\n".join(problems)


def test_credentials_email_and_second_factors_are_never_editable_by_a_school_admin(client, arranged):
    world, home, far = arranged
    force_verified_login(client, home.office)
    for person in [*home.people, world.shared]:
        page = client.get(f"/admin/accounts/user/{person.pk}/change/")
        assert page.status_code == 200
        editable = set(page.context["adminform"].form.fields)
        assert not editable & CREDENTIAL_FIELDS, (person, editable & CREDENTIAL_FIELDS)
        assert client.get(f"/admin/accounts/user/{person.pk}/password/").status_code == 403
    add = client.get("/admin/accounts/user/add/")
    assert not set(add.context["adminform"].form.fields) & CREDENTIAL_FIELDS - {"email"}
    # Second factors and allauth's email addresses are the operator's and the owner's.
    for model in site._registry:
        label = model._meta.label_lower
        if label in {"account.emailaddress", "account.emailconfirmation"} or "device" in model._meta.model_name:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code == 403, url
    # The shared teacher's name is theirs: this school cannot rename someone who also works elsewhere.
    shared = client.get(f"/admin/accounts/user/{world.shared.pk}/change/").context["adminform"].form
    assert "display_name" not in shared.fields


def test_school_admin_group_has_exactly_the_documented_permissions(db):
    from accounts.management.commands.seed_demo import SCHOOL_ADMIN_PERMISSIONS

    group = school_admin_group()
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    expected = {
        (app, f"{action}_{model}")
        for app, models_ in SCHOOL_ADMIN_PERMISSIONS.items()
        for model, actions in models_.items()
        for action in actions
    }
    assert held == expected
    assert not {
        codename for _app, codename in held if re.match(r"(add|change|delete)_(loginattempt|auditentry)", codename)
    }
    assert not {codename for _app, codename in held if "device" in codename or codename.endswith("_emailaddress")}


def test_operator_keeps_full_power(client, arranged):
    world, home, far = arranged
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    force_verified_login(client, operator)
    for side in (home, far):
        assert client.get(f"/admin/accounts/pupil/{side.pupil.pk}/change/").status_code == 200
        assert client.get(f"/admin/accounts/user/{side.parent.pk}/password/").status_code == 200


def test_people_filters_tell_nothing_about_another_school(client, arranged):
    world, home, far = arranged
    force_verified_login(client, home.office)
    everyone = client.get("/admin/accounts/user/")
    by_far_school = client.get("/admin/accounts/user/", {"school": far.school.pk})
    assert by_far_school.status_code in (200, 302)
    if by_far_school.status_code == 200:
        assert list(by_far_school.context["cl"].result_list) == list(everyone.context["cl"].result_list)
    # Roles held elsewhere cannot be filtered on: the lookup is refused.
    assert client.get("/admin/accounts/user/", {"memberships__role": "teacher"}).status_code in (302, 400)
