"""The library's pages in the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
the teacher's home strategy, published to the school's families with a file, a review and a
family's feedback, a sensitive resource waiting in the leader's queue, and a home strategy the
parent suggested, waiting for the SENDCO's or the leader's decision."""

from django.core.files.uploadedfile import SimpleUploadedFile

from resources import services
from resources.models import Kind, Visibility


def candidates(world) -> dict:
    strategy = services.resource_create(
        author=world.teacher,
        school=world.school,
        title="Calm-down corner at home",
        kind=Kind.HOME_STRATEGY,
        description="A quiet place to settle.",
        body="<p>Pick a quiet spot with soft things.</p><ul><li>Breathe</li><li>Count to ten</li></ul>",
        upload=SimpleUploadedFile("corner.pdf", b"%PDF-1.4\n%%EOF\n"),
        change_note="First version",
    )
    services.resource_share(
        user=world.teacher, resource=strategy, visibility=Visibility.SCHOOL, published_to_families=True
    )
    services.review_save(user=world.leader, resource=strategy, stars=4, text="Useful")
    services.feedback_save(user=world.parent, resource=strategy, duration="two_weeks", outcome="a_lot")
    sensitive = services.resource_create(
        author=world.teacher, school=world.school, title="Behaviour plan template", kind=Kind.GUIDE, sensitive=True
    )
    services.resource_share(
        user=world.teacher, resource=sensitive, visibility=Visibility.COMMUNITY, published_to_families=False
    )
    suggestion = services.strategy_suggest(
        guardian=world.parent,
        school=world.school,
        title="Counting the stairs to bed",
        body="<p>We count the stairs together on the way up.</p>",
        link_url="https://video.example/stairs",
    )
    version = strategy.versions.get()
    return {"resource_id": [strategy.pk, sensitive.pk, suggestion.pk], "version_id": [version.pk]}
