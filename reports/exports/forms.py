"""The export forms: each carries an idempotency key, so a double press makes one export."""

import secrets

from django import forms


def new_client_key() -> str:
    return secrets.token_urlsafe(18)


class PortfolioExportForm(forms.Form):
    pupil = forms.IntegerField(widget=forms.HiddenInput)
    client_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )


class SubjectAccessExportForm(forms.Form):
    client_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )
