"""The data checks named in the transition table's `needs`. Each returns an error message when
the complaint is not ready, or None. Pure reads of the (locked) complaint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from amends.complaints.models import Complaint, RemedyProposal, Revisit
from amends.complaints.routing import not_independent
from amends.complaints.transitions import Action, State
from amends.core import clock
from amends.core.principals import as_principal
from amends.orgs.models import Venue
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


def _before_closure(c: Complaint) -> bool:
    return c.venue.revisit_policy_in_force == Venue.RevisitPolicy.BEFORE_CLOSURE


def _closable(c: Complaint, actor: Any, reason: str) -> object:
    """From "feedback given" only where the venue closes on feedback (and revisits after)."""
    if c.state == State.FEEDBACK_GIVEN and _before_closure(c):
        return _("This venue revisits before closing: record the revisit first.")
    return None


def _revisit_due(c: Complaint, actor: Any, reason: str) -> object:
    """A revisit is awaited: after feedback where the venue revisits before closure, after
    closure where it revisits then — with a revisit still open."""
    if c.state == State.CLOSED:
        if (
            _before_closure(c)
            or not Revisit.objects.filter(complaint=c, done_at__isnull=True).exists()
        ):
            return _("This complaint is not awaiting a revisit.")
    elif c.state == State.FEEDBACK_GIVEN and not _before_closure(c):
        return _("This venue revisits after closure: close the complaint first.")
    return None


def _independent(c: Complaint, actor: Any, reason: str) -> object:
    """The revisit is made by someone who neither handled the case nor is complained about."""
    principal = as_principal(actor)
    if not principal.is_staff:
        return None
    if principal.ref in (c.subject_staff_id, c.responsible_staff_id):
        return _("The person complained about cannot do this.")
    if principal.ref in not_independent(c):
        return _("The revisit is made by someone who did not handle the complaint.")
    return None


def _reopen_window(c: Complaint, actor: Any, reason: str) -> object:
    """A closed complaint reopens only within its venue's reopen window after closure."""
    closed = c.closed_at
    if c.state == State.CLOSED and closed is not None:
        until = closed + timedelta(days=c.venue.reopen_window_days)
        return (
            _("The reopen window has passed: open a new complaint.")
            if clock.now() > until
            else None
        )
    return None


def _possible_duplicate(c: Complaint, actor: Any, reason: str) -> object:
    if c.possible_duplicate_of_id is None:
        return _("This complaint is not flagged as a possible duplicate.")
    return None


# Checks that depend on the complaint alone (its state and its venue's policy), not on what
# the actor types: an action they refuse is not offered at all.
OFFER_CHECKS = frozenset({"closable", "revisit_due", "reopen_window", "possible_duplicate"})


def offered(c: Complaint, action: Action) -> bool:
    """Whether `action` is offered on `c` as the venue's policy stands (see OFFER_CHECKS)."""
    return all(CHECKS[need](c, None, "") is None for need in action.needs if need in OFFER_CHECKS)


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
    "closable": _closable,
    "revisit_due": _revisit_due,
    "independent": _independent,
    "reopen_window": _reopen_window,
    "possible_duplicate": _possible_duplicate,
}
