"""Rows of shared goals, celebrations and portfolios that nobody at the first school (or in the
first family) may see, for the resolver-walking authorization test (tests/test_authorization.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from progress.models import Celebration, Goal, GoalUpdate, Milestone, PortfolioItem

PARAMETER_MODELS = {
    "goal_id": Goal,
    "goal_update_id": GoalUpdate,
    "celebration_id": Celebration,
    "portfolio_item_id": PortfolioItem,
}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _rows_for(pupil, adult, marker, shown_to):
    goal = Goal.objects.create(pupil=pupil, title=f"{marker} goal", category="social", created_by=adult)
    update = GoalUpdate(goal=goal, pupil=pupil, author=adult, side="home", note=f"{marker} update", progress=50)
    update.file.save("evidence.png", SimpleUploadedFile("evidence.png", PNG), save=False)
    update.original_name, update.content_type = f"{marker}.png", "image/png"
    update.save()
    milestone = Milestone.objects.create(
        pupil=pupil,
        kind="award",
        key=f"award:{marker}",
        title=f"{marker} award",
        happened_on=timezone.localdate(),
        details={"title": f"{marker} award"},
    )
    celebration = Celebration.objects.create(
        milestone=milestone, pupil=pupil, heading=f"{marker} celebration", body=f"{marker} words"
    )
    # Approved and shown to its school (far school) or its own class (the other family's, in
    # another class): still nothing for the first family or school.
    item = PortfolioItem(
        pupil=pupil, kind="photo", title=f"{marker} portfolio", added_by=adult, visibility=shown_to, status="approved"
    )
    item.file.save("photo.png", SimpleUploadedFile("photo.png", PNG), save=False)
    item.original_name, item.content_type = f"{marker}.png", "image/png"
    item.save()
    # Waiting for approval, shown to the class: nobody beyond the family yet.
    pending = PortfolioItem.objects.create(
        pupil=pupil, kind="work", title=f"{marker} pending", added_by=adult, visibility="class"
    )
    return {
        Goal: [goal.pk],
        GoalUpdate: [update.pk],
        Celebration: [celebration.pk],
        PortfolioItem: [item.pk, pending.pk],
    }


def forbidden_rows(world) -> dict:
    rows: dict = {}
    for pupil, adult, marker, shown_to in (
        (world.far_pupil, world.far_parent, "Farschool", "school"),
        (world.other_child, world.other_parent, "Secretfamily", "class"),
    ):
        for model, ids in _rows_for(pupil, adult, marker, shown_to).items():
            rows.setdefault(model, []).extend(ids)
    return rows
