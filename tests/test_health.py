"""`GET /healthz`: database, cache and broker states as JSON; 503 naming what is down."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthy_answers_200_with_each_part(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_needs_no_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_unreachable_broker_answers_503_naming_the_broker(client, settings):
    # A closed port on this machine: the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_health_recovers_when_the_broker_comes_back(client, settings):
    original = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert client.get(reverse("healthz")).status_code == 503
    settings.CELERY_BROKER_URL = original
    assert client.get(reverse("healthz")).status_code == 200
