"""Each consent cell that something reads today, proven from the recipient's side: what they see
before, what they no longer see once the family refuses, and who still sees it (fixed cells,
safeguarding). Never by reading the matrix back."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import DataKind, Recipient, SchoolConsentDefault
from progress.goals import services as goals
from progress.insights import selectors as insights
from tests.accounts import consent_world as worlds
from tests.progress.factories_records import ActivitySessionFactory, AssessmentFactory, AwardFactory
from tests.simulators.llm import ChatCompletionsSimulator

consent_world = worlds.consent_world
sign_in = worlds.sign_in

ASSESSMENT, ACTIVITY, PHOTOS = DataKind.ASSESSMENT, DataKind.ACTIVITY, DataKind.PHOTOS


def record_page(client, user, pupil):
    sign_in(client, user)
    response = client.get(f"/progress/pupils/{pupil.pk}/record/")
    return response.status_code, response.content.decode()


# --- other school staff: assessment results and activity ----------------------------------------


@pytest.fixture
def records(consent_world):
    w = consent_world
    AssessmentFactory(pupil=w.child, title="Spelling Bee Marker", subject__name="English")
    AwardFactory(pupil=w.child, title="Star Reader Marker")
    ActivitySessionFactory(pupil=w.child, kind="reading", minutes=47)
    return w


@pytest.mark.parametrize("who", ["leader", "sendco"])
def test_refusing_other_staff_hides_assessments_from_staff_who_do_not_teach_the_child(client, records, who):
    w = records
    staff = getattr(w, who)
    status, page = record_page(client, staff, w.child)
    assert status == 200
    assert "Spelling Bee Marker" in page
    assert "Star Reader Marker" in page

    w.choose(ASSESSMENT, Recipient.OTHER_STAFF, False)

    status, page = record_page(client, staff, w.child)
    assert "Spelling Bee Marker" not in page
    assert "Star Reader Marker" not in page


def test_the_class_teacher_and_the_dsl_still_see_assessments_after_a_refusal(client, records):
    w = records
    w.choose(ASSESSMENT, Recipient.OTHER_STAFF, False)
    for user in (w.teacher, w.dsl, w.parent):
        status, page = record_page(client, user, w.child)
        assert status == 200
        assert "Spelling Bee Marker" in page, user


def test_a_refusal_for_one_child_leaves_another_child_s_records_visible(client, records):
    w = records
    AssessmentFactory(pupil=w.classmate, title="Classmate Quiz Marker")
    w.choose(ASSESSMENT, Recipient.OTHER_STAFF, False)
    _status, page = record_page(client, w.leader, w.classmate)
    assert "Classmate Quiz Marker" in page


def test_refusing_other_staff_activity_hides_activity_but_not_assessments(records):
    from progress.records import policies

    w = records
    assert policies.activity_visible_to(w.leader).filter(pupil=w.child).exists()
    w.choose(ACTIVITY, Recipient.OTHER_STAFF, False)
    assert not policies.activity_visible_to(w.leader).filter(pupil=w.child).exists()
    assert policies.activity_visible_to(w.teacher).filter(pupil=w.child).exists()
    assert policies.assessments_visible_to(w.leader).filter(pupil=w.child).exists()


def test_a_school_default_of_refused_applies_until_the_family_chooses(client, records):
    w = records
    SchoolConsentDefault.objects.create(
        school=w.school, data_kind=ASSESSMENT, recipient=Recipient.OTHER_STAFF, given=False
    )
    _status, page = record_page(client, w.leader, w.child)
    assert "Spelling Bee Marker" not in page
    w.choose(ASSESSMENT, Recipient.OTHER_STAFF, True)
    _status, page = record_page(client, w.leader, w.child)
    assert "Spelling Bee Marker" in page


def test_consent_past_its_end_date_stops_at_once_even_before_the_task_runs(client, records):
    w = records
    SchoolConsentDefault.objects.create(
        school=w.school, data_kind=ASSESSMENT, recipient=Recipient.OTHER_STAFF, given=False
    )
    record = w.choose(ASSESSMENT, Recipient.OTHER_STAFF, True, expires_at=timezone.now() + datetime.timedelta(days=1))
    _status, page = record_page(client, w.leader, w.child)
    assert "Spelling Bee Marker" in page
    type(record).objects.filter(pk=record.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    _status, page = record_page(client, w.leader, w.child)
    assert "Spelling Bee Marker" not in page


# --- AI features: the narrative summary -------------------------------------------------------


@pytest.fixture
def model(settings):
    cache.clear()
    with ChatCompletionsSimulator(api_key="k", reply="[CHILD] read a lot this week.") as server:
        settings.INSIGHTS_LLM_URL = server.url
        settings.INSIGHTS_LLM_API_KEY = "k"
        settings.INSIGHTS_LLM_MODEL = "tiny"
        settings.INSIGHTS_LLM_TIMEOUT = 2
        yield server
    cache.clear()


@pytest.mark.parametrize("data_kind", [ASSESSMENT, ACTIVITY])
def test_refusing_ai_features_means_the_model_gets_no_request(records, model, data_kind):
    w = records
    w.choose(data_kind, Recipient.AI, False)
    narrative = insights.narrative_for(user=w.parent, pupil=w.child)
    assert narrative.source == "template"
    assert insights.narrative_warm(pupil=w.child) == 0
    assert model.requests == []


def test_with_consent_the_model_writes_the_summary(records, model):
    w = records
    narrative = insights.narrative_for(user=w.parent, pupil=w.child)
    assert narrative.source == "model"
    assert len(model.requests) == 1


def test_ai_refusal_for_one_child_does_not_stop_another_s(records, model):
    w = records
    ActivitySessionFactory(pupil=w.classmate, kind="reading", minutes=30)
    w.choose(ASSESSMENT, Recipient.AI, False)
    assert insights.narrative_for(user=w.classmate_parent, pupil=w.classmate).source == "model"
    assert len(model.requests) == 1


def test_the_family_s_insights_page_is_written_by_a_template_after_refusal(client, records, model):
    w = records
    sign_in(client, w.parent)
    url = f"/progress/pupils/{w.child.pk}/insights/"
    assert "Written by a language model" in client.get(url).content.decode()
    cache.clear()
    requests_before = len(model.requests)
    w.choose(ACTIVITY, Recipient.AI, False)
    page = client.get(url).content.decode()
    assert "Written by a language model" not in page
    assert "by a template" in page
    assert len(model.requests) == requests_before


# --- other families in the class: photos and portfolio -------------------------------------------


@pytest.fixture
def shared_items(consent_world):
    w = consent_world
    made = {}
    for visibility in ("class", "school"):
        item = goals.portfolio_item_add(
            author=w.parent, pupil=w.child, kind="work", title=f"Lucia {visibility} painting", visibility=visibility
        )
        goals.portfolio_item_review(reviewer=w.teacher, item=item, approve=True)
        made[visibility] = item
    return w


def class_page(client, user, class_group):
    sign_in(client, user)
    response = client.get(f"/progress/classes/{class_group.pk}/portfolio/")
    assert response.status_code == 200
    return response.content.decode()


def test_refusing_other_families_hides_the_child_s_work_from_the_class_page(client, shared_items):
    w = shared_items
    page = class_page(client, w.classmate_parent, w.own_class)
    assert "Lucia class painting" in page
    assert "Lucia school painting" in page
    item = w.child.portfolio_items.first()
    assert client.get(f"/progress/portfolio/{item.pk}/").status_code == 200

    w.choose(PHOTOS, Recipient.OTHER_FAMILIES, False)

    page = class_page(client, w.classmate_parent, w.own_class)
    assert "Lucia class painting" not in page
    assert "Lucia school painting" not in page
    # The item itself answers 404 to them too.
    assert client.get(f"/progress/portfolio/{item.pk}/").status_code == 404


def test_after_refusing_other_families_the_family_and_teacher_still_see_the_work(client, shared_items):
    w = shared_items
    w.choose(PHOTOS, Recipient.OTHER_FAMILIES, False)
    for user in (w.parent, w.teacher):
        assert "Lucia class painting" in class_page(client, user, w.own_class)


def test_refusing_other_staff_hides_school_wide_work_from_staff_of_other_classes(shared_items):
    from progress.goals import policies

    w = shared_items
    titles = lambda user: set(policies.portfolio_items_visible_to(user).values_list("title", flat=True))  # noqa: E731
    assert "Lucia school painting" in titles(w.other_teacher)
    assert "Lucia school painting" in titles(w.leader)
    w.choose(PHOTOS, Recipient.OTHER_STAFF, False)
    assert titles(w.other_teacher) == set()
    assert titles(w.leader) == set()
    # Other families in the class were not refused: the class still sees the class item.
    assert "Lucia class painting" in titles(w.classmate_parent)
    assert "Lucia class painting" in titles(w.teacher)
    assert "Lucia class painting" in titles(w.dsl)


# --- other school staff: the class overview, alerts and the insights page -------------------------


def test_refusing_other_staff_hides_minutes_and_results_from_the_leader_s_class_overview(client, records):
    w = records
    ActivitySessionFactory(pupil=w.child, kind="reading", minutes=13)
    url = f"/progress/classes/{w.own_class.pk}/overview/"
    sign_in(client, w.leader)
    page = client.get(url).content.decode()
    assert "English: 7/10" in page
    assert ">60<" in page  # 47 + 13 minutes this week

    w.choose(ACTIVITY, Recipient.OTHER_STAFF, False)
    w.choose(ASSESSMENT, Recipient.OTHER_STAFF, False)

    page = client.get(url).content.decode()
    assert "English: 7/10" not in page
    assert ">60<" not in page
    assert "Not shared by the family" in page
    # Their own class teacher still sees both.
    sign_in(client, w.teacher)
    page = client.get(url).content.decode()
    assert "English: 7/10" in page
    assert ">60<" in page


def test_refusing_other_staff_hides_engagement_alerts_from_them(records):
    from progress.insights import policies
    from progress.models import Insight

    w = records
    Insight.objects.create(pupil=w.child, rule="engagement_drop", key="engagement_drop:x", numbers={})
    Insight.objects.create(pupil=w.child, rule="deadline_missed", key="deadline_missed:x", numbers={})
    rules = lambda user: set(policies.insights_visible_to(user).values_list("rule", flat=True))  # noqa: E731
    assert rules(w.leader) == {"engagement_drop", "deadline_missed"}
    w.choose(ACTIVITY, Recipient.OTHER_STAFF, False)
    assert rules(w.leader) == {"deadline_missed"}
    assert rules(w.teacher) == {"engagement_drop", "deadline_missed"}
    assert rules(w.dsl) == {"engagement_drop", "deadline_missed"}


def test_refusing_other_staff_hides_the_summary_and_patterns_on_the_insights_page(client, records, settings):
    settings.INSIGHTS_LLM_URL = ""
    w = records
    url = f"/progress/pupils/{w.child.pk}/insights/"
    sign_in(client, w.sendco)
    page = client.get(url).content.decode()
    assert "47 minutes of learning" in page
    w.choose(ACTIVITY, Recipient.OTHER_STAFF, False)
    page = client.get(url).content.decode()
    assert "47 minutes of learning" not in page
    assert "has not agreed to staff who do not teach" in page
    sign_in(client, w.teacher)
    assert "47 minutes of learning" in client.get(url).content.decode()
