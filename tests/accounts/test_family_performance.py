"""The family page costs the same number of queries for a small and a large family."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.family import services
from tests.accounts.family_world import family, member, signed_in


def _measure(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("family:overview")).status_code == 200
    return len(queries)


def test_family_page_queries_do_not_grow_with_children_members_or_invitations(school):
    small_parent, small_kids = family(school, children=1, name="Small")
    member(small_parent, {small_kids[0]: ["progress"]}, email="a@example.org")
    big_parent, big_kids = family(school, children=6, name="Big")
    for number in range(5):
        member(big_parent, {kid: ["progress", "messages"] for kid in big_kids}, email=f"m{number}@example.org")
    for number in range(4):
        services.invitation_create(
            inviter=big_parent,
            email=f"p{number}@example.org",
            relationship="carer",
            scopes={kid.pk: ["reports"] for kid in big_kids},
        )
    small = _measure(signed_in(small_parent))
    big = _measure(signed_in(big_parent))
    assert big == small
    assert small <= 12
