"""Forms of the console. They parse and validate input; every write is one service call in
`run()`, so the console and any other face share every rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amends.complaints import selectors, services
from amends.complaints.models import (
    Complaint,
    Consequence,
    CustomerConsent,
    Interview,
    RemedyProposal,
    Revisit,
)
from amends.complaints.transitions import State
from amends.orgs.models import User, Venue
from amends.orgs.roles import HANDLER_ROLES, INTAKE_ROLES
from amends.orgs.selectors import scope_of, users_with_role, venues_for_actor
from amends.workflow.models import Category
from amends.workflow.taxonomy import Channel, Psychology, Severity, Validity

BLANK = [("", "—")]


def local_datetime(value: datetime | None, venue: Venue) -> datetime | None:
    """A datetime-local input is wall time at the venue: give it the venue's zone."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.make_naive(value, timezone.get_current_timezone())
    return value.replace(tzinfo=ZoneInfo(venue.timezone))


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


# --- intake -------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """What the receiver types while the customer talks: short, in the order people speak."""

    venue = forms.ModelChoiceField(queryset=Venue.objects.none(), label=_("Venue"))
    channel = forms.ChoiceField(
        choices=Channel.choices, label=_("Channel"), initial=Channel.FRONT_DESK
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=200, required=False)
    language = forms.ChoiceField(
        choices=[("zh-hans", "中文"), ("en", "English")],
        label=_("Customer's language"),
        initial="zh-hans",
    )
    member_number = forms.CharField(
        label=_("Membership / room / booking no."), max_length=60, required=False
    )
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4})
    )
    occurred_at = forms.DateTimeField(
        label=_("When it happened"), required=False, widget=DateTimeLocalInput()
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    people_involved = forms.CharField(label=_("People involved"), max_length=300, required=False)
    consequence = forms.CharField(
        label=_("Consequence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    customer_request = forms.CharField(
        label=_("What the customer asks for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    subject_text = forms.CharField(
        label=_("Complained about (staff or department)"), max_length=200, required=False
    )
    category = CategoryChoice(
        queryset=Category.objects.none(),
        label=_("Category"),
        required=False,
        empty_label=_("Leave for the handler"),
    )
    severity = forms.ChoiceField(
        choices=[("", _("Leave for the handler")), *Severity.choices],
        label=_("Severity"),
        required=False,
    )

    def __init__(self, *args: Any, actor: User, venue: Venue | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_of(actor)
        venues = venues_for_actor(actor=actor)
        allowed = [v.pk for v in venues if scope.has_role(v.pk, *INTAKE_ROLES)]
        self.fields["venue"].queryset = Venue.objects.filter(pk__in=allowed)  # type: ignore[attr-defined]
        if venue is not None and venue.pk in allowed:
            self.fields["venue"].initial = venue.pk
        elif len(allowed) == 1:
            self.fields["venue"].initial = allowed[0]
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined,misc]
            company_id=actor.company_id, is_active=True
        )
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("customer_name") or data.get("phone") or data.get("email")):
            raise forms.ValidationError(
                _("Give the customer's name, phone or email."), code="customer_required"
            )
        return data

    def intake(self) -> services.Intake:
        d = self.cleaned_data
        return services.Intake(
            channel=d["channel"],
            description=d["description"],
            customer_name=d["customer_name"],
            phone=d["phone"],
            email=d["email"],
            language=d["language"],
            member_number=d["member_number"],
            occurred_at=local_datetime(d["occurred_at"], d["venue"]),
            location=d["location"],
            people_involved=d["people_involved"],
            consequence=d["consequence"],
            customer_request=d["customer_request"],
            subject_text=d["subject_text"],
            category=d["category"],
            severity=d["severity"],
        )


# Where a refused intake's error belongs on the form.
INTAKE_ERROR_FIELDS = {
    "invalid_phone": "phone",
    "invalid_email": "email",
    "customer_required": None,
}


# --- queues -------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    venue = forms.ModelChoiceField(queryset=Venue.objects.none(), label=_("Venue"), required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), label=_("Category"), required=False
    )
    severity = forms.ChoiceField(
        choices=BLANK + list(Severity.choices), label=_("Severity"), required=False
    )
    state = forms.ChoiceField(choices=BLANK + list(State.choices), label=_("State"), required=False)
    channel = forms.ChoiceField(
        choices=BLANK + list(Channel.choices), label=_("Channel"), required=False
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Assignee"), required=False
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    per = forms.TypedChoiceField(
        choices=[(25, "25"), (50, "50"), (100, "100")],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Per page"),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined,misc]
            company_id=actor.company_id
        )
        self.fields["venue"].queryset = venues_for_actor(actor=actor)  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined,misc]
            company_id=actor.company_id, is_active=True
        ).order_by("display_name", "username")

    def apply(self, complaints: Any, tz: ZoneInfo) -> Any:
        if not self.is_valid():
            return complaints
        d = self.cleaned_data
        if d["q"]:
            complaints = selectors.search(complaints, d["q"])
        for name in ("venue", "category", "severity", "state", "channel", "assignee"):
            if d[name]:
                complaints = complaints.filter(**{name: d[name]})
        if d["received_from"]:
            complaints = complaints.filter(
                received_at__gte=datetime.combine(d["received_from"], datetime.min.time(), tz)
            )
        if d["received_to"]:
            complaints = complaints.filter(
                received_at__lte=datetime.combine(d["received_to"], datetime.max.time(), tz)
            )
        return complaints


# --- actions on a complaint -----------------------------------------------------------------


class ActionForm(forms.Form):
    """A small form for one action. `permission` names the transition-table action that decides
    who sees it; `run()` calls the one service that does it."""

    permission = ""
    title: Any = ""
    submit: Any = _("Save")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, complaint: Complaint, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["version"] = complaint.version
        super().__init__(*args, **kwargs)
        self.complaint, self.actor = complaint, actor

    @property
    def expected(self) -> int:
        return int(self.cleaned_data["version"])

    def run(self) -> Any:
        raise NotImplementedError


def _text(label: Any, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _handlers(complaint: Complaint) -> Any:
    return users_with_role(venue=complaint.venue, roles=HANDLER_ROLES).exclude(
        pk=complaint.subject_staff_id or 0
    )


class AcknowledgeForm(ActionForm):
    permission, title, submit = (
        "acknowledge",
        _("Acknowledge"),
        _("Acknowledge: the customer is told"),
    )

    def run(self) -> Any:
        return services.complaint_transition(
            complaint=self.complaint,
            to=State.ACKNOWLEDGED,
            actor=self.actor,
            expected_version=self.expected,
        )


class AssignForm(ActionForm):
    permission, title, submit = "assign", _("Assign or reassign"), _("Assign")
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Assign to"))
    reason = forms.CharField(label=_("Note for the assignee"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _handlers(self.complaint)  # type: ignore[attr-defined]

    def run(self) -> Any:
        return services.complaint_assign(
            complaint=self.complaint,
            actor=self.actor,
            assignee=self.cleaned_data["assignee"],
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )


class ClassifyForm(ActionForm):
    permission, title = "classify", _("Classify")
    category = CategoryChoice(queryset=Category.objects.none(), label=_("Category"), required=False)
    severity = forms.ChoiceField(
        choices=BLANK + list(Severity.choices), label=_("Severity"), required=False
    )
    psychology = forms.ChoiceField(
        choices=BLANK + list(Psychology.choices), label=_("Complainant psychology"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = self.complaint
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            company_id=c.company_id, is_active=True
        )
        self.initial.update(category=c.category_id, severity=c.severity, psychology=c.psychology)

    def run(self) -> Any:
        d = self.cleaned_data
        return services.complaint_classify(
            complaint=self.complaint,
            actor=self.actor,
            category=d["category"],
            severity=d["severity"],
            psychology=d["psychology"],
            expected_version=self.expected,
        )


class AcceptForm(ClassifyForm):
    permission, title, submit = "accept", _("Accept and start investigating"), _("Accept")

    def run(self) -> Any:
        d = self.cleaned_data
        return services.complaint_accept(
            complaint=self.complaint,
            actor=self.actor,
            category=d["category"],
            severity=d["severity"],
            expected_version=self.expected,
        )


class NoteForm(ActionForm):
    permission, title = "add_note", _("Add a note or a call")
    text = _text(_("Note"))
    call = forms.BooleanField(label=_("This was a call with the customer"), required=False)

    def run(self) -> Any:
        return services.complaint_add_note(
            complaint=self.complaint,
            actor=self.actor,
            text=self.cleaned_data["text"],
            call=self.cleaned_data["call"],
        )


class EvidenceForm(ActionForm):
    permission, title, submit = "add_evidence", _("Upload evidence"), _("Upload")
    file = forms.FileField(label=_("File (photo, recording, PDF, text)"))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)

    def run(self) -> Any:
        upload = self.cleaned_data["file"]
        return services.evidence_add(
            complaint=self.complaint,
            actor=self.actor,
            name=upload.name,
            stream=upload.file,
            size=upload.size,
            description=self.cleaned_data["description"],
        )


class InvestigationForm(ActionForm):
    permission, title = "investigate", _("Investigation report and findings")
    report = _text(_("Investigation report"), required=False, rows=5)
    validity = forms.ChoiceField(choices=Validity.choices, label=_("Validity"))
    responsibility = forms.ChoiceField(
        choices=Complaint.Responsibility.choices, label=_("Responsibility"), required=False
    )
    responsible_party = forms.CharField(
        label=_("Responsible person or third party"), required=False, max_length=200
    )
    cause = forms.ChoiceField(choices=Complaint.Cause.choices, label=_("Cause"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = self.complaint
        self.initial.update(
            report=c.investigation_report,
            validity=c.validity,
            responsibility=c.responsibility,
            responsible_party=c.responsible_party,
            cause=c.cause,
        )

    def run(self) -> Any:
        d = self.cleaned_data
        return services.complaint_record_investigation(
            complaint=self.complaint,
            actor=self.actor,
            report=d["report"],
            validity=d["validity"],
            responsibility=d["responsibility"],
            responsible_party=d["responsible_party"],
            cause=d["cause"],
            expected_version=self.expected,
        )


class InterviewForm(ActionForm):
    permission, title = "investigate", _("Record an interview")
    interviewee = forms.CharField(label=_("Interviewee"), max_length=200)
    interviewee_role = forms.ChoiceField(choices=Interview.Role.choices, label=_("Interviewee is"))
    summary = _text(_("What they said"))

    def run(self) -> Any:
        d = self.cleaned_data
        return services.interview_record(
            complaint=self.complaint,
            actor=self.actor,
            interviewee=d["interviewee"],
            interviewee_role=d["interviewee_role"],
            summary=d["summary"],
        )


class ReasonForm(ActionForm):
    """Actions that need only a reason or a message."""

    reason = _text(_("Reason"))
    call: Callable[..., Any]

    def run(self) -> Any:
        return type(self).call(
            complaint=self.complaint,
            actor=self.actor,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )


class MarkInvalidForm(ReasonForm):
    permission, title, submit = "mark_invalid", _("Find the complaint invalid"), _("Find invalid")
    reason = _text(_("Why it is not founded"), required=False)
    call = staticmethod(services.complaint_mark_invalid)


class ExplainForm(ActionForm):
    permission, title, submit = "explain", _("Explain to the customer"), _("Send the explanation")
    message = _text(_("Message to the customer (the facts, politely)"), rows=4)

    def run(self) -> Any:
        return services.complaint_explain(
            complaint=self.complaint,
            actor=self.actor,
            message=self.cleaned_data["message"],
            expected_version=self.expected,
        )


class ProposeRemedyForm(ActionForm):
    permission, title, submit = "propose_remedy", _("Propose a remedy"), _("Add the proposal")
    kind = forms.ChoiceField(choices=RemedyProposal.Kind.choices, label=_("Remedy"))
    description = _text(_("Description"), rows=2)
    amount = forms.DecimalField(
        label=_("Cost (CNY)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )

    def run(self) -> Any:
        d = self.cleaned_data
        return services.remedy_propose(
            complaint=self.complaint,
            actor=self.actor,
            kind=d["kind"],
            description=d["description"],
            amount=d["amount"],
            expected_version=self.expected,
        )


class SubmitRemedyForm(ActionForm):
    permission, title, submit = "submit_remedy", _("Submit the remedy"), _("Submit")

    def run(self) -> Any:
        return services.remedy_submit(
            complaint=self.complaint, actor=self.actor, expected_version=self.expected
        )


class DecideForm(ActionForm):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)
    approve = True

    def pending(self) -> RemedyProposal:
        proposals = selectors.remedies_of(actor=self.actor, complaint=self.complaint)
        proposal = proposals.filter(pk=self.cleaned_data["proposal"]).first()
        if proposal is None:
            raise forms.ValidationError(_("This proposal does not exist."))
        return proposal

    def run(self) -> Any:
        if self.approve:
            return services.remedy_approve(
                proposal=self.pending(), actor=self.actor, comment=self.cleaned_data["comment"]
            )
        return services.remedy_reject(
            proposal=self.pending(), actor=self.actor, comment=self.cleaned_data["comment"]
        )


class ApproveForm(DecideForm):
    permission, title, submit = "approve", _("Approve"), _("Approve")


class RejectForm(DecideForm):
    permission, title, submit = "reject", _("Reject"), _("Reject")
    approve = False


class ConsentForm(ActionForm):
    permission, title, submit = "record_acceptance", _("Record the customer's answer"), _("Record")
    accepted = forms.TypedChoiceField(
        choices=[("yes", _("The customer accepts the remedy")), ("no", _("The customer declines"))],
        coerce=lambda v: v == "yes",
        label=_("Answer"),
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(choices=CustomerConsent.Method.choices, label=_("Given by"))
    note = forms.CharField(label=_("Note (required when declined)"), required=False, max_length=500)

    def run(self) -> Any:
        d = self.cleaned_data
        return services.remedy_record_consent(
            complaint=self.complaint,
            actor=self.actor,
            accepted=d["accepted"],
            method=d["method"],
            note=d["note"],
            expected_version=self.expected,
        )


class ExecuteForm(ActionForm):
    permission, title, submit = "execute", _("Mark the remedy carried out"), _("Carried out")
    note = _text(_("What was done"), rows=2)

    def run(self) -> Any:
        return services.remedy_execute(
            complaint=self.complaint,
            actor=self.actor,
            note=self.cleaned_data["note"],
            expected_version=self.expected,
        )


class FeedbackForm(ActionForm):
    permission, title, submit = (
        "give_feedback",
        _("Give feedback to the customer"),
        _("Send the feedback"),
    )
    message = _text(_("The outcome, for the customer"), rows=4)

    def run(self) -> Any:
        return services.complaint_give_feedback(
            complaint=self.complaint,
            actor=self.actor,
            message=self.cleaned_data["message"],
            expected_version=self.expected,
        )


class RevisitForm(ActionForm):
    permission, title, submit = "record_revisit", _("Record the revisit"), _("Record")
    reached = forms.TypedChoiceField(
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda v: v == "yes",
        label=_("Customer"),
        widget=forms.RadioSelect,
    )
    satisfied = forms.TypedChoiceField(
        choices=[("", "—"), ("yes", _("Satisfied")), ("no", _("Not satisfied"))],
        required=False,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        label=_("Satisfied?"),
    )
    method = forms.ChoiceField(choices=Revisit.Method.choices, label=_("How"))
    notes = _text(_("Notes"), required=False, rows=2)
    new_issue = _text(_("A new issue raised (opens a new complaint)"), required=False, rows=2)
    final = forms.BooleanField(label=_("Give up: the customer cannot be reached"), required=False)

    def run(self) -> Any:
        revisit = self.complaint.revisits.filter(done_at__isnull=True).first()
        if revisit is None:
            raise forms.ValidationError(_("This complaint is not awaiting a revisit."))
        d = self.cleaned_data
        return services.revisit_record(
            revisit=revisit,
            actor=self.actor,
            reached=d["reached"],
            method=d["method"],
            satisfied=d["satisfied"],
            notes=d["notes"],
            new_issue=d["new_issue"],
            final=d["final"],
        )


class CloseForm(ActionForm):
    permission, title, submit = "close", _("Close the complaint"), _("Close")

    def run(self) -> Any:
        return services.complaint_close(
            complaint=self.complaint, actor=self.actor, expected_version=self.expected
        )


class ReopenForm(ReasonForm):
    permission, title, submit = "reopen", _("Reopen"), _("Reopen")
    reason = _text(_("Why the customer is not satisfied"))
    call = staticmethod(services.complaint_reopen)


class BackToInvestigationForm(ActionForm):
    permission, title, submit = (
        "back_to_investigation",
        _("Back to investigation"),
        _("Back to investigation"),
    )
    reason = _text(_("Reason"))

    def run(self) -> Any:
        return services.complaint_transition(
            complaint=self.complaint,
            to=State.INVESTIGATING,
            actor=self.actor,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )


class DeclineForm(ReasonForm):
    permission, title, submit = "decline", _("Decline as abusive"), _("Decline")
    reason = _text(_("Reason (kept on record)"))
    call = staticmethod(services.complaint_decline)


class EscalateForm(ReasonForm):
    permission, title, submit = "escalate", _("Escalate"), _("Escalate")
    call = staticmethod(services.complaint_escalate)


class MergeForm(ActionForm):
    permission, title, submit = "merge", _("Merge into another complaint"), _("Merge")
    into = forms.CharField(label=_("Reference of the complaint to keep"), max_length=40)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def run(self) -> Any:
        survivor = selectors.complaint_get_for_actor(
            actor=self.actor, reference=self.cleaned_data["into"].strip()
        )
        return services.complaint_merge(
            duplicate=self.complaint,
            into=survivor,
            actor=self.actor,
            reason=self.cleaned_data["reason"],
        )


class ExtendDeadlineForm(ActionForm):
    permission, title, submit = "extend_deadline", _("Extend the deadline"), _("Extend")
    until = forms.DateTimeField(label=_("New deadline (venue time)"), widget=DateTimeLocalInput())
    reason = forms.CharField(label=_("Reason (the customer is told)"), max_length=300)

    def run(self) -> Any:
        until = local_datetime(self.cleaned_data["until"], self.complaint.venue)
        assert until is not None
        return services.complaint_extend_deadline(
            complaint=self.complaint,
            actor=self.actor,
            until=until,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )


class ConsequenceForm(ActionForm):
    permission, title = "record_consequence", _("Record a consequence for staff")
    staff = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Staff member"))
    kind = forms.ChoiceField(choices=Consequence.Kind.choices, label=_("Kind of consequence"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            company_id=self.complaint.company_id, is_active=True
        ).order_by("display_name", "username")
        self.initial["staff"] = (
            self.complaint.responsible_staff_id or self.complaint.subject_staff_id
        )

    def run(self) -> Any:
        d = self.cleaned_data
        return services.consequence_record(
            complaint=self.complaint,
            actor=self.actor,
            staff=d["staff"],
            kind=d["kind"],
            note=d["note"],
        )


# The forms of the complaint page, in the order a handler meets them.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "acknowledge": AcknowledgeForm,
    "accept": AcceptForm,
    "assign": AssignForm,
    "classify": ClassifyForm,
    "note": NoteForm,
    "evidence": EvidenceForm,
    "investigation": InvestigationForm,
    "interview": InterviewForm,
    "mark_invalid": MarkInvalidForm,
    "explain": ExplainForm,
    "propose_remedy": ProposeRemedyForm,
    "submit_remedy": SubmitRemedyForm,
    "approve": ApproveForm,
    "reject": RejectForm,
    "consent": ConsentForm,
    "execute": ExecuteForm,
    "feedback": FeedbackForm,
    "revisit": RevisitForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "back_to_investigation": BackToInvestigationForm,
    "escalate": EscalateForm,
    "extend_deadline": ExtendDeadlineForm,
    "merge": MergeForm,
    "decline": DeclineForm,
    "consequence": ConsequenceForm,
}
