"""Rows of the parents' dashboard for the resolver walk (tests/test_authorization.py): alerts about
another family's child and another school's pupil, to guess through the dismiss address."""

from progress.models import Insight

PARAMETER_MODELS = {"insight_id": Insight}


def forbidden_rows(world) -> dict:
    rows = [
        Insight.objects.create(
            pupil=pupil, rule="engagement_drop", severity="warning", key="engagement_drop:walk", numbers={"minutes": 1}
        )
        for pupil in (world.far_pupil, world.other_child)
    ]
    return {Insight: [row.pk for row in rows]}
