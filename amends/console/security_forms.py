"""Forms of the console's Security pages: a code from the authenticator app, a username."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """Six digits from the authenticator app (spaces allowed, as apps show them: 123 456)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"max_length": _("A code has 6 digits.")},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("A code has 6 digits."), code="code_format")
        return code


class PersonForm(forms.Form):
    """The sign-in name of the person whose lockout or second factor an administrator handles."""

    username = forms.CharField(label=_("Username"), max_length=150)
