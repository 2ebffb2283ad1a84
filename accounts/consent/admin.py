"""Django admin for each school's consent defaults: what a cell is for a child whose guardians have
not chosen. School admins see and change only their own schools' (the scoped base class from
accounts.admin is passed in, so this module does not import it back)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.consent import policies
from accounts.models import SchoolConsentDefault


def register(*, base: type[admin.ModelAdmin]) -> None:
    class SchoolConsentDefaultAdmin(base):
        list_display = ["school", "data_kind", "recipient", "given"]
        list_filter = ["data_kind", "recipient", "given"]
        search_fields = ["school__name"]
        autocomplete_fields = ["school"]
        fields = ["school", "data_kind", "recipient", "given"]

        def save_model(self, request, obj, form, change):
            if policies.is_fixed(data_kind=obj.data_kind, recipient=obj.recipient):
                # A fixed cell's lawful basis is not consent: a default would mean nothing.
                self.message_user(request, _("This choice does not rest on consent; it is always shared."))
                obj.given = True
            super().save_model(request, obj, form, change)

    admin.site.register(SchoolConsentDefault, SchoolConsentDefaultAdmin)
