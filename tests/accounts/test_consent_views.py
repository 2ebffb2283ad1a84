"""The consent page from the outside: who may open it, what a guardian sees and changes, errors
re-shown with nothing changed, one recipient group at a time, and a query count that does not grow
with the number of children."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ConsentChange, ConsentRecord, DataKind, Recipient
from tests import factories
from tests.accounts import consent_world as worlds

consent_world = worlds.consent_world
sign_in = worlds.sign_in


def url(pupil):
    return f"/account/children/{pupil.pk}/consent/"


def test_guardians_with_viewing_rights_open_their_child_s_page(client, consent_world):
    w = consent_world
    for user in (w.parent, w.co_parent):
        sign_in(client, user)
        assert client.get(url(w.child)).status_code == 200


@pytest.mark.parametrize(
    "who", ["no_rights_parent", "classmate_parent", "far_parent", "teacher", "leader", "dsl", "sendco"]
)
def test_everyone_else_gets_404(client, consent_world, who):
    w = consent_world
    sign_in(client, getattr(w, who))
    assert client.get(url(w.child)).status_code == 404
    assert client.get(url(w.child) + "change/?data_kind=photos&recipient=ai").status_code == 404
    response = client.post(url(w.child), {"data_kind": "photos", "recipient": "ai", "given": "no"})
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_a_guessed_id_and_signed_out_visitors_get_nothing(client, consent_world):
    w = consent_world
    assert client.get(url(w.child)).status_code == 302  # to sign in
    sign_in(client, w.parent)
    assert client.get("/account/children/999999/consent/").status_code == 404
    assert client.get(url(w.far_pupil)).status_code == 404


def test_the_page_is_a_table_with_row_and_column_headers_and_the_fixed_reasons(client, consent_world):
    w = consent_world
    sign_in(client, w.parent)
    page = client.get(url(w.child)).content.decode()
    for _value, label in Recipient.choices:
        assert f'<th scope="col" class="govuk-table__header">{label}</th>' in page
    for _value, label in DataKind.choices:
        assert f'<th scope="row" class="govuk-table__header">{label}</th>' in page
    assert "public task" in page
    assert "SEND Code of Practice" in page
    assert "the latest change counts" in page
    assert "partner schools or learning communities yet" in page
    # Fixed cells carry no button.
    fixed = re.search(r'id="cell-assessment-class_teachers">(.*?)</td>', page, re.S).group(1)
    assert "<form" not in fixed


def test_a_guardian_refuses_a_cell_and_sees_it_in_the_timeline(client, consent_world):
    w = consent_world
    sign_in(client, w.parent)
    response = client.post(
        url(w.child),
        {"data_kind": "photos", "recipient": "other_families", "given": "no"},
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#cell-photos-other_families")
    page = client.get(url(w.child)).content.decode()
    cell = re.search(r'id="cell-photos-other_families">(.*?)</td>', page, re.S).group(1)
    assert "Refused" in cell
    timeline = page.split('id="timeline"', 1)[1]
    assert "Photos and portfolio, Other families in the class" in timeline
    assert "203.0.113.9" in timeline
    assert "Android 14" in timeline
    assert "Pat Parent" in timeline
    change = ConsentChange.objects.get()
    assert (change.ip_address, change.old_value, change.new_value) == ("203.0.113.9", True, False)


def test_the_other_guardian_sees_the_change(client, consent_world):
    w = consent_world
    w.choose(DataKind.MOOD, Recipient.AI, False)
    sign_in(client, w.co_parent)
    page = client.get(url(w.child)).content.decode()
    assert "Refused" in re.search(r'id="cell-mood-ai">(.*?)</td>', page, re.S).group(1)
    assert "Pat Parent" in page


def test_a_post_to_a_fixed_cell_changes_nothing(client, consent_world):
    w = consent_world
    sign_in(client, w.parent)
    response = client.post(url(w.child), {"data_kind": "assessment", "recipient": "class_teachers", "given": "no"})
    assert response.status_code == 422
    assert "public task" in response.content.decode()
    assert not ConsentRecord.objects.exists()
    assert not ConsentChange.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"data_kind": "photos", "recipient": "ai"}, "Choose whether to give or refuse consent."),
        ({"data_kind": "photos", "recipient": "ai", "given": "no", "expires_on": "2099-01-01"}, "only applies"),
        ({"data_kind": "photos", "recipient": "ai", "given": "yes", "expires_on": "2001-01-01"}, "after today"),
        ({"data_kind": "photos", "recipient": "ai", "given": "yes", "expires_on": "soon"}, "real date"),
        ({"data_kind": "nonsense", "recipient": "ai", "given": "yes"}, "There is a problem"),
    ],
)
def test_bad_input_is_shown_with_nothing_changed(client, consent_world, data, message):
    w = consent_world
    sign_in(client, w.parent)
    response = client.post(url(w.child), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert page.count("<title>Error:") == 1
    assert not ConsentRecord.objects.exists()


def test_an_end_date_and_reason_from_the_change_page(client, consent_world):
    w = consent_world
    sign_in(client, w.parent)
    page = client.get(url(w.child) + "change/?data_kind=photos&recipient=partners").content.decode()
    assert "End date (optional)" in page
    ends = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    response = client.post(
        url(w.child),
        {"data_kind": "photos", "recipient": "partners", "given": "yes", "expires_on": ends, "reason": "Trip"},
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.given
    assert record.reason == "Trip"
    assert record.expires_at.astimezone(w.school.zone).date().isoformat() == ends
    assert "Until " in client.get(url(w.child)).content.decode()


def test_one_recipient_group_at_a_time(client, consent_world):
    w = consent_world
    sign_in(client, w.parent)
    page = client.get(url(w.child) + "?recipient=ai").content.decode()
    assert '<th scope="col" class="govuk-table__header">AI features</th>' in page
    assert '<th scope="col" class="govuk-table__header">Class teachers</th>' not in page
    response = client.post(url(w.child), {"data_kind": "messages", "recipient": "ai", "given": "no", "show": "ai"})
    assert response["Location"].endswith("?recipient=ai#cell-messages-ai")


def test_the_page_costs_the_same_with_one_child_and_with_four(client, consent_world):
    w = consent_world
    sign_in(client, w.parent)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(w.child)).status_code == 200
        return len(queries)

    w.choose(DataKind.PHOTOS, Recipient.AI, False)
    one = measure()
    for number in range(3):
        sibling = factories.PupilFactory(school=w.school, first_name=f"Sibling{number}")
        factories.GuardianshipFactory(guardian=w.parent, pupil=sibling)
        w.choose(DataKind.PHOTOS, Recipient.AI, False, pupil=sibling)
        w.choose(DataKind.MOOD, Recipient.AI, False)
    four = measure()
    assert one == four
    assert four <= 20
    assert "Sibling2" in client.get(url(w.child)).content.decode()


def cell_html(body: str, data_kind: str, recipient: str) -> str:
    start = body.index(f'id="cell-{data_kind}-{recipient}"')
    return body[start : body.index("</td>", start)]


def test_a_cell_nobody_chose_says_which_default_decides_it(client, consent_world):
    """At a school with no defaults of its own the built-in ones decide: other school staff given
    unless refused, AI features and the rest refused until the family gives consent (opt-in);
    where the school set a default, the page says it is the school's."""
    w = consent_world
    sign_in(client, w.far_parent)
    body = client.get(url(w.far_pupil)).content.decode()
    staff = cell_html(body, DataKind.ASSESSMENT, Recipient.OTHER_STAFF)
    assert "Given" in staff
    assert "given unless you refuse" in staff
    ai = cell_html(body, DataKind.ASSESSMENT, Recipient.AI)
    assert "Refused" in ai
    assert "nothing is shared until you give consent" in ai
    sign_in(client, w.parent)
    body = client.get(url(w.child)).content.decode()
    assert "s default: you have not chosen." in cell_html(body, DataKind.ASSESSMENT, Recipient.AI)
