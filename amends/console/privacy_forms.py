"""The privacy console's forms: each parses one step's input (lengths bounded) for one service
of `amends.privacy`; the services check permissions and versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.orgs.models import User
from amends.privacy.models import (
    Breach,
    DataClass,
    DataSubjectRequest,
    SensitiveConsent,
    Trigger,
)
from amends.privacy.sensitive import KINDS

R = DataSubjectRequest
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is asked"), choices=R.Kind.choices)
    contact = forms.CharField(label=_("The person's phone or email"), max_length=254, strip=True)
    details = forms.CharField(
        label=_("Details"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    identity_method = forms.ChoiceField(
        label=_("Identity checked by"), choices=R.Identity.choices, required=False
    )
    identity_note = forms.CharField(label=_("Identity note"), max_length=500, required=False)


class VerifyForm(Versioned):
    method = forms.ChoiceField(
        label=_("Identity checked by"), choices=[c for c in R.Identity.choices if c[0]]
    )
    note = forms.CharField(label=_("Identity note"), max_length=500, required=False)


class TextForm(Versioned):
    """One text and the version: a refusal's reason, an extension's notice, an outcome."""

    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: Any = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class ConfirmForm(Versioned):
    pass


# Dates outside these years are mistakes, and at the ends of the calendar a day's start or an
# added deadline overflows: the form refuses them.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def _within_years(value: date | datetime | None) -> None:
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


class AccessLogForm(forms.Form):
    contact = forms.CharField(label=_("Phone or email"), max_length=254, required=False)
    staff = forms.ModelChoiceField(
        label=_("Staff member"), queryset=User.objects.none(), required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=DATE, validators=[_within_years]
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=DATE, validators=[_within_years]
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(company_id=actor.company_id or 0).order_by("username")


class BreachForm(forms.Form):
    discovered_at = forms.DateTimeField(
        label=_("Discovered at"), widget=DATETIME, validators=[_within_years]
    )
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    data_classes = forms.MultipleChoiceField(
        label=_("Data classes"),
        choices=DataClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people_affected = forms.IntegerField(label=_("People affected"), min_value=0, max_value=10**9)


class BreachUpdateForm(Versioned):
    status = forms.ChoiceField(label=_("Status"), choices=Breach.Status.choices)
    notified_at = forms.DateTimeField(
        label=_("Regulator notified at"),
        required=False,
        widget=DATETIME,
        validators=[_within_years],
    )


class HoldForm(forms.Form):
    reference = forms.CharField(label=_("Complaint reference"), max_length=40, required=False)
    contact = forms.CharField(
        label=_("Or the customer's phone or email"), max_length=254, required=False
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RuleForm(forms.Form):
    """One class's rule, with the version of the rule the page showed (0: the class was on its
    default). The rules page shows one per class."""

    data_class = forms.ChoiceField(
        label=_("Data class"), choices=DataClass.choices, widget=forms.HiddenInput
    )
    months = forms.IntegerField(label=_("Kept for (months)"), min_value=1, max_value=1200)
    trigger = forms.ChoiceField(label=_("Counted from"), choices=Trigger.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)


class SettingsForm(forms.Form):
    """The request clock, with the version of the settings the page showed (0: never saved)."""

    request_days = forms.IntegerField(
        label=_("Days to answer a request"), min_value=1, max_value=90
    )
    gdpr_mode = forms.BooleanField(label=_("GDPR mode (30 days + 60 with notice)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)


class SensitiveForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Sensitive data"),
        choices=list(KINDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Why (on the timeline)"),
        max_length=300,
        required=False,
        help_text=_("Say why when you take a kind away."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


class ConsentForm(forms.Form):
    given = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[
            ("yes", pgettext_lazy("consent", "Given")),
            ("no", pgettext_lazy("consent", "Refused")),
        ],
        coerce=lambda value: value == "yes",
    )
    method = forms.ChoiceField(label=_("Given by"), choices=SensitiveConsent.Method.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
