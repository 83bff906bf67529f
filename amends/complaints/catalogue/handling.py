"""Catalogued actions of taking a complaint up and investigating it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from amends.complaints import services
from amends.complaints.catalogue.base import ActionForm, action
from amends.complaints.catalogue.fields import (
    BLANK,
    REPORT_MAX,
    CategoryChoice,
    handlers,
    staff_of_company,
    text_field,
)
from amends.complaints.models import Complaint, Interview
from amends.complaints.transitions import State
from amends.core.widgets import FetchedModelChoiceField
from amends.orgs.models import Department, User
from amends.workflow.models import Category
from amends.workflow.taxonomy import Psychology, Severity, Validity


@action
class AcknowledgeForm(ActionForm):
    name, permission, title, submit = (
        "acknowledge",
        "acknowledge",
        _("Acknowledge"),
        _("Acknowledge: the customer is told"),
    )
    service = staticmethod(services.complaint_transition)

    def arguments(self) -> dict[str, Any]:
        return {"to": State.ACKNOWLEDGED}


@action
class AcceptForm(ActionForm):
    name, permission, title, submit = (
        "accept",
        "accept",
        _("Accept and start investigating"),
        _("Accept"),
    )
    service = staticmethod(services.complaint_accept)
    category = CategoryChoice(queryset=Category.objects.none(), label=_("Category"), required=False)
    severity = forms.ChoiceField(
        choices=BLANK + list(Severity.choices), label=_("Severity"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = self.complaint
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            company_id=c.company_id, is_active=True
        )
        self.initial.update(category=c.category_id, severity=c.severity)

    def arguments(self) -> dict[str, Any]:
        return {
            "category": self.cleaned_data["category"],
            "severity": self.cleaned_data["severity"],
        }


@action
class AssignForm(ActionForm):
    name, permission, title, submit = "assign", "assign", _("Assign or reassign"), _("Assign")
    service = staticmethod(services.complaint_assign)
    assignee = FetchedModelChoiceField(queryset=User.objects.none(), label=_("Assign to"))
    reason = forms.CharField(label=_("Note for the assignee"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers(self.complaint)  # type: ignore[attr-defined]

    def arguments(self) -> dict[str, Any]:
        return {"assignee": self.cleaned_data["assignee"], "reason": self.cleaned_data["reason"]}


@action
class ClassifyForm(AcceptForm):
    name, permission, title, submit = "classify", "classify", _("Classify"), _("Save")
    service = staticmethod(services.complaint_classify)
    psychology = forms.ChoiceField(
        choices=BLANK + list(Psychology.choices), label=_("Complainant psychology"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["psychology"] = self.complaint.psychology

    def arguments(self) -> dict[str, Any]:
        return {**super().arguments(), "psychology": self.cleaned_data["psychology"]}


@action
class NoteForm(ActionForm):
    name, permission, title = "note", "add_note", _("Add a note or a call")
    service = staticmethod(services.complaint_add_note)
    text = text_field(_("Note"))
    call = forms.BooleanField(label=_("This was a call with the customer"), required=False)

    def arguments(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["text"], "call": self.cleaned_data["call"]}


@action
class MessageForm(ActionForm):
    """The customer writes to the handler (their tracking page, an email reply, their app)."""

    name, permission, title, submit = (
        "message",
        "write_to_handler",
        _("Write to the handler"),
        _("Send"),
    )
    service = staticmethod(services.customer_message_post)
    text = text_field(_("Message"))
    via = forms.ChoiceField(
        label=_("Written through"),
        choices=[("web", _("Tracking page")), ("email", _("Email")), ("app", _("App"))],
        initial="web",
        required=False,
    )

    def arguments(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["text"], "via": self.cleaned_data["via"] or "web"}


@action
class ReplyForm(ActionForm):
    """The handler answers the customer, through the channel the complaint came in."""

    name, permission, title, submit = (
        "reply",
        "reply_to_customer",
        _("Reply to the customer"),
        _("Send"),
    )
    service = staticmethod(services.customer_reply)
    text = text_field(_("Message to the customer"))

    def arguments(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["text"]}


@action
class EvidenceForm(ActionForm):
    name, permission, title, submit = (
        "evidence",
        "add_evidence",
        _("Upload evidence"),
        _("Upload"),
    )
    service = staticmethod(services.evidence_add)
    file = forms.FileField(label=_("File (photo, recording, PDF, text)"))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)

    def arguments(self) -> dict[str, Any]:
        upload = self.cleaned_data["file"]
        return {
            "name": upload.name,
            "stream": upload.file,
            "size": upload.size,
            "description": self.cleaned_data["description"],
            "declared_type": getattr(upload, "content_type", "") or "",
        }


@action
class InvestigationForm(ActionForm):
    name, permission, title = (
        "investigation",
        "investigate",
        _("Investigation report and findings"),
    )
    service = staticmethod(services.complaint_record_investigation)
    report = text_field(_("Investigation report"), required=False, rows=5, max_length=REPORT_MAX)
    validity = forms.ChoiceField(choices=Validity.choices, label=_("Validity"))
    responsibility = forms.ChoiceField(
        choices=Complaint.Responsibility.choices, label=_("Responsibility"), required=False
    )
    responsible_department = FetchedModelChoiceField(
        queryset=Department.objects.none(), label=_("Responsible department"), required=False
    )
    responsible_staff = FetchedModelChoiceField(
        queryset=User.objects.none(), label=_("Responsible staff member"), required=False
    )
    responsible_party = forms.CharField(
        label=_("Responsible person or third party"), required=False, max_length=200
    )
    cause = forms.ChoiceField(choices=Complaint.Cause.choices, label=_("Cause"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = self.complaint
        self.fields["responsible_department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            venue_id=c.venue_id
        )
        self.fields["responsible_staff"].queryset = staff_of_company(c)  # type: ignore[attr-defined]
        self.initial.update(
            report=c.investigation_report,
            validity=c.validity,
            responsibility=c.responsibility,
            responsible_department=c.responsible_department_id,
            responsible_staff=c.responsible_staff_id,
            responsible_party=c.responsible_party,
            cause=c.cause,
        )

    def arguments(self) -> dict[str, Any]:
        fields = (
            "report",
            "validity",
            "responsibility",
            "responsible_department",
            "responsible_staff",
            "responsible_party",
            "cause",
        )
        return {key: self.cleaned_data[key] for key in fields}


@action
class InterviewForm(ActionForm):
    name, permission, title = "interview", "investigate", _("Record an interview")
    service = staticmethod(services.interview_record)
    interviewee = forms.CharField(label=_("Interviewee"), max_length=200)
    interviewee_role = forms.ChoiceField(choices=Interview.Role.choices, label=_("Interviewee is"))
    staff = FetchedModelChoiceField(
        queryset=User.objects.none(), label=_("Staff member interviewed"), required=False
    )
    summary = text_field(_("What they said"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_of_company(self.complaint)  # type: ignore[attr-defined]

    def arguments(self) -> dict[str, Any]:
        fields = ("interviewee", "interviewee_role", "staff", "summary")
        return {key: self.cleaned_data[key] for key in fields}


@action
class MarkInvalidForm(ActionForm):
    name, permission, title, submit = (
        "mark_invalid",
        "mark_invalid",
        _("Find the complaint invalid"),
        _("Find invalid"),
    )
    service = staticmethod(services.complaint_mark_invalid)
    reason = text_field(_("Why it is not founded"), required=False)

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


@action
class ExplainForm(ActionForm):
    name, permission, title, submit = (
        "explain",
        "explain",
        _("Explain to the customer"),
        _("Send the explanation"),
    )
    service = staticmethod(services.complaint_explain)
    message = text_field(_("Message to the customer (the facts, politely)"), rows=4)

    def arguments(self) -> dict[str, Any]:
        return {"message": self.cleaned_data["message"]}
