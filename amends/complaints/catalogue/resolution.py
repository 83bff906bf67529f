"""Catalogued actions of putting a complaint right and closing it, and the exceptional paths."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from amends.complaints import remedy_kinds, selectors, services
from amends.complaints.catalogue.base import ActionForm, action
from amends.complaints.catalogue.fields import (
    DateTimeLocalInput,
    local_datetime,
    staff_of_company,
    text_field,
)
from amends.complaints.models import Consequence, CustomerConsent, RemedyProposal, Revisit, Survey
from amends.complaints.services.gate import staff_of
from amends.complaints.surveys import is_low_score, low_score_reason
from amends.complaints.transitions import State
from amends.core.widgets import FetchedModelChoiceField
from amends.orgs.models import User
from amends.workflow.taxonomy import Channel, Severity


class ReasonForm(ActionForm):
    """Actions that need only a reason."""

    reason = text_field(_("Reason"))

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


@action
class ProposeRemedyForm(ActionForm):
    name, permission, title, submit = (
        "propose_remedy",
        "propose_remedy",
        _("Propose a remedy"),
        _("Add the proposal"),
    )
    service = staticmethod(services.remedy_propose)
    kind = forms.ChoiceField(choices=RemedyProposal.Kind.choices, label=_("Remedy"))
    description = text_field(_("Description"), rows=2)
    amount = forms.DecimalField(
        label=_("Cost (CNY)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the kinds this venue offers (no room upgrade at a gym, no class at a hotel).
        offered = set(remedy_kinds.kinds_for(self.complaint.venue.kind))
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(v, label) for v, label in RemedyProposal.Kind.choices if v in offered]

    def arguments(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("kind", "description", "amount")}


@action
class SubmitRemedyForm(ActionForm):
    name, permission, title, submit = (
        "submit_remedy",
        "submit_remedy",
        _("Submit the remedy"),
        _("Submit"),
    )
    service = staticmethod(services.remedy_submit)


class DecideForm(ActionForm):
    """Approve or reject one pending proposal of the complaint."""

    proposal = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)

    def pending(self) -> RemedyProposal:
        proposals = selectors.remedies_of(actor=staff_of(self.actor), complaint=self.complaint)
        proposal = proposals.filter(pk=self.cleaned_data["proposal"]).first()
        if proposal is None:
            raise forms.ValidationError(_("This proposal does not exist."))
        return proposal

    def run(self) -> Any:
        return type(self).service(
            proposal=self.pending(),
            actor=self.actor,
            comment=self.cleaned_data["comment"],
            expected_version=self.expected,
        )


@action
class ApproveForm(DecideForm):
    name, permission, title, submit = "approve", "approve", _("Approve"), _("Approve")
    service = staticmethod(services.remedy_approve)


@action
class RejectForm(DecideForm):
    name, permission, title, submit = "reject", "reject", _("Reject"), _("Reject")
    service = staticmethod(services.remedy_reject)


@action
class ConsentForm(ActionForm):
    name, permission, title, submit = (
        "consent",
        "record_acceptance",
        _("Record the customer's answer"),
        _("Record"),
    )
    service = staticmethod(services.remedy_record_consent)
    accepted = forms.TypedChoiceField(
        choices=[("yes", _("The customer accepts the remedy")), ("no", _("The customer declines"))],
        coerce=lambda v: v == "yes",
        label=_("Answer"),
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(choices=CustomerConsent.Method.choices, label=_("Given by"))
    note = forms.CharField(label=_("Note (required when declined)"), required=False, max_length=500)

    def arguments(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("accepted", "method", "note")}


@action
class ExecuteForm(ActionForm):
    name, permission, title, submit = (
        "execute",
        "execute",
        _("Mark the remedy carried out"),
        _("Carried out"),
    )
    service = staticmethod(services.remedy_execute)
    note = text_field(_("What was done"), rows=2)

    def arguments(self) -> dict[str, Any]:
        return {"note": self.cleaned_data["note"]}


@action
class FeedbackForm(ActionForm):
    name, permission, title, submit = (
        "feedback",
        "give_feedback",
        _("Give feedback to the customer"),
        _("Send the feedback"),
    )
    service = staticmethod(services.complaint_give_feedback)
    message = text_field(_("The outcome, for the customer"), rows=4)

    def arguments(self) -> dict[str, Any]:
        return {"message": self.cleaned_data["message"]}


@action
class RevisitForm(ActionForm):
    name, permission, title, submit = (
        "revisit",
        "record_revisit",
        _("Record the revisit"),
        _("Record"),
    )
    service = staticmethod(services.revisit_record)
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
    notes = text_field(_("Notes"), required=False, rows=2)
    new_issue = text_field(_("A new issue raised (opens a new complaint)"), required=False, rows=2)
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
            expected_version=self.expected,
        )


@action
class CloseForm(ActionForm):
    name, permission, title, submit = "close", "close", _("Close the complaint"), _("Close")
    service = staticmethod(services.complaint_close)


@action
class ReopenForm(ReasonForm):
    name, permission, title, submit = "reopen", "reopen", _("Reopen"), _("Reopen")
    service = staticmethod(services.complaint_reopen)
    reason = text_field(_("Why the customer is not satisfied"))
    severity = forms.ChoiceField(
        choices=[("", _("One level up (default)")), *Severity.choices],
        required=False,
        label=_("Severity"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # After a low survey score the customer's own comment is the reason, ready to send.
        survey = Survey.objects.filter(complaint=self.complaint, answered_at__isnull=False).first()
        if survey is not None and is_low_score(survey.satisfaction, survey.nps):
            self.initial.setdefault("reason", low_score_reason(survey))

    def arguments(self) -> dict[str, Any]:
        return {**super().arguments(), "severity": self.cleaned_data["severity"]}


@action
class FollowUpForm(ActionForm):
    """The customer of a closed complaint comes back: a new complaint, linked to this one."""

    name, permission, title, submit = (
        "follow_up",
        "follow_up",
        _("The customer came back: open a new complaint"),
        _("Open the new complaint"),
    )
    service = staticmethod(services.complaint_follow_up)
    description = text_field(_("What happened"), rows=3)
    customer_request = text_field(_("What the customer asks for"), required=False, rows=2)
    channel = forms.ChoiceField(choices=Channel.choices, label=_("Channel"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("channel", self.complaint.channel)

    def arguments(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("description", "customer_request", "channel")}


@action
class NotDuplicateForm(ActionForm):
    name, permission, title, submit = (
        "not_duplicate",
        "not_duplicate",
        _("Not a duplicate"),
        _("Not a duplicate"),
    )
    service = staticmethod(services.complaint_dismiss_duplicate)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


@action
class BackToInvestigationForm(ReasonForm):
    name, permission, title, submit = (
        "back_to_investigation",
        "back_to_investigation",
        _("Back to investigation"),
        _("Back to investigation"),
    )
    service = staticmethod(services.complaint_transition)

    def arguments(self) -> dict[str, Any]:
        return {**super().arguments(), "to": State.INVESTIGATING}


@action
class EscalateForm(ReasonForm):
    name, permission, title, submit = "escalate", "escalate", _("Escalate"), _("Escalate")
    service = staticmethod(services.complaint_escalate)


@action
class ExtendDeadlineForm(ActionForm):
    name, permission, title, submit = (
        "extend_deadline",
        "extend_deadline",
        _("Extend the deadline"),
        _("Extend"),
    )
    service = staticmethod(services.complaint_extend_deadline)
    until = forms.DateTimeField(label=_("New deadline (venue time)"), widget=DateTimeLocalInput())
    reason = forms.CharField(label=_("Reason (the customer is told)"), max_length=300)

    def arguments(self) -> dict[str, Any]:
        until = local_datetime(self.cleaned_data["until"], self.complaint.venue)
        return {"until": until, "reason": self.cleaned_data["reason"]}


@action
class MergeForm(ActionForm):
    name, permission, title, submit = (
        "merge",
        "merge",
        _("Merge into another complaint"),
        _("Merge"),
    )
    service = staticmethod(services.complaint_merge)
    into = forms.CharField(label=_("Reference of the complaint to keep"), max_length=40)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def run(self) -> Any:
        survivor = selectors.complaint_get_for_actor(
            actor=staff_of(self.actor), reference=self.cleaned_data["into"].strip()
        )
        return services.complaint_merge(
            duplicate=self.complaint,
            into=survivor,
            actor=self.actor,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )


@action
class DeclineForm(ReasonForm):
    name, permission, title, submit = "decline", "decline", _("Decline as abusive"), _("Decline")
    service = staticmethod(services.complaint_decline)
    reason = text_field(_("Reason (kept on record)"))


@action
class ConsequenceForm(ActionForm):
    name, permission, title = (
        "consequence",
        "record_consequence",
        _("Record a consequence for staff"),
    )
    service = staticmethod(services.consequence_record)
    staff = FetchedModelChoiceField(queryset=User.objects.none(), label=_("Staff member"))
    kind = forms.ChoiceField(choices=Consequence.Kind.choices, label=_("Kind of consequence"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_of_company(self.complaint)  # type: ignore[attr-defined]
        self.initial["staff"] = (
            self.complaint.responsible_staff_id or self.complaint.subject_staff_id
        )

    def arguments(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("staff", "kind", "note")}
