"""Assignment and acceptance: the hand-off from the first-contact owner."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints import routing, timeline
from amends.complaints.messages import notify_staff
from amends.complaints.models import (
    Complaint,
)
from amends.complaints.permissions import Actor
from amends.complaints.services import triage as triage_service
from amends.complaints.services.gate import gate, lock
from amends.complaints.services.investigation import classify
from amends.complaints.transitions import (
    State,
)
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
)
from amends.core.input_guard import check_text
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.orgs.roles import HANDLER_ROLES
from amends.orgs.selectors import scope_of
from amends.workflow.models import Category

S = State


# --- assignment -----------------------------------------------------------------------------


def assign(
    complaint: Complaint, *, actor: Actor, assignee: User, reason: str, automatic: bool = False
) -> Complaint:
    roles = scope_of(assignee).roles_at(complaint.venue_id)
    if (
        not assignee.is_active
        or assignee.company_id != complaint.company_id
        or not roles & HANDLER_ROLES
    ):
        raise InvalidInput(
            _("This person cannot handle complaints here."),
            code="assignee_not_eligible",
            fields={"assignee": [_("Choose someone who handles complaints at this venue.")]},
        )
    if complaint.subject_staff_id == assignee.pk:
        raise InvalidInput(
            _("A complaint cannot be assigned to the person it is about."),
            code="assignee_is_subject",
        )
    previous = complaint.assignee_id
    complaint.assignee = assignee
    complaint.assigned_at = clock.now()
    routing.assigned_now(assignee, complaint.assigned_at)
    complaint.escalated_to = (
        None if complaint.escalated_to_id == assignee.pk else complaint.escalated_to
    )
    complaint = gate(
        complaint,
        to=S.ASSIGNED,
        actor=actor,
        reason=reason,
        data={"assignee": assignee.pk, "previous_assignee": previous, "automatic": automatic},
    )
    timeline.add_handler(complaint, assignee)
    notify_staff(
        complaint,
        user=assignee,
        kind=Outbox.Kind.ASSIGNMENT,
        dedupe_key=f"assign:{complaint.pk}:{complaint.version}",
    )
    return complaint


MAX_ASSIGN_REASON = 300


@transaction.atomic
def complaint_assign(
    *,
    complaint: Complaint,
    actor: Actor,
    assignee: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Hand the complaint to `assignee` (or reassign it). The current owner stays accountable
    until the assignee accepts (`complaint_accept`)."""
    reason = check_text(
        reason.strip(), limit=MAX_ASSIGN_REASON, field="reason", label=_("The note")
    )
    locked = lock(complaint, expected_version=expected_version)
    return assign(locked, actor=actor, assignee=assignee, reason=reason)


@transaction.atomic
def complaint_accept(
    *,
    complaint: Complaint,
    actor: Actor,
    category: Category | None = None,
    severity: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """The assignee takes the complaint up: they become its owner and investigation starts.
    Category and severity may be set in the same step (they are required to start)."""
    locked = lock(complaint, expected_version=expected_version)
    if category is not None or severity:
        before = triage_service.snapshot(locked)
        classify(locked, actor=actor, category=category, severity=severity, psychology=None)
        triage_service.note_changes(locked, before, actor)
    return gate(locked, to=S.INVESTIGATING, actor=actor)
