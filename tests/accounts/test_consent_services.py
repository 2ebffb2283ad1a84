"""Changing consent: either guardian, latest change wins; fixed cells refused; every change in the
timeline and the audit log; consents lapse by the periodic task, recorded as expired."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.consent import policies, services, tasks
from accounts.models import AuditEntry, ConsentChange, ConsentRecord, DataKind, Recipient
from tests.accounts import consent_world as worlds

consent_world = worlds.consent_world

ASSESSMENT, PHOTOS = DataKind.ASSESSMENT, DataKind.PHOTOS


def allows(w, data_kind, recipient, pupil=None):
    pupil = pupil or w.child
    return pupil.pk in policies.consent_allows(pupil_ids=[pupil.pk], data_kind=data_kind, recipient=recipient)


def test_either_guardian_may_change_it_and_the_latest_change_wins(consent_world):
    w = consent_world
    w.choose(PHOTOS, Recipient.OTHER_FAMILIES, False, by=w.parent)
    w.choose(PHOTOS, Recipient.OTHER_FAMILIES, True, by=w.co_parent)
    record = ConsentRecord.objects.get(pupil=w.child, data_kind=PHOTOS, recipient=Recipient.OTHER_FAMILIES)
    assert record.given is True
    assert record.set_by == w.co_parent
    assert ConsentChange.objects.filter(pupil=w.child).count() == 2


@pytest.mark.parametrize("who", ["no_rights_parent", "far_parent", "teacher", "classmate_parent"])
def test_only_a_guardian_with_viewing_rights_may_change_it(consent_world, who):
    w = consent_world
    with pytest.raises(PermissionDenied):
        w.choose(PHOTOS, Recipient.OTHER_FAMILIES, False, by=getattr(w, who))
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("data_kind", "recipient"),
    [
        (DataKind.ASSESSMENT, Recipient.CLASS_TEACHERS),
        (DataKind.SEND, Recipient.CLASS_TEACHERS),
        (DataKind.MESSAGES, Recipient.CLASS_TEACHERS),
    ],
)
def test_a_fixed_cell_cannot_be_refused(consent_world, data_kind, recipient):
    w = consent_world
    with pytest.raises(services.ConsentError):
        w.choose(data_kind, recipient, False)
    assert not ConsentRecord.objects.exists()
    assert not ConsentChange.objects.exists()
    assert allows(w, data_kind, recipient)


def test_every_change_is_in_the_timeline_with_old_new_ip_and_browser(consent_world):
    w = consent_world
    w.choose(PHOTOS, Recipient.AI, False, ip_address="198.51.100.4", user_agent="Firefox on Linux", reason="Unsure")
    change = ConsentChange.objects.get()
    assert (change.old_value, change.new_value, change.action) == (True, False, "refused")
    assert change.performed_by == w.parent
    assert change.ip_address == "198.51.100.4"
    assert change.user_agent == "Firefox on Linux"
    assert change.reason == "Unsure"
    entry = AuditEntry.objects.get(action="consent.refused")
    assert entry.actor_id == w.parent.pk
    assert entry.school_id == w.school.pk
    assert entry.details["old"] is True
    assert entry.details["new"] is False
    assert entry.details["ip_address"] == "198.51.100.4"


def test_an_end_date_only_goes_with_consent_given_and_in_the_future(consent_world):
    w = consent_world
    soon = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(services.ConsentError):
        w.choose(PHOTOS, Recipient.AI, False, expires_at=soon)
    with pytest.raises(services.ConsentError):
        w.choose(PHOTOS, Recipient.AI, True, expires_at=timezone.now() - datetime.timedelta(days=1))
    assert not ConsentRecord.objects.exists()


def test_the_periodic_task_lapses_consents_past_their_end_date_and_records_it(consent_world):
    w = consent_world
    ends = timezone.now() + datetime.timedelta(days=2)
    w.choose(ASSESSMENT, Recipient.OTHER_STAFF, True, expires_at=ends)
    w.choose(PHOTOS, Recipient.OTHER_FAMILIES, True, expires_at=timezone.now() + datetime.timedelta(days=30))
    ConsentRecord.objects.filter(data_kind=ASSESSMENT).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert tasks.expire_consents() == 1
    assert tasks.expire_consents() == 0  # once only

    expired = ConsentChange.objects.get(action="expired")
    assert (expired.old_value, expired.new_value, expired.performed_by) == (True, False, None)
    assert expired.data_kind == ASSESSMENT
    assert AuditEntry.objects.filter(action="consent.expired", actor_id=None).count() == 1
    record = ConsentRecord.objects.get(data_kind=ASSESSMENT)
    assert record.given is False
    assert not allows(w, ASSESSMENT, Recipient.OTHER_STAFF)
    assert allows(w, PHOTOS, Recipient.OTHER_FAMILIES)  # its end date has not come


def test_the_task_is_in_the_beat_schedule():
    from hub.celery import periodic_tasks_from_apps

    assert periodic_tasks_from_apps()["consent-expire"]["task"] == "accounts.consent.tasks.expire_consents"


def test_consent_allows_answers_many_pupils_in_one_query(consent_world, django_assert_num_queries):
    w = consent_world
    w.choose(PHOTOS, Recipient.OTHER_FAMILIES, False)
    ids = [w.child.pk, w.classmate.pk, w.other_child.pk, w.far_pupil.pk]
    with django_assert_num_queries(1):
        allowed = policies.consent_allows(pupil_ids=ids, data_kind=PHOTOS, recipient=Recipient.OTHER_FAMILIES)
    # The far school set no default, so other families is opt-in there: its pupil is not let through.
    assert allowed == {w.classmate.pk, w.other_child.pk}


def test_without_a_choice_or_a_school_default_only_the_school_s_own_staff_are_given(consent_world):
    """Opt-in wherever consent is the lawful basis beyond the school's own care (UK GDPR: no
    pre-ticked boxes): a family at a school that set no defaults has given nothing to AI features,
    other families, partners or external professionals until they choose to."""
    w = consent_world
    pupil = w.far_pupil
    for recipient, given in (
        (Recipient.OTHER_STAFF, True),
        (Recipient.AI, False),
        (Recipient.OTHER_FAMILIES, False),
        (Recipient.PARTNERS, False),
        (Recipient.EXTERNAL, False),
    ):
        for kind in DataKind.values:
            allowed = pupil.pk in policies.consent_allows(pupil_ids=[pupil.pk], data_kind=kind, recipient=recipient)
            assert allowed is given, (kind, recipient)
    # The family opts in to one cell: that cell alone is given.
    services.consent_set(
        guardian=w.far_parent, pupil=pupil, data_kind=DataKind.ASSESSMENT, recipient=Recipient.AI, given=True
    )
    assert policies.consent_allows(pupil_ids=[pupil.pk], data_kind=DataKind.ASSESSMENT, recipient=Recipient.AI)
    assert not policies.consent_allows(pupil_ids=[pupil.pk], data_kind=DataKind.ACTIVITY, recipient=Recipient.AI)


def test_cells_allowed_gives_consent_allows_answers_for_many_cells_in_one_query(
    consent_world, django_assert_num_queries
):
    from accounts.models import SchoolConsentDefault

    w = consent_world
    w.choose(ASSESSMENT, Recipient.OTHER_STAFF, False)
    SchoolConsentDefault.objects.update_or_create(
        school=w.child.school, data_kind=PHOTOS, recipient=Recipient.AI, defaults={"given": False}
    )
    cells = [
        (ASSESSMENT, Recipient.OTHER_STAFF),  # refused by the family
        (ASSESSMENT, Recipient.CLASS_TEACHERS),  # fixed: given whatever the rows say
        (PHOTOS, Recipient.AI),  # refused by the school's default
        (PHOTOS, Recipient.OTHER_FAMILIES),  # the family did not choose: the school's default, given
    ]
    with django_assert_num_queries(1):
        answers = policies.cells_allowed(pupil_id=w.child.pk, cells=cells)
    assert answers == {cell: allows(w, *cell) for cell in cells}
    assert answers == dict(zip(cells, [False, True, False, True], strict=True))
    with django_assert_num_queries(0):
        assert policies.cells_allowed(pupil_id=w.child.pk, cells=cells[1:2]) == {cells[1]: True}
