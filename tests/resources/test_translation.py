"""A home strategy in a family's language: asked of the translation job (not made in the
request), stored as a generic StoredTranslation, labelled, marked with its language, and the
original one tap away."""

import pytest
from django.urls import reverse

from hub import outbox
from hub.models import OutboxEntry
from messaging.models import StoredTranslation
from messaging.translation.engines import clear_caches
from messaging.translation.engines.apertium import ApertiumEngine
from resources.models import Kind, Visibility
from resources.translation import TRANSLATE
from tests.conftest import require
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def apertium(settings):
    settings.TRANSLATION_ENGINES = ["apertium"]
    clear_caches()
    engine = ApertiumEngine()
    require(engine.is_available(), "the apertium program is not installed (apt-get install apertium)")
    require(("en", "es") in engine.pairs(), "Apertium lacks English→Spanish (apt-get install apertium-eng-spa)")
    yield engine
    clear_caches()


def test_a_spanish_speaking_parent_reads_the_strategy_in_spanish_with_the_original_a_tap_away(client, apertium):
    w = build_world()
    w.parent.preferred_language = "es"
    w.parent.save(update_fields=["preferred_language"])
    strategy = make_resource(
        author=w.author,
        school=w.home,
        title="Reading together every night",
        kind=Kind.HOME_STRATEGY,
        visibility=Visibility.SCHOOL,
        published_to_families=True,
        body='<p>Read with your child every night.</p><img src="/media/book.png" alt="A parent reading">',
    )
    page = reverse("resources:detail", args=[strategy.pk])
    client.force_login(w.parent)

    # Not translated yet: the original, and one job asked for (however often the page is opened).
    body = client.get(page).content.decode()
    client.get(page)
    assert "Read with your child every night." in body
    assert 'id="machine-translated"' not in body
    jobs = OutboxEntry.objects.filter(effect=TRANSLATE, object_id=strategy.pk)
    assert jobs.count() == 1
    assert not StoredTranslation.objects.filter(object_id=strategy.pk, field="body").exists()

    outbox.run(jobs.get().pk)  # what the translation worker does

    body = client.get(page).content.decode()
    assert 'id="machine-translated"' in body
    # The catalogues are translated after merging: the label is in English until then.
    assert "Traducido automáticamente del" in body  # the label in the parent's own language
    assert 'href="?original=1"' in body
    assert 'lang="es"' in body
    assert "niño" in body
    assert 'src="/media/book.png"' in body  # the picture's address is not translated
    assert "Read with your child every night." not in body

    original = client.get(page, {"original": "1"}).content.decode()
    assert "Read with your child every night." in original
    assert 'lang="en"' in original

    # Its author, and a family who reads English, read the original with no label and ask no job.
    client.force_login(w.author)
    assert 'id="machine-translated"' not in client.get(page).content.decode()
    client.force_login(w.far_parent)
    strategy.visibility = Visibility.PUBLIC
    strategy.save(update_fields=["visibility"])
    assert 'id="machine-translated"' not in client.get(page).content.decode()
    assert jobs.count() == 1
