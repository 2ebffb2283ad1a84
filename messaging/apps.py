from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from messaging import effects, policies, signals  # noqa: F401 (effects: registers the outbox handlers)
        from messaging.models import Conversation, SafeguardingAlert
        from messaging.notifications import targets
        from messaging.services import translations

        # A notification about a conversation is sent and shown only while its recipient may read it.
        targets.register(Conversation, policies.conversations_visible_to)
        # A safeguarding alert reaches only who is DSL of its school when it is sent.
        targets.register(SafeguardingAlert, policies.alerts_visible_to)
        signals.connect()
        translations.register_translated_fields()

    def seed_demo(self, stdout=None):
        """Called by accounts' `seed_demo` after the people exist."""
        from messaging import demo

        demo.seed(stdout=stdout)

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """This app's sections in the main navigation, for `user`."""
        from django.urls import reverse

        from accounts import policies

        links = [(_("Messages"), reverse("messaging:inbox"))]
        if policies.is_dsl_anywhere(user):
            links.append((_("Safeguarding alerts"), reverse("messaging:safeguarding_alerts")))
        return links
