"""Goals, celebrations and portfolio rows for the every-page accessibility walk
(tests/browser/test_every_page_accessible.py), seeded for tests.messaging.world.World's people,
and a pupil with their own sign-in (the child, given one as their school would)."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from progress.goals import services
from progress.goals.milestones import recognise_milestones
from tests import factories
from tests.progress.factories_goals import activity_on, award


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "green").save(buffer, "PNG")
    return SimpleUploadedFile("reading.png", buffer.getvalue(), content_type="image/png")


def candidates(world) -> dict:
    goal = services.goal_create(
        author=world.parent,
        pupil=world.child,
        title="Read every night",
        category="academic",
        home_support="A story at bedtime",
        school_support="Guided reading on Tuesdays",
    )
    update = services.goal_update_add(author=world.parent, goal=goal, note="Two books", progress=30, upload=_png())
    services.goal_update_add(author=world.teacher, goal=goal, note="Reads aloud in class", progress=60)
    services.pupil_voice_add(writer=world.parent, pupil=world.child, goal=goal, text="I like the dragon book")
    award(world.child, "Star reader")
    activity_on(world.child, *(datetime.date(2026, 9, 1) + datetime.timedelta(days=n) for n in range(5)))
    celebration = recognise_milestones(world.child)[0].celebration
    services.celebration_note_add(author=world.teacher, celebration=celebration, text="Brilliant work")
    waiting = services.portfolio_item_add(
        author=world.parent, pupil=world.child, kind="photo", title="Volcano model", visibility="class", upload=_png()
    )
    # Approved as a teacher adds it: the class page shows it.
    services.portfolio_item_add(
        author=world.teacher, pupil=world.child, kind="work", title="Poem about rain", visibility="class"
    )
    # One value each: the walk tries every value with every role, and its discovery is time-limited.
    return {
        "goal_id": [goal.pk],
        "goal_update_id": [update.pk],
        "celebration_id": [celebration.pk],
        "portfolio_item_id": [waiting.pk],
        "class_group_id": [world.child.class_groups.values_list("pk", flat=True).first()],
    }


def roles(world) -> dict:
    """The child with their own sign-in (their school lets pupils sign in from this age)."""
    pupil_user = factories.UserFactory(display_name="Visible Childname", email="visible@pupils.example")
    world.child.user = pupil_user
    world.child.save(update_fields=["user"])
    return {"pupil": pupil_user}
