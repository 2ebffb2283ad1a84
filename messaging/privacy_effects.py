"""The notifications of accounts' data requests (accounts.privacy), sent after the commit.

accounts sits below messaging and may not call notify(): its services record the outbox effects
named in `accounts.privacy.services`, and these handlers, registered when MessagingConfig.ready()
imports this module, tell the people concerned. Each reads the current state first and computes
its recipients now (a data protection lead who left is not told; a request answered meanwhile is
announced once). A handler's notification commits with its entry's "done", so a repeat after a
crash does not notify twice. The notifications carry no answer text: emails say only that there
is an answer, which is read behind sign-in (the kind's `content_stays_in_app`).
"""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from accounts import policies as people
from accounts.models import DataRequest, Role
from accounts.privacy import policies as privacy_policies
from accounts.privacy.services import DATA_REQUEST_ANSWERED, DATA_REQUEST_RECEIVED
from hub import outbox
from hub.models import OutboxEntry
from messaging.notifications import services as notifications
from messaging.notifications import targets

KIND = "data_request"

# A notification about a data request is shown only while its recipient may see the request.
targets.register(DataRequest, privacy_policies.data_requests_visible_to)

_local_date = lazy(lambda day: date_format(day, "DATE_FORMAT"), str)


@outbox.handler(DATA_REQUEST_ANSWERED, queue="realtime")
def data_request_answered(entry: OutboxEntry) -> None:
    data_request = DataRequest.objects.select_related("requester", "school").filter(pk=entry.object_id).first()
    if data_request is None or data_request.status not in DataRequest.CLOSED or not data_request.requester.is_active:
        return
    if data_request.status == DataRequest.Status.REFUSED:
        title = format_lazy(gettext_lazy("{school} refused your data request"), school=data_request.school.name)
    else:
        title = format_lazy(gettext_lazy("{school} answered your data request"), school=data_request.school.name)
    notifications.notify(
        user=data_request.requester,
        kind=KIND,
        title=title,
        body=gettext_lazy("Sign in to Homeroom to read the school's answer."),
        url=reverse("privacy:request", args=[data_request.pk]),
        target=data_request,
    )


@outbox.handler(DATA_REQUEST_RECEIVED, queue="realtime")
def data_request_received(entry: OutboxEntry) -> None:
    data_request = DataRequest.objects.select_related("school").filter(pk=entry.object_id).first()
    if data_request is None or not data_request.is_open:
        return
    for lead in people.role_holders(Role.DPL, school=data_request.school_id):
        notifications.notify(
            user=lead,
            kind=KIND,
            title=format_lazy(gettext_lazy("New data request at {school}"), school=data_request.school.name),
            body=format_lazy(gettext_lazy("Answer by {date}."), date=_local_date(data_request.due_on)),
            url=reverse("privacy:respond", args=[data_request.pk]),
            target=data_request,
        )
