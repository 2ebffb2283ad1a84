from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and schools")

    def ready(self):
        from accounts import signals  # noqa: F401  (connects login history receivers)
        from accounts.invitations import effects  # noqa: F401  (registers the invitation emails' outbox handlers)
