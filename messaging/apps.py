from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def seed_demo(self, stdout=None):
        """Called by accounts' `seed_demo` after the people exist."""
        from messaging import demo

        demo.seed(stdout=stdout)
