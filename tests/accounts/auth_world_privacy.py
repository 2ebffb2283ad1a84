"""Data requests for the resolver-walking authorization test (tests/test_authorization.py): one
made by another family at the first school and one at another school, whose details carry the
markers that must never show, and which model each URL parameter of the privacy pages names."""

import datetime

from django.utils import timezone

from accounts.models import DataRequest


def _request(school, requester, details, pupil=None):
    return DataRequest.objects.create(
        school=school,
        requester=requester,
        pupil=pupil,
        kind="access",
        details=details,
        received_at=timezone.now(),
        due_on=timezone.now().date() + datetime.timedelta(days=30),
    )


def forbidden_rows(world) -> dict:
    other_family = _request(world.school, world.other_parent, "Secretfamily request", world.other_child)
    far = _request(world.other_school, world.far_parent, "Farschool request", world.far_pupil)
    return {DataRequest: [other_family.pk, far.pk]}


PARAMETER_MODELS = {"data_request_id": DataRequest}
