from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Homeroom"

    def ready(self):
        from hub.db import remember_long_statements

        remember_long_statements()
