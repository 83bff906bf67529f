"""Forms of the customer's pages. They parse and check input; every write is a service call or
a catalogued action in the views."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from amends.complaints import services
from amends.complaints.catalogue.fields import DateTimeLocalInput, local_datetime
from amends.core import clock, pii, uploads
from amends.core.errors import InvalidInput
from amends.core.input_guard import EMAIL_CHARS
from amends.orgs.models import Venue
from amends.privacy.models import DataSubjectRequest
from amends.public.pages import language

MAX_ATTACHMENTS = 5


def check_attachment(upload: UploadedFile) -> uploads.UploadKind:
    """A customer's file: judged by its content, within the size limit, and a photo, a PDF or a
    sound recording; a name or declared type that contradicts the content, a polyglot or a PDF
    with scripts is refused (`uploads.check_file`). Raises ValidationError naming the file (the
    name is cleaned first: it is shown back)."""
    name = upload.name or "file"
    try:
        kind = uploads.check_file(
            name, upload, upload.size or 0, declared_type=upload.content_type or ""
        )
    except InvalidInput as refused:
        raise forms.ValidationError(
            _("%(name)s: %(reason)s"),
            params={"name": uploads.safe_filename(name), "reason": refused.message},
        ) from None
    if not (
        kind.is_image
        or kind.content_type == "application/pdf"
        or kind.content_type.startswith("audio/")
    ):
        raise forms.ValidationError(
            _("%(name)s: attach a photo, a PDF or a sound recording."),
            params={"name": uploads.safe_filename(name)},
        )
    return kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files; each checked by its content before anything is recorded."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("Attach at most %(n)s files."), params={"n": MAX_ATTACHMENTS}
            )
        cleaned = [super(AttachmentsField, self).clean(f, initial) for f in files]
        problems: list[forms.ValidationError] = []
        for upload in cleaned:
            try:
                check_attachment(upload)
            except forms.ValidationError as refused:
                problems.append(refused)
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


class ComplaintForm(forms.Form):
    """The venue's complaint form (SPEC §1): who you are and how to reach you, the five
    elements, what you ask for, files, and consent to the privacy notice. `website` is a
    honeypot: hidden from people, filled by bots."""

    customer_name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=EMAIL_CHARS, required=False)
    member_number = forms.CharField(
        label=_("Membership number (if you have one)"), max_length=40, required=False
    )
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    occurred_at = forms.DateTimeField(
        label=_("When it happened"), required=False, widget=DateTimeLocalInput()
    )
    location = forms.CharField(label=_("Where it happened"), max_length=200, required=False)
    people_involved = forms.CharField(label=_("Who was involved"), max_length=300, required=False)
    consequence = forms.CharField(
        label=_("What it led to"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    customer_request = forms.CharField(
        label=_("What you would like us to do"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attachments = AttachmentsField(label=_("Photos, documents or recordings"), required=False)
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my complaint is kept as it says."),
        error_messages={"required": _("Please agree to the privacy notice to send the complaint.")},
    )
    website = forms.CharField(label=_("Leave this field empty"), max_length=200, required=False)
    # One per form shown, sent back with it: the same form sent twice (the answer was lost on a
    # poor connection, the customer pressed again) records one complaint.
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, venue: Venue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.venue = venue
        self.fields["submission"].initial = uuid.uuid4().hex
        attrs = self.fields
        attrs["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        attrs["email"].widget.attrs.update({"inputmode": "email", "autocomplete": "email"})
        attrs["customer_name"].widget.attrs.update({"autocomplete": "name"})
        attrs["attachments"].widget.attrs.update({"accept": "image/*,application/pdf,audio/*"})
        attrs["attachments"].help_text = _(
            "Optional. Up to %(n)s files: photos, PDF or sound recordings, %(mb)s MB each."
        ) % {"n": MAX_ATTACHMENTS, "mb": settings.AMENDS_MAX_UPLOAD_MB}
        attrs["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone", "")).strip()
        if not phone:
            return ""
        try:
            return pii.normalize_phone(phone)
        except InvalidInput as refused:
            raise forms.ValidationError(str(refused.message)) from None

    def clean_email(self) -> str:
        email = str(self.cleaned_data.get("email", "")).strip()
        if not email:
            return ""
        try:
            return pii.normalize_email(email)
        except InvalidInput as refused:
            raise forms.ValidationError(str(refused.message)) from None

    def clean_occurred_at(self) -> Any:
        moment = local_datetime(self.cleaned_data.get("occurred_at"), self.venue)
        if moment is not None and moment > clock.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The time it happened cannot be in the future."))
        return moment

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "phone" not in self.errors
            and "email" not in self.errors
            and not (data.get("phone") or data.get("email"))
        ):
            self.add_error("phone", _("Give a phone number or an email address (or both)."))
        return data

    def intake(self) -> services.Intake:
        d = self.cleaned_data
        return services.Intake(
            channel="web",
            description=d["description"],
            customer_name=d["customer_name"],
            phone=d["phone"],
            email=d["email"],
            language=language(),
            member_number=d["member_number"],
            occurred_at=d["occurred_at"],
            location=d["location"],
            people_involved=d["people_involved"],
            consequence=d["consequence"],
            customer_request=d["customer_request"],
            submission=d["submission"],
        )


# Where a refused intake's error belongs on the form.
INTAKE_ERROR_FIELDS = {
    "invalid_phone": "phone",
    "invalid_email": "email",
    "member_taken": "member_number",
}


class SignInForm(forms.Form):
    reference = forms.CharField(
        label=_("Complaint reference"),
        max_length=40,
        help_text=_("As in the message we sent you, e.g. GYM1-20261120-0001."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=EMAIL_CHARS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["email"].widget.attrs.update({"inputmode": "email", "autocomplete": "email"})
        self.fields["reference"].widget.attrs.update({"autocapitalize": "characters"})

    def clean_reference(self) -> str:
        return str(self.cleaned_data["reference"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        phone, email = data.get("phone", "").strip(), data.get("email", "").strip()
        if not (phone or email):
            self.add_error("phone", _("Give the phone number or the email address you used."))
        try:
            if phone:
                data["phone"] = pii.normalize_phone(phone)
            elif email:
                data["email"] = pii.normalize_email(email)
        except InvalidInput as refused:
            self.add_error("phone" if phone else "email", str(refused.message))
        return data


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("The six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=20,
        error_messages={"invalid": _("The code has six digits.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        )


class PrivacyRequestForm(forms.Form):
    """A request about the signed-in customer's own personal data: what they ask, and any
    details (what to correct, which consent to withdraw)."""

    kind = forms.ChoiceField(
        label=_("What would you like us to do with your personal data?"),
        choices=DataSubjectRequest.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you ask for.")},
    )
    details = forms.CharField(
        label=_("Details (for a correction: what is wrong and what is right)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your complaint?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 1 to 5.")},
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend?"),
        choices=[(str(n), str(n)) for n in range(0, 11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 0 to 10.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
