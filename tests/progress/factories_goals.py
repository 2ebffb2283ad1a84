"""factory_boy factories for shared goals, celebrations and the portfolio (rows as the services
would leave them; tests of the services themselves call the services)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from progress import competencies
from progress.models import (
    ActivitySession,
    Award,
    Celebration,
    CompetencyJudgement,
    Goal,
    GoalUpdate,
    Milestone,
    PortfolioItem,
)
from tests import factories


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    pupil = factory.SubFactory(factories.PupilFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    category = "academic"
    owner = "both"
    created_by = factory.SubFactory(factories.UserFactory)


class GoalUpdateFactory(DjangoModelFactory):
    class Meta:
        model = GoalUpdate

    goal = factory.SubFactory(GoalFactory)
    pupil = factory.SelfAttribute("goal.pupil")
    author = factory.SelfAttribute("goal.created_by")
    side = "home"
    note = factory.Sequence(lambda n: f"Update {n}")


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    pupil = factory.SubFactory(factories.PupilFactory)
    kind = "award"
    key = factory.Sequence(lambda n: f"test:{n}")
    title = factory.Sequence(lambda n: f"Milestone {n}")
    happened_on = factory.LazyFunction(timezone.localdate)
    details = factory.LazyAttribute(lambda milestone: {"title": milestone.title})


class CelebrationFactory(DjangoModelFactory):
    class Meta:
        model = Celebration

    milestone = factory.SubFactory(MilestoneFactory)
    pupil = factory.SelfAttribute("milestone.pupil")
    heading = ""
    body = ""


class PortfolioItemFactory(DjangoModelFactory):
    class Meta:
        model = PortfolioItem

    pupil = factory.SubFactory(factories.PupilFactory)
    kind = "work"
    title = factory.Sequence(lambda n: f"Portfolio item {n}")
    added_by = factory.SubFactory(factories.UserFactory)


def activity_on(pupil, *days: datetime.date, hour: int = 10):
    """One learning session on each of `days` (at `hour`, UTC)."""
    return [
        ActivitySession.objects.create(
            pupil=pupil,
            started_at=datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC),
            minutes=30,
        )
        for day in days
    ]


def judgement(pupil, competency_code: str, level: str, on: datetime.date, scale: str = "england_are"):
    competency = competencies.built_in(competency_code)
    return CompetencyJudgement.objects.create(
        pupil=pupil, competency=competency, scale=scale, level=level, judged_on=on
    )


def award(pupil, title="Star reader", on=None):
    return Award.objects.create(pupil=pupil, kind="certificate", title=title, awarded_on=on or timezone.localdate())
