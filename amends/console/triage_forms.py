"""Forms of the console's triage pages: the intake form that asks triage while the receiver
types (and records the complainant's psychology), and the reply-script editor."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from amends.complaints import services
from amends.console.forms import IntakeForm
from amends.workflow.services_scripts import MAX_SCRIPT_LENGTH
from amends.workflow.taxonomy import Psychology

# What triage reads at intake (as `complaints.services.triage.text_of` does) and what the panel
# compares its suggestion with. Only these go to the panel, never the customer's contact.
TRIAGE_TEXT_FIELDS = ("description", "consequence", "customer_request", "subject_text")
TRIAGE_CHOICE_FIELDS = ("category", "severity", "psychology", "language")


class TriageIntakeForm(IntakeForm):
    """The intake form with triage: each field triage reads asks for the panel (htmx, POST,
    debounced) while the receiver types, and the complainant's psychology can be chosen (or
    taken from the suggestion) with category and severity."""

    MORE_DETAILS = (*IntakeForm.MORE_DETAILS, "psychology")  # type: ignore[assignment]

    psychology = forms.ChoiceField(
        choices=[("", _("Leave for the handler")), *Psychology.choices],
        label=_("Complainant psychology"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ask = {
            "hx-post": str(reverse_lazy("console:intake_triage")),
            "hx-trigger": "input changed delay:600ms, triage delay:150ms",
            "hx-target": "#triage-panel",
            "hx-swap": "innerHTML",
            "hx-sync": "closest form:replace",
            "hx-params": ",".join(("venue", *TRIAGE_TEXT_FIELDS, *TRIAGE_CHOICE_FIELDS)),
            "data-triage-source": "1",
        }
        for name in TRIAGE_TEXT_FIELDS:
            self.fields[name].widget.attrs.update(ask)

    def intake(self) -> services.Intake:
        return dataclasses.replace(super().intake(), psychology=self.cleaned_data["psychology"])


class ScriptForm(forms.Form):
    """One reply script: its text (placeholders {name}, {venue}, {reference}) and the version
    it was based on."""

    text = forms.CharField(
        label=_("Script"),
        max_length=MAX_SCRIPT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "At most 2000 characters. {name} is how the customer is addressed, {venue} the "
            "venue and {reference} the complaint's reference."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
