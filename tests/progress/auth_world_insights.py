"""Insights for the resolver-walking authorization test (tests/test_authorization.py): alerts
about another family's child and another school's pupil, whose sentences carry the markers that
must never show, and which model each URL parameter of the insight pages names."""

from accounts.models import ClassGroup
from progress.models import Insight


def _late_goal(pupil, title):
    return Insight.objects.create(
        pupil=pupil,
        rule="deadline_missed",
        severity="warning",
        key=f"deadline_missed:world:{pupil.pk}",
        numbers={"goal_id": 0, "title": title, "category": "health", "target_date": "2026-01-05", "days_over": 9},
    )


def forbidden_rows(world) -> dict:
    other_family = _late_goal(world.other_child, "Secretfamily swimming goal")
    far = _late_goal(world.far_pupil, "Farschool swimming goal")
    return {Insight: [other_family.pk, far.pk]}


PARAMETER_MODELS = {"insight_id": Insight, "class_id": ClassGroup}
