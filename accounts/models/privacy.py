"""Data requests: a person asks the school for a copy of their data, a correction or erasure.

The school is the data controller for what it holds about a family, so each request goes to one
school, and its data protection lead answers it by the legal deadline (`due_on`), worked out when
the request arrives from the school's own rule (`School.data_request_period`, in months or days).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DataRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", _("A copy of my data (subject access request)")
        CORRECTION = "correction", _("Correct something that is wrong")
        ERASURE = "erasure", _("Delete my data (erasure)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        # Contexts: the same English words label consent cells and announcement figures.
        ANSWERED = "answered", pgettext_lazy("data request status", "Answered")
        REFUSED = "refused", pgettext_lazy("data request status", "Refused")

    OPEN = (Status.RECEIVED, Status.IN_PROGRESS)
    CLOSED = (Status.ANSWERED, Status.REFUSED)

    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="data_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_requests", verbose_name=_("asked by")
    )
    # Optional: a request about one child only (their guardian asks); otherwise about the requester.
    pupil = models.ForeignKey(
        "accounts.Pupil",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_requests",
        verbose_name=_("about the child"),
    )
    kind = models.CharField(_("what is asked"), max_length=12, choices=Kind.choices)
    details = models.TextField(_("details"), max_length=4000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("received"))
    # The last day to answer, on the school's calendar (computed once, from the rule of the day).
    due_on = models.DateField(_("answer by"))
    answer = models.TextField(_("answer"), blank=True, max_length=8000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # The form's idempotency key: a double submit finds the request already saved.
    client_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The lead's queue: a school's open requests, nearest deadline first.
            models.Index(fields=["school", "status", "due_on", "id"], name="accounts_datareq_queue_idx"),
            models.Index(fields=["requester", "received_at", "id"], name="accounts_datareq_mine_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["answered", "refused"]) | ~models.Q(answer=""),
                name="accounts_datareq_closed_has_answer",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
