from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and schools")

    def ready(self):
        from accounts import signals  # noqa: F401  (connects login history receivers)
        from accounts.consent import tasks as consent_tasks  # noqa: F401  (registers the job)
        from accounts.family import effects as family_effects  # noqa: F401  (the family invitation email)
        from accounts.invitations import effects  # noqa: F401  (registers the invitation emails' outbox handlers)

    def periodic_tasks(self) -> dict[str, dict]:
        """Beat entries (name -> task and schedule), gathered by hub.celery into the beat schedule."""
        return {
            # Consents past their end date lapse, recorded as expired in the family's timeline.
            "consent-expire": {"task": "accounts.consent.tasks.expire_consents", "schedule": 15 * 60.0},
        }

    def notification_kinds(self) -> list[dict]:
        """Notices about a person's own account (sign-ins, security changes), as plain fields:
        messaging's notification registry (`messaging.notifications.kinds`) collects them, so
        accounts never imports messaging."""
        return [
            {
                "name": "account",
                "label": _("Account and security"),
                "defaults": {"email": "instant", "sms": "off"},
                "per_child": False,  # about the person, not a child
            },
            {
                # Sent by messaging's handler of the outbox effects in accounts.privacy.services.
                "name": "data_request",
                "label": _("Data requests (a copy of your data, corrections, deletion)"),
                "defaults": {"email": "instant", "sms": "off"},
                "per_child": False,  # about the person's own request
                "content_stays_in_app": True,  # an answer may hold personal data: read behind sign-in
            },
        ]
