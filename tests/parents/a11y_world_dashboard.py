"""The parents' dashboard in the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
the world's child gets a little of everything the pages show (a week of activity, a judgement per
age-related expectation, a badge, a celebration, a goal due soon, an alert, a mood check-in), so the
charts, tables and cards are checked with something in them. The pages' only parameter is
`pupil_id`, which the walk already has."""

import datetime

from django.utils import timezone

from parents.models import MoodCheckIn
from progress import frameworks
from progress.competencies import built_in
from progress.models import (
    ActivitySession,
    Award,
    Celebration,
    CompetencyJudgement,
    Goal,
    Insight,
    Milestone,
)


def candidates(world) -> dict:
    child, parent = world.child, world.parent
    today = timezone.localdate()
    now = timezone.now()
    for offset in range(7):
        ActivitySession.objects.create(pupil=child, started_at=now - datetime.timedelta(days=offset), minutes=25)
    for position, (code, _name) in enumerate(frameworks.ENGLAND_ARE):
        competency = built_in(code)
        CompetencyJudgement.objects.create(
            pupil=child,
            competency=competency,
            scale="england_are",
            level=("WTS", "EXS", "GDS")[position % 3],
            judged_on=today,
        )
    Award.objects.create(pupil=child, kind="badge", title="Reading star", awarded_on=today)
    milestone = Milestone.objects.create(
        pupil=child, kind="streak", key="a11y-dashboard-streak", title="A week of reading", happened_on=today
    )
    Celebration.objects.create(
        milestone=milestone, pupil=child, heading="A week of reading", body="Well done, Visible!"
    )
    Goal.objects.create(
        pupil=child,
        title="Read every evening",
        category="academic",
        target_date=today + datetime.timedelta(days=2),
        created_by=parent,
    )
    Insight.objects.create(
        pupil=child,
        rule="engagement_drop",
        severity="warning",
        key="engagement_drop:a11y-dashboard",
        numbers={"this_week": 34, "average": 95, "weeks": 4},
    )
    MoodCheckIn.objects.create(guardian=parent, pupil=child, emoji="good", mood=4, energy=3, note="A calm day")
    return {}
