"""The record page and the review queue cost the same number of queries with 10 or 100 records."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.progress import factories_records as rf
from tests.progress.factories_records import sign_in


@pytest.fixture
def w(db):
    return rf.RecordsWorld()


def fill_record(w, size):
    pupil = w.child
    for number in range(size):
        day = datetime.date(2026, 9, 1) + datetime.timedelta(days=number % 60)
        rf.AssessmentFactory(pupil=pupil, subject=w.subject, assessed_on=day)
        rf.ActivitySessionFactory(pupil=pupil, subject=w.subject, started_at=timezone.now())
        rf.AwardFactory(pupil=pupil, awarded_on=day)
        rf.CompetencyJudgementFactory(pupil=pupil, judged_on=day)
        rf.ObservationFactory(pupil=pupil, author=w.parent, status="approved")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("viewer", ["teacher", "parent"])
def test_the_record_page_costs_the_same_with_10_or_100_records(client, w, viewer):
    sign_in(client, getattr(w, viewer))
    url = reverse("progress:pupil_record", args=[w.child.pk])
    fill_record(w, 10)
    small, _response = count_queries(client, url)
    fill_record(w, 90)
    large, response = count_queries(client, url)
    assert large == small
    assert small <= 20
    # Bounded: the latest 20 of each kind.
    assert response.content.decode().count('id="assessment-') == 20
    assert "Only the latest 20 are shown." in response.content.decode()


def test_the_review_queue_costs_the_same_with_10_or_100_observations(client, w):
    sign_in(client, w.teacher)
    url = reverse("progress:observations_review")

    def fill(size):
        for _number in range(size):
            pupil = factories.PupilFactory(school=w.school)
            pupil.class_groups.add(*w.teacher.class_groups.all())
            guardian = factories.UserFactory()
            factories.GuardianshipFactory(guardian=guardian, pupil=pupil)
            rf.ObservationFactory(pupil=pupil, author=guardian)

    fill(10)
    small, _response = count_queries(client, url)
    fill(90)
    large, response = count_queries(client, url)
    assert large == small
    assert small <= 12
    body = response.content.decode()
    assert "100 observations from home are waiting." in body
    assert body.count('class="homeroom-card" id="review-') == 50
