"""Safeguarding phrases alert the DSL and never block a message."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEntry
from messaging.models import SafeguardingAlert, SafeguardingPhrase
from messaging.services import safeguarding
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world


def test_phrases_match_whole_words_ignoring_case_and_spacing():
    phrases = ["hurt me", "scared"]
    assert safeguarding.phrases_matching("He said he would  HURT me", phrases) == ["hurt me"]
    assert safeguarding.phrases_matching("Scared of going home.", phrases) == ["scared"]
    assert safeguarding.phrases_matching("unscared and hurtful men", phrases) == []


def test_a_match_alerts_the_dsl_without_blocking_the_message(world, outside, django_capture_on_commit_callbacks):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared to go home")
    SafeguardingPhrase.objects.create(school=world.far_school, phrase="maths")
    with django_capture_on_commit_callbacks(execute=True):
        conversation = world.guardian_thread(body="She is scared to go home after maths")
    message = conversation.messages.get()
    assert message.status == "sent"
    alert = SafeguardingAlert.objects.get()
    assert alert.message == message
    assert alert.matched_phrases == ["scared to go home"]
    urgent = [item for item in outside.notifications if item["kind"] == "safeguarding"]
    assert [item["user"] for item in urgent] == [world.dsl]
    assert urgent[0]["urgent"] is True
    assert AuditEntry.objects.filter(action="safeguarding.alert_raised").exists()


def test_no_alert_without_a_match(world):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared")
    world.guardian_thread(body="All fine today")
    assert not SafeguardingAlert.objects.exists()


def test_only_the_schools_dsl_reviews_an_alert(world):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared")
    world.guardian_thread(body="scared")
    alert = SafeguardingAlert.objects.get()
    with pytest.raises(PermissionDenied):
        safeguarding.alert_review(user=world.teacher, alert=alert)
    safeguarding.alert_review(user=world.dsl, alert=alert)
    alert.refresh_from_db()
    assert alert.reviewed_by == world.dsl


def test_scanning_a_message_again_keeps_its_one_alert(world, outside, django_capture_on_commit_callbacks):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared")
    with django_capture_on_commit_callbacks(execute=True):
        message = world.guardian_thread(body="I am scared").messages.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = safeguarding.message_scan(message=message)
    assert SafeguardingAlert.objects.get() == again
    assert again.matched_phrases == ["scared"]
    assert len([item for item in outside.notifications if item["kind"] == "safeguarding"]) == 1


def test_a_match_says_which_text_it_was_found_in():
    assert safeguarding.describe_match("scared") == "scared"
    in_translation = {"phrase": "scared", "in": "translation", "from": "es", "language": "Spanish"}
    assert safeguarding.describe_match(in_translation) == "scared (in the machine translation from Spanish)"
    assert safeguarding.matched_phrase(in_translation) == "scared"


def _alerts(world, count):
    conversation = world.guardian_thread(body="Hello")
    message = conversation.messages.get()
    SafeguardingAlert.objects.bulk_create(
        SafeguardingAlert(message=message, school=world.school, matched_phrases=["scared"]) for _ in range(count)
    )


@pytest.mark.parametrize("count", [2, 40])
def test_alerts_page_queries_do_not_grow_with_alerts(client, world, count, django_assert_max_num_queries):
    _alerts(world, count)
    messaging_world.sign_in(client, world.dsl)
    with django_assert_max_num_queries(18):
        response = client.get("/messages/safeguarding/")
    assert response.status_code == 200
    assert response.content.decode().count("scared") >= min(count, 25)
