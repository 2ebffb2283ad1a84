import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_parent_home_lists_their_child(client, parent):
    client.force_login(parent)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert parent.child.full_name in response.content.decode()


@pytest.mark.django_db
def test_teacher_home_lists_class_pupils(client, teacher, parent):
    client.force_login(teacher)
    response = client.get(reverse("home"))
    assert parent.child.full_name in response.content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
