"""Helpers shared by the family-member tests: a family, an invitation sent through the real page,
and the emailed link read out of the message."""

import re

from django.test import Client
from django.urls import reverse

from tests import factories


def family(school, *, children=2, name="Ana García"):
    parent = factories.UserFactory(display_name=name)
    kids = [
        factories.PupilFactory(school=school, first_name=first, last_name="García")
        for first in ["Maya", "Leo", "Ines", "Tom", "Zoe", "Ada"][:children]
    ]
    for kid in kids:
        factories.GuardianshipFactory(guardian=parent, pupil=kid, relationship="mother")
    return parent, kids


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite(client, email, scopes: dict, relationship="carer"):
    """Post the invite form: `scopes` maps each child to the scopes ticked (others left empty)."""
    data = {"email": email, "relationship": relationship}
    for child, granted in scopes.items():
        data[f"child_{child.pk}"] = granted
    return client.post(reverse("family:invite"), data)


def link_in(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/account/family/join/[^\s]+/)", mail.body)
    assert match, f"no join link in {mail.body!r}"
    return match.group(1)


def member(parent, scopes: dict, *, email="carer@example.org", name="Cara Carer"):
    """An invited family member who accepted: `scopes` maps each child to what they may see."""
    from accounts.family import services
    from accounts.models import User

    invitation = services.invitation_create(
        inviter=parent,
        email=email,
        relationship="carer",
        scopes={child.pk: granted for child, granted in scopes.items()},
    )
    person = User.objects.filter(email=email).first() or factories.UserFactory(email=email, display_name=name)
    services.invitation_accept(user=person, invitation=invitation)
    return person
