"""Library rows nobody at the first school (or in the first family) may see, for the resolver walk
(tests/test_authorization.py): the far school's resource for its own staff (published to its
families too, tagged with a marker) with a file, a private draft of the far teacher's, and a home
strategy the far family suggested, waiting for their school's moderators."""

from django.core.files.base import ContentFile

from resources.models import Kind, Resource, ResourceVersion, Status, StrategySuggestion, Tag, TagKind, Visibility

PARAMETER_MODELS: dict = {"resource_id": Resource, "version_id": ResourceVersion}


def forbidden_rows(world) -> dict:
    school_only = Resource.objects.create(
        author=world.far_teacher,
        school=world.other_school,
        title="Farschool worksheet",
        description="Farschool only",
        kind=Kind.HOME_STRATEGY,
        visibility=Visibility.SCHOOL,
        status=Status.PUBLISHED,
        published_to_families=True,
    )
    school_only.set_tags([Tag.objects.get_or_create(kind=TagKind.TOPIC, name="Farschool topic")[0]])
    version = ResourceVersion.objects.create(
        resource=school_only,
        number=1,
        file=ContentFile(b"%PDF-1.4 Farschool", name="far.pdf"),
        original_name="Farschool.pdf",
        content_type="application/pdf",
        size=18,
        created_by=world.far_teacher,
    )
    draft = Resource.objects.create(
        author=world.far_teacher,
        school=world.other_school,
        title="Farschool draft",
        kind=Kind.WORKSHEET,
        visibility=Visibility.COMMUNITY,
        status=Status.DRAFT,
    )
    suggestion = Resource.objects.create(
        author=world.far_parent,
        school=world.other_school,
        title="Farschool family suggestion",
        body="<p>Farparent's own way</p>",
        kind=Kind.HOME_STRATEGY,
        visibility=Visibility.PRIVATE,
        status=Status.MODERATION,
        from_family=True,
    )
    StrategySuggestion.objects.create(resource=suggestion, show_name=True)
    return {Resource: [school_only.pk, draft.pk, suggestion.pk], ResourceVersion: [version.pk]}
