"""The narrative summary: from a language model (a real local server speaking the OpenAI wire
format) when one is configured, from templates otherwise or when it fails; never a name sent."""

import datetime
import json
import re
import socket

import pytest
from django.core.cache import cache
from django.utils import translation

from progress.insights import policies, selectors, services
from tests import factories
from tests.progress import insights_records as records
from tests.simulators.llm import ChatCompletionsSimulator

TODAY = datetime.date(2026, 11, 27)
NAMES = ["Amani", "Otieno", "Ami", "Wanjiru", "Kamau", "Nairobi Hills", "Hills Academy"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def family(db):
    school = factories.SchoolFactory(
        name="Nairobi Hills Academy", country="KE", curriculum="cbc", time_zone="Africa/Nairobi"
    )
    child = factories.PupilFactory(school=school, first_name="Amani", last_name="Otieno", preferred_name="Ami")
    guardian = factories.UserFactory(display_name="Wanjiru Kamau")
    factories.GuardianshipFactory(guardian=guardian, pupil=child)
    factories.opt_in(child, recipient="ai")  # the family chose the AI-written summary
    maths = records.subject(school, "Mathematics")
    records.daily_activity(child, until=TODAY - datetime.timedelta(days=7), days=28, minutes=15, subject_row=maths)
    records.activity(child, TODAY - datetime.timedelta(days=1), 34, subject_row=maths)
    for weeks_ago, score in ((4, 80), (3, 72), (2, 65), (1, 58)):
        records.assessment(child, maths, TODAY - datetime.timedelta(days=7 * weeks_ago), score, title="Amani's test")
    # Free text people typed often names the child: it must never reach the model.
    records.goal(
        child, guardian, title="Amani reads to Wanjiru every night", target_date=TODAY - datetime.timedelta(days=2)
    )
    records.milestone(child, TODAY - datetime.timedelta(days=1), title="Ami Otieno: seven days in a row")
    services.refresh_insights(pupil=child, today=TODAY)
    return guardian, child


@pytest.fixture
def model(settings):
    with ChatCompletionsSimulator(
        api_key="test-key", reply="[CHILD] had a quieter week; [CHILD] still loves maths."
    ) as server:
        settings.INSIGHTS_LLM_URL = server.url
        settings.INSIGHTS_LLM_API_KEY = "test-key"
        settings.INSIGHTS_LLM_MODEL = "tiny-model"
        settings.INSIGHTS_LLM_TIMEOUT = 2
        yield server


def test_the_model_writes_the_narrative_and_the_page_fills_in_the_name(family, model):
    guardian, child = family
    narrative = selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    assert narrative.source == "model"
    assert narrative.text == "Ami had a quieter week; Ami still loves maths."
    assert str(narrative.label) == "Written by a language model from your child's records"
    [body] = model.requests
    assert body["model"] == "tiny-model"
    assert [message["role"] for message in body["messages"]] == ["system", "user"]
    assert model.headers[0]["Authorization"] == "Bearer test-key"
    facts = json.loads(body["messages"][1]["content"].split("\n", 1)[1])
    assert facts["minutes_last_7_days"] == 34
    assert facts["average_minutes_per_week_before"] == 105
    assert facts["child"] == "[CHILD]"
    assert "engagement_drop" in facts["open_alerts"]


def test_the_model_never_sees_a_name(family, model):
    guardian, child = family
    selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    sent = json.dumps(model.requests, ensure_ascii=False)
    for name in NAMES + [guardian.email, child.school.name]:
        assert not re.search(rf"\b{re.escape(name)}\b", sent, flags=re.IGNORECASE), name
    assert "[CHILD]" in sent


def test_a_subject_named_after_someone_is_scrubbed_too(family, model):
    guardian, child = family
    named = records.subject(child.school, "Otieno House projects")
    records.activity(child, TODAY, 600, subject_row=named)
    selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    sent = json.dumps(model.requests).lower()
    assert "otieno" not in sent
    assert "[child] house projects" in sent


def test_the_models_text_is_kept_for_the_day(family, model):
    guardian, child = family
    first = selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    second = selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    assert first == second
    assert len(model.requests) == 1
    selectors.narrative_for(user=guardian, pupil=child, today=TODAY + datetime.timedelta(days=1))
    assert len(model.requests) == 2


def test_the_model_is_asked_for_the_readers_language(family, model):
    guardian, child = family
    with translation.override("sw"):
        selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    assert "Write in Swahili." in model.requests[0]["messages"][0]["content"]


def _template_expected(guardian, child):
    return selectors.narrative_for(user=guardian, pupil=child, today=TODAY)


def test_without_a_model_the_templates_write_it(family, settings):
    settings.INSIGHTS_LLM_URL = ""
    guardian, child = family
    narrative = selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    assert narrative.source == "template"
    assert str(narrative.label) == "Written from your child's records by a template"
    assert "Ami spent 34 minutes learning, against 105 a week" in narrative.text
    assert "Mathematics" in narrative.text


def test_a_model_that_is_down_falls_back_to_the_templates(family, settings):
    guardian, child = family
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.INSIGHTS_LLM_URL = f"http://127.0.0.1:{port}"
    narrative = selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    assert narrative.source == "template"
    assert "34 minutes" in narrative.text


def test_a_slow_model_falls_back_and_is_not_asked_again_straight_away(family, model, settings):
    guardian, child = family
    settings.INSIGHTS_LLM_TIMEOUT = 0.3
    model.delay = 1.5
    assert selectors.narrative_for(user=guardian, pupil=child, today=TODAY).source == "template"
    assert len(model.requests) == 1
    model.delay = 0
    # Within the back-off the page does not wait on a model that just failed.
    assert selectors.narrative_for(user=guardian, pupil=child, today=TODAY).source == "template"
    assert len(model.requests) == 1


@pytest.mark.parametrize(
    "breakage",
    [
        {"status": 500},
        {"api_key": "another-key"},
        {"reply": ""},
    ],
)
def test_a_failing_model_falls_back_to_the_templates(family, model, breakage):
    guardian, child = family
    for name, value in breakage.items():
        setattr(model, name, value)
    assert selectors.narrative_for(user=guardian, pupil=child, today=TODAY).source == "template"


def test_without_consent_for_ai_the_model_is_not_asked(family, model, monkeypatch):
    guardian, child = family
    monkeypatch.setattr(policies, "may_use_ai_for", lambda pupil: False)
    assert selectors.narrative_for(user=guardian, pupil=child, today=TODAY).source == "template"
    assert model.requests == []


def test_endpoint_accepts_a_base_a_v1_or_a_full_url(settings):
    from progress.insights import llm

    for configured in ("http://x:1", "http://x:1/", "http://x:1/v1", "http://x:1/v1/chat/completions"):
        settings.INSIGHTS_LLM_URL = configured
        assert llm.endpoint() == "http://x:1/v1/chat/completions"


def test_staff_read_a_label_about_the_pupil(family, settings):
    settings.INSIGHTS_LLM_URL = ""
    _, child = family
    sendco = factories.UserFactory()
    factories.MembershipFactory(user=sendco, school=child.school, role="sendco")
    narrative = selectors.narrative_for(user=sendco, pupil=child, today=TODAY)
    assert str(narrative.label) == "Written from the pupil's records by a template"


def test_the_nightly_task_has_the_summary_ready_in_each_familys_language(family, model):
    from progress.insights import tasks

    guardian, child = family
    guardian.preferred_language = "sw"
    guardian.save()
    other = factories.UserFactory(preferred_language="en-gb")
    factories.GuardianshipFactory(guardian=other, pupil=child)
    tasks.refresh_pupil_insights(child.pk)
    today = selectors.school_today(child)  # the task's day
    languages = sorted(body["messages"][0]["content"].rsplit("Write in ", 1)[1] for body in model.requests)
    assert languages == ["British English.", "Swahili."]
    with translation.override("sw"):
        assert selectors.narrative_for(user=guardian, pupil=child, today=today).source == "model"
    with translation.override("en-gb"):
        assert selectors.narrative_for(user=other, pupil=child, today=today).source == "model"
    assert len(model.requests) == 2  # the pages asked nothing


def test_without_a_model_the_nightly_task_asks_nothing(family, settings):
    from progress.insights import tasks

    settings.INSIGHTS_LLM_URL = ""
    _, child = family
    assert tasks.refresh_pupil_insights(child.pk) >= 0
