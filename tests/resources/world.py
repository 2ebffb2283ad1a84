"""The resource library's shared world: a home school with two departments, a partner school it
names, a school it does not know, people in every position, and helpers to make resources."""

from types import SimpleNamespace

from accounts.models import Role
from resources.models import Kind, Partnership, Resource, Status, Tag, Visibility
from tests import factories


def make_resource(*, author, school, title, visibility=Visibility.SCHOOL, status=Status.PUBLISHED, **fields):
    """A resource straight into the table (services are tested on their own), tags by (kind, name)."""
    tags = fields.pop("tags", ())
    resource = Resource.objects.create(
        author=author,
        school=school,
        title=title,
        kind=fields.pop("kind", Kind.WORKSHEET),
        visibility=visibility,
        status=status,
        department=fields.pop("department", None),
        **fields,
    )
    if tags:
        resource.set_tags([Tag.objects.get_or_create(kind=kind, name=name)[0] for kind, name in tags])
    return resource


def _staff(school, role=Role.TEACHER, department=None, **user):
    person = factories.UserFactory(**user)
    factories.MembershipFactory(user=person, school=school, role=role, department=department)
    return person


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.home = factories.SchoolFactory(name="Riverside Primary")
    w.partner = factories.SchoolFactory(name="Hillside Partner")
    w.stranger = factories.SchoolFactory(name="Faraway Academy")
    Partnership.objects.create(school=w.home, partner=w.partner)
    w.maths = factories.DepartmentFactory(school=w.home, name="Maths")
    w.english = factories.DepartmentFactory(school=w.home, name="English")
    w.author = _staff(w.home, department=w.maths, display_name="Ada Author")
    w.maths_colleague = _staff(w.home, department=w.maths)
    w.english_colleague = _staff(w.home, department=w.english)
    w.leader = _staff(w.home, role=Role.LEADER)
    w.partner_teacher = _staff(w.partner)
    w.stranger_teacher = _staff(w.stranger)
    w.stranger_leader = _staff(w.stranger, role=Role.LEADER)
    w.child = factories.PupilFactory(school=w.home, first_name="Kit")
    w.parent = factories.UserFactory(display_name="Pat Parent")
    factories.GuardianshipFactory(guardian=w.parent, pupil=w.child)
    w.far_child = factories.PupilFactory(school=w.stranger)
    w.far_parent = factories.UserFactory()
    factories.GuardianshipFactory(guardian=w.far_parent, pupil=w.far_child)
    w.nobody = factories.UserFactory()
    return w
