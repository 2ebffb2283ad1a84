"""The parents' dashboard's rows for the resolver walk (tests/test_authorization.py): another
school's guardian's mood check-in, whose note carries a marker that must never show to anyone
at the first school. The dashboard's own URLs take only `pupil_id` (already in the walk)."""

from parents.models import MoodCheckIn

PARAMETER_MODELS: dict = {}


def forbidden_rows(world) -> dict:
    check_in = MoodCheckIn.objects.create(
        guardian=world.far_parent, pupil=world.far_pupil, emoji="low", mood=1, energy=2, note="Farschool mood note"
    )
    return {MoodCheckIn: [check_in.pk]}
