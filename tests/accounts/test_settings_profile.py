"""The profile: name, mobile number (read as people type it, kept in E.164), language, time zone
(likely ones first), simplified interface. Bad input re-renders with the error summary (422) and
changes nothing; the email address changes only through the page that confirms the new one."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, User
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("preferences")


def _form(user, **changes) -> dict:
    data = {
        "display_name": user.display_name,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
    }
    if user.simplified_interface:
        data["simplified_interface"] = "on"
    data.update(changes)
    return data


def _groups(page: str) -> dict[str, list[str]]:
    """The time zone select's option groups: label -> option values, in order."""
    select = page[page.index('name="time_zone"') :]
    select = select[: select.index("</select>")]
    return {
        label: re.findall(r'<option value="([^"]+)"', body)
        for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    }


def test_a_guardian_saves_name_number_language_zone_and_simplified_interface(client, parent):
    client.force_login(parent)
    response = client.post(
        URL,
        _form(
            parent,
            display_name="Pat Parent-Jones",
            phone="07911 123456",  # a UK mobile typed the British way: the school is in GB
            preferred_language="cy",
            time_zone="Europe/London",
            simplified_interface="on",
        ),
    )
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.display_name == "Pat Parent-Jones"
    assert parent.phone == "+447911123456"
    assert parent.preferred_language == "cy"
    assert parent.simplified_interface is True
    assert AuditEntry.objects.filter(action="user.preferences_changed", target_id=str(parent.pk)).exists()


def test_a_number_from_another_country_needs_its_code_and_is_kept_in_e164(client, parent):
    client.force_login(parent)
    assert client.post(URL, _form(parent, phone="+254 712 345 678")).status_code == 302
    parent.refresh_from_db()
    assert parent.phone == "+254712345678"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("not a number", "Enter a mobile number"),
        ("+44 7911 1234", "This is not a valid phone number"),
        ("020 7946 0018", "This looks like a landline"),
    ],
)
def test_a_bad_number_is_explained_and_nothing_is_saved(client, parent, typed, says):
    client.force_login(parent)
    response = client.post(URL, _form(parent, phone=typed, display_name="Changed Name"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "There is a problem" in page
    assert says in page
    assert 'href="#id_phone"' in page  # the summary links to the field
    assert "<title>Error:" in page
    parent.refresh_from_db()
    assert (parent.display_name, parent.phone) == ("Pat Parent", "")


def test_the_error_is_in_the_persons_language(client, parent):
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])
    client.force_login(parent)
    response = client.post(URL, _form(parent, display_name=""))
    assert response.status_code == 422
    assert 'lang="es"' in response.content.decode()


def test_an_empty_name_or_an_unknown_zone_or_language_is_refused(client, parent):
    client.force_login(parent)
    for bad in ({"display_name": ""}, {"time_zone": "Mars/Olympus"}, {"preferred_language": "xx"}):
        response = client.post(URL, _form(parent, **bad))
        assert response.status_code == 422, bad
        assert "There is a problem" in response.content.decode()
    parent.refresh_from_db()
    assert (parent.display_name, parent.time_zone, parent.preferred_language) == (
        "Pat Parent",
        "Europe/London",
        "en-gb",
    )


def test_the_email_address_is_never_changed_in_place(client, parent):
    client.force_login(parent)
    page = client.get(URL).content.decode()
    assert parent.email in page
    assert f'href="{reverse("account_email")}"' in page
    assert 'name="email"' not in page
    client.post(URL, {**_form(parent), "email": "taken.over@example.org"})
    parent.refresh_from_db()
    assert parent.email != "taken.over@example.org"


def test_likely_time_zones_come_first_from_the_childrens_schools(client):
    kenyan = factories.SchoolFactory(country="KE", time_zone="Africa/Nairobi", curriculum="kenya_cbc")
    parent = factories.UserFactory(time_zone="Europe/London")
    factories.GuardianshipFactory(guardian=parent, pupil=factories.PupilFactory(school=kenyan))
    client.force_login(parent)
    groups = _groups(client.get(URL).content.decode())
    assert list(groups) == ["Likely time zones", "Other time zones"]
    likely = groups["Likely time zones"]
    assert likely[:2] == ["Europe/London", "Africa/Nairobi"]  # their own, then the school's
    assert len(likely) < 20
    assert "America/New_York" in groups["Other time zones"]
    assert not set(likely) & set(groups["Other time zones"])


def test_a_staff_member_gets_their_schools_zone_and_a_zone_from_the_list_saves(client):
    school = factories.SchoolFactory(country="KE", time_zone="Africa/Nairobi")
    teacher = factories.MembershipFactory(school=school).user
    client.force_login(teacher)
    assert "Africa/Nairobi" in _groups(client.get(URL).content.decode())["Likely time zones"]
    assert client.post(URL, _form(teacher, time_zone="Africa/Nairobi")).status_code == 302
    assert User.objects.get(pk=teacher.pk).time_zone == "Africa/Nairobi"


def test_the_profile_page_costs_the_same_for_any_family(client, django_assert_max_num_queries, school):
    small, large = factories.UserFactory(), factories.UserFactory()
    factories.GuardianshipFactory(guardian=small, pupil=factories.PupilFactory(school=school))
    for _n in range(8):
        factories.GuardianshipFactory(guardian=large, pupil=factories.PupilFactory(school=factories.SchoolFactory()))
    counts = []
    for person in (small, large):
        client.force_login(person)
        client.get(URL)
        with django_assert_max_num_queries(12) as captured:
            assert client.get(URL).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
