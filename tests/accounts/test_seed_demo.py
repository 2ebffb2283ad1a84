import pytest
from django.core.management import call_command

from accounts.models import ClassGroup, Guardianship, Membership, Pupil, Role, School, User


@pytest.mark.django_db
def test_seed_demo_builds_both_schools_and_is_idempotent(capsys):
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert "http://127.0.0.1:8000" in printed
    assert "parent@riverside.example" in printed
    counts = (User.objects.count(), Pupil.objects.count(), Guardianship.objects.count(), ClassGroup.objects.count())

    call_command("seed_demo", quiet=True)
    assert counts == (
        User.objects.count(),
        Pupil.objects.count(),
        Guardianship.objects.count(),
        ClassGroup.objects.count(),
    )

    riverside = School.objects.get(slug="riverside-primary")
    assert riverside.town == "Leeds"
    assert riverside.curriculum == "england"
    assert set(Membership.objects.filter(school=riverside).values_list("role", flat=True)) == set(Role.values)
    year_groups = set(riverside.pupils.values_list("year_group", flat=True))
    assert {"Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"} <= year_groups
    languages = set(
        User.objects.filter(guardianships__pupil__school=riverside).values_list("preferred_language", flat=True)
    )
    assert {"es", "pl"} <= languages

    urban = School.objects.get(slug="urban-home-school")
    assert urban.curriculum == "kenya_cbc"
    assert urban.time_zone == "Africa/Nairobi"
    kenyan_parent = User.objects.get(email="parent@urbanhome.example")
    grades = sorted(Pupil.objects.filter(guardianships__guardian=kenyan_parent).values_list("year_group", flat=True))
    assert grades == ["ECD 2", "Grade 3", "Grade 6", "Grade 8"]


@pytest.mark.django_db
def test_demo_logins_work(client):
    call_command("seed_demo", quiet=True)
    assert client.login(email="parent@urbanhome.example", password="homeroom-demo")


@pytest.mark.django_db
def test_seed_demo_adds_messaging_content_once():
    from messaging.models import Conversation, GlossaryTerm, MessageTemplate, MessagingSettings, SafeguardingPhrase

    call_command("seed_demo", quiet=True)
    call_command("seed_demo", quiet=True)
    riverside = School.objects.get(slug="riverside-primary")
    conversation = Conversation.objects.get(subject="La lectura de Lucía en casa")  # María's words
    assert conversation.messages.count() == 2
    assert {p.user.email for p in conversation.participants.all()} == {
        "maria.garcia@riverside.example",
        "year2@riverside.example",
    }
    assert GlossaryTerm.objects.filter(school=riverside, term="EHCP").exists()
    assert MessagingSettings.objects.filter(school=riverside).exists()
    assert SafeguardingPhrase.objects.filter(school=riverside).count() >= 5
    assert set(MessageTemplate.objects.filter(school=riverside).values_list("purpose", flat=True)) >= {
        "absence",
        "meeting",
        "praise",
        "concern",
    }
