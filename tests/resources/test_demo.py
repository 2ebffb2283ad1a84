"""The library's demo: Riverside's home strategies with families' feedback, shared teaching
resources, a sensitive plan waiting for the head, a parent's suggestion waiting for moderation;
seeding again adds nothing."""

from django.core.management import call_command
from django.urls import reverse

from accounts.models import Pupil, User
from resources.models import (
    Collection,
    CollectionItem,
    Partnership,
    Resource,
    Review,
    ShareApproval,
    Status,
    StrategyFeedback,
    StrategySuggestion,
    Tag,
)
from resources.policies import resources_visible_to


def _counts() -> dict:
    models = (
        *(Resource, Tag, Partnership, ShareApproval, StrategyFeedback, Review),
        *(StrategySuggestion, Collection, CollectionItem),
    )
    return {model.__name__: model.objects.count() for model in models}


def test_families_see_strategies_with_feedback_and_a_second_seed_adds_nothing(db, client):
    call_command("seed_demo", quiet=True)
    first = _counts()
    assert first["Resource"] >= 24
    emma = User.objects.get(email="parent@riverside.example")
    seen = set(resources_visible_to(emma).values_list("title", flat=True))
    assert "Calm-down corner at home" in seen
    assert "Behaviour support plan template" not in seen
    assert "Fronted adverbials lesson" not in seen  # for teachers only
    client.force_login(emma)
    corner = Resource.objects.get(title="Calm-down corner at home")
    assert "Helped 1 of 2 families" in client.get(reverse("resources:detail", args=[corner.pk])).content.decode()
    # One parent's suggestion waits for Riverside's SENDCO: its author sees it, no other family does.
    waiting = Resource.objects.get(status=Status.MODERATION, from_family=True)
    assert first["StrategySuggestion"] == 1
    assert waiting.author == emma
    assert resources_visible_to(emma).filter(pk=waiting.pk).exists()
    maria = User.objects.get(email="maria.garcia@riverside.example")
    assert not resources_visible_to(maria).filter(pk=waiting.pk).exists()
    # The featured collection heads the library; Oliver's goals page recommends strategies, with why.
    library = client.get(reverse("resources:library")).content.decode()
    assert "Featured collections" in library
    assert "Reading at home" in library
    oliver = Pupil.objects.get(first_name="Oliver", last_name="Clarke")
    goals = client.get(reverse("parents:child_goals", args=[oliver.pk])).content.decode()
    assert "Ideas to try at home" in goals
    assert "Helps with dyslexia, one of Oliver&#x27;s needs" in goals
    assert "Fits the goal ‘Read aloud for ten minutes every day’" in goals
    call_command("seed_demo", quiet=True)
    assert _counts() == first
