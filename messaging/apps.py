from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from messaging import effects, policies, privacy_effects, signals  # noqa: F401 (effects: registers the outbox handlers)
        from messaging.announcements import effects as announcement_effects  # noqa: F401
        from messaging.announcements import policies as announcement_policies
        from messaging.announcements import tasks as announcement_tasks  # noqa: F401  (registers the job)
        from messaging.announcements import translations as announcement_translations
        from messaging.announcements.models import Announcement
        from messaging.models import Conversation, SafeguardingAlert
        from messaging.notifications import kinds, targets
        from messaging.notifications import tasks as notification_tasks  # noqa: F401  (registers the jobs)
        from messaging.services import translations

        # Every installed app's notification kinds (this app's and the others'), before any request.
        kinds.collect_from_apps()

        # A notification about a conversation is sent and shown only while its recipient may read it.
        targets.register(
            Conversation,
            policies.conversations_visible_to,
            audience=policies.readers_of_conversation,
            audience_sees_pupil=True,  # its readers are among those who see its pupil
            audience_among=lambda conversation, user_ids: policies.readers_among(
                conversation=conversation, user_ids=user_ids
            ),
        )
        # A safeguarding alert reaches only who is DSL of its school when it is sent.
        targets.register(SafeguardingAlert, policies.alerts_visible_to)
        # A notification about an announcement reaches only a family who may read it then.
        targets.register(
            Announcement,
            announcement_policies.announcements_visible_to,
            audience=announcement_policies.announcement_audience,
        )
        signals.connect()
        translations.register_translated_fields()
        announcement_translations.register_translated_fields()

    def notification_kinds(self) -> list:
        """The notifications messaging sends, and what each person gets before choosing."""
        from accounts.policies import is_dsl_anywhere
        from messaging.notifications.kinds import BREAKS_THROUGH, DAILY, INSTANT, OFF, NotificationKind

        return [
            NotificationKind(
                name="message",
                label=_("New messages"),
                defaults={"email": INSTANT, "sms": OFF},
                waits_unread=True,
            ),
            NotificationKind(
                name="safeguarding",
                label=_("Safeguarding alerts"),
                defaults={"email": INSTANT, "sms": OFF},
                content_stays_in_app=True,
                per_child=False,  # they reach staff, about the school's pupils
                offered_to=is_dsl_anywhere,
            ),
            # Closures and lockdowns: sent urgent, they reach every channel whatever was chosen.
            NotificationKind(
                name="school_alert",
                label=_("Urgent school alerts"),
                defaults={"email": INSTANT, "sms": INSTANT},
                urgency=BREAKS_THROUGH,
            ),
            NotificationKind(name="announcement", label=_("School news"), defaults={"email": DAILY, "sms": OFF}),
        ]

    def periodic_tasks(self) -> dict[str, dict]:
        """Beat entries (name -> task and schedule), gathered by hub.celery into the beat schedule."""
        from celery.schedules import crontab

        return {
            # Hourly: each person's digest goes at their digest hour on their own clock.
            "notifications-daily-digests": {
                "task": "messaging.notifications.tasks.send_daily_digests",
                "schedule": crontab(minute=0),
            },
            "notifications-release-held": {
                "task": "messaging.notifications.tasks.release_held_notifications",
                "schedule": crontab(minute="*/5"),
            },
            "messaging-dispatch-scheduled": {"task": "messaging.tasks.dispatch_scheduled_messages", "schedule": 60.0},
            "announcements-dispatch-scheduled": {
                "task": "messaging.announcements.tasks.dispatch_scheduled_announcements",
                "schedule": 60.0,
            },
        }

    def seed_demo(self, stdout=None):
        """Called by accounts' `seed_demo` after the people exist."""
        from messaging import demo

        demo.seed(stdout=stdout)

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """This app's sections in the main navigation, for `user`."""
        from django.urls import reverse

        from accounts import policies
        from accounts.models import Role

        links = [(_("Messages"), reverse("messaging:inbox")), (_("Announcements"), reverse("messaging:announcements"))]
        if any(role == Role.DSL for _school, role in policies.navigation_roles(user)):
            links.append((_("Safeguarding alerts"), reverse("messaging:safeguarding_alerts")))
        return links
