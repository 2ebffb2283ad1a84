"""Consent rows that nobody at the first school (or in the first family) may see, for the
resolver-walking authorization test (tests/test_authorization.py): the other family's and the far
school's choices, their timelines, and the far school's defaults (Django admin)."""

from accounts.consent import services
from accounts.models import ConsentChange, ConsentRecord, DataKind, Recipient, SchoolConsentDefault

PARAMETER_MODELS = {}


def forbidden_rows(world) -> dict:
    records, changes = [], []
    for pupil, guardian, marker in (
        (world.other_child, world.other_parent, "Secretfamily"),
        (world.far_pupil, world.far_parent, "Farschool"),
    ):
        record = services.consent_set(
            guardian=guardian,
            pupil=pupil,
            data_kind=DataKind.PHOTOS,
            recipient=Recipient.OTHER_FAMILIES,
            given=False,
            reason=f"{marker} consent reason",
            ip_address="192.0.2.1",
            user_agent=f"{marker} browser",
        )
        records.append(record.pk)
        changes.extend(ConsentChange.objects.filter(record=record).values_list("pk", flat=True))
    default = SchoolConsentDefault.objects.create(
        school=world.other_school, data_kind=DataKind.MOOD, recipient=Recipient.AI, given=False
    )
    return {ConsentRecord: records, ConsentChange: changes, SchoolConsentDefault: [default.pk]}
