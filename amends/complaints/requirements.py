"""The data checks named in the transition table's `needs`. Each returns an error message when
the complaint is not ready, or None. Pure reads of the (locked) complaint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from amends.complaints.models import Complaint, RemedyProposal
from amends.core.principals import as_principal
from amends.workflow.taxonomy import Validity

Check = Callable[[Complaint, Any, str], object]  # (complaint, actor, reason) → message


def _assignee(c: Complaint, actor: Any, reason: str) -> object:
    return None if c.assignee_id else _("Choose who the complaint is assigned to.")


def _classified(c: Complaint, actor: Any, reason: str) -> object:
    return None if c.category_id and c.severity else _("Set the category and severity first.")


def _report(c: Complaint, actor: Any, reason: str) -> object:
    return None if c.investigation_report.strip() else _("Write the investigation report first.")


def _validity_invalid(c: Complaint, actor: Any, reason: str) -> object:
    return None if c.validity == Validity.INVALID else _("Set the validity to invalid first.")


def _validity_valid(c: Complaint, actor: Any, reason: str) -> object:
    return None if c.validity == Validity.VALID else _("Set the validity to valid first.")


def _responsibility(c: Complaint, actor: Any, reason: str) -> object:
    return None if c.responsibility else _("Decide who is responsible first.")


def _open_proposal(c: Complaint, actor: Any, reason: str) -> object:
    exists = RemedyProposal.objects.filter(complaint=c, status=RemedyProposal.Status.DRAFT).exists()
    return None if exists else _("Add at least one remedy proposal first.")


def _submitted_proposal(c: Complaint, actor: Any, reason: str) -> object:
    statuses = [RemedyProposal.Status.PENDING, RemedyProposal.Status.APPROVED]
    exists = RemedyProposal.objects.filter(complaint=c, status__in=statuses).exists()
    return None if exists else _("Add at least one remedy proposal first.")


def _text(message: object) -> Check:
    def check(c: Complaint, actor: Any, reason: str) -> object:
        return None if reason.strip() else message

    return check


def _not_subject(c: Complaint, actor: Any, reason: str) -> object:
    principal = as_principal(actor)
    if c.subject_staff_id and principal.is_staff and c.subject_staff_id == principal.ref:
        return _("The person complained about cannot do this.")
    return None


CHECKS: dict[str, Check] = {
    "assignee": _assignee,
    "classified": _classified,
    "report": _report,
    "validity_invalid": _validity_invalid,
    "validity_valid": _validity_valid,
    "responsibility": _responsibility,
    "open_proposal": _open_proposal,
    "submitted_proposal": _submitted_proposal,
    "reason": _text(_("A reason is required.")),
    "message": _text(_("Write the message for the customer.")),
    "consent": _text(_("Say how the customer gave their answer.")),
    "not_subject": _not_subject,
}
