"""Values for the every-page accessibility walk: an alert about the walk's child (so the insights
page and its card show a real one) and the teacher's class (the class overview)."""

from progress.models import Insight


def candidates(world) -> dict:
    insight = Insight.objects.create(
        pupil=world.child,
        rule="engagement_drop",
        severity="warning",
        key="engagement_drop:walk",
        numbers={"this_week": 34, "average": 95, "weeks": 4},
    )
    class_ids = list(world.teacher.class_groups.values_list("pk", flat=True))
    return {"insight_id": [insight.pk], "class_id": class_ids[:1]}
