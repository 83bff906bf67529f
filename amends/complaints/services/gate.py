"""The gate: the one code path that changes a complaint's state, and the lock, checks and
save every service shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints import clocks, timeline
from amends.complaints import queue_cache as _queue_cache  # noqa: F401  (every write raises the queues' generation)
from amends.complaints.events import CalendarWarning, HandoffAccepted, Transition, record
from amends.complaints.messages import notify_customer
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Revisit,
)
from amends.complaints.payload import Payload
from amends.complaints.permissions import Actor, can_see, may
from amends.complaints.requirements import CHECKS
from amends.complaints.services.followups import revisit_schedule, survey_invite
from amends.complaints.transitions import (
    ACTIONS,
    RESOLUTION_STATES,
    RESPONSE_STATES,
    TERMINAL_STATES,
    WAITING_ON_CUSTOMER_STATES,
    Action,
    State,
    action_for,
)
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from amends.core.principals import as_principal
from amends.notifications.models import Outbox
from amends.orgs.models import User

S = State


# --- the gate -------------------------------------------------------------------------------


def lock(complaint: Complaint, *, expected_version: int | None = None) -> Complaint:
    locked = (
        # Only the complaint's row: locking the joined company, venue and customer rows too
        # made every action of a company wait for every other one, and deadlock with them.
        Complaint.objects.select_for_update(of=("self",))
        .select_related("venue", "customer", "company")
        .filter(pk=complaint.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this complaint meanwhile. Reload it and try again."),
            current_version=locked.version,
        )
    return locked


def user_of(actor: Actor | None) -> User | None:
    """The staff member acting, or None for the customer, an API key or the system."""
    principal = as_principal(actor)
    return principal.user if principal.is_staff else None


def staff_of(actor: Actor) -> User:
    """The staff member acting; anyone else is refused (for steps only staff take)."""
    user = user_of(actor)
    if user is None:
        raise PermissionDenied(_("Only staff may do this."), code="staff_only")
    return user


def authorize(complaint: Complaint, actor: Actor, action: Action) -> None:
    if not can_see(complaint, actor):
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if not may(complaint, actor, action):
        raise PermissionDenied(
            _("You may not do this: %(action)s.") % {"action": action.label},
            code="action_not_allowed",
            action=action.name,
        )


def check_needs(complaint: Complaint, actor: Actor, action: Action, reason: str) -> None:
    for need in action.needs:
        message = CHECKS[need](complaint, actor, reason)
        if message is not None:
            raise InvalidInput(message, code=f"needs_{need}", action=action.name)


def check_available(complaint: Complaint, actor: Actor, action: Action) -> None:
    """The actor may take `action` and the complaint's state allows it — or NotFound,
    PermissionDenied or InvalidTransition (`action_not_available`)."""
    authorize(complaint, actor, action)
    if complaint.state not in action.sources:
        raise InvalidTransition(
            _("This cannot be done while the complaint is “%(state)s”.")
            % {"state": complaint.get_state_display()},
            code="action_not_available",
            action=action.name,
            state=complaint.state,
        )


def authorize_action(complaint: Complaint, actor: Actor, name: str, reason: str = "") -> Action:
    """For actions that leave the state alone: the state, the actor and the data must fit."""
    action = ACTIONS[name]
    check_available(complaint, actor, action)
    check_needs(complaint, actor, action, reason)
    return action


def save(complaint: Complaint) -> None:
    """Save the locked complaint with a new version (held back with its other writes inside
    `timeline.deferred`)."""
    complaint.version += 1
    timeline.save_row(complaint)


def save_recording(complaint: Complaint, actor: Actor | None, payload: Payload) -> ComplaintEvent:
    """`save(complaint)` and then `record(complaint, actor, payload)`, with the save made in the
    event's own update of the row: one statement fewer, and one index update of the complaint
    instead of two (every column written, every listener of the save told)."""
    complaint.version += 1
    return record(complaint, actor, payload, save=True)


def warn(complaint: Complaint, warnings: list[str]) -> None:
    if warnings:
        record(complaint, None, CalendarWarning(warnings=warnings))


def gate(
    complaint: Complaint,
    *,
    to: str,
    actor: Actor,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Complaint:
    """The one gate for state (DESIGN invariant 3), on an already locked complaint.

    1. Find the action that moves the current state to `to` — or raise InvalidTransition.
    2. Check the actor may take it — or raise PermissionDenied.
    3. Check the data it needs — or raise InvalidInput.
    4. Apply: state, clocks, ownership, follow-ups (revisit, survey, retention, messages).
    5. Append the transition event; save with a new version.
    """
    source = complaint.state
    action = action_for(source, to)
    if action is None:
        raise InvalidTransition(
            _("A complaint cannot go from “%(source)s” to “%(target)s”.")
            % {"source": S(source).label, "target": S(to).label},
            source=source,
            target=to,
        )
    authorize(complaint, actor, action)
    check_needs(complaint, actor, action, reason)
    now = clock.now()
    warnings: list[str] = []
    previous_owner = complaint.owner_id

    if source in WAITING_ON_CUSTOMER_STATES and to not in WAITING_ON_CUSTOMER_STATES:
        warnings += clocks.resume(complaint, now=now)
    complaint.state = to
    if to in RESPONSE_STATES and complaint.responded_at is None:
        complaint.responded_at = now
    if to in RESOLUTION_STATES:
        complaint.resolved_at = complaint.resolved_at or now
    warnings += _on_enter(complaint, action=action, actor=actor, reason=reason, now=now)
    if to in WAITING_ON_CUSTOMER_STATES:
        clocks.pause(complaint, now=now)
    else:
        clocks.arm(complaint, now=now)
    save_recording(
        complaint,
        actor,
        Transition(action=action.name, from_=source, to=to, reason=reason, **(data or {})),
    )
    # What the transition set in motion is recorded after it, in the order it happened.
    if complaint.owner_id != previous_owner:
        record(
            complaint,
            actor,
            HandoffAccepted(from_owner=previous_owner, to_owner=complaint.owner_id),
        )
    # The revisit, at feedback or at closure as the venue's policy says.
    revisit_schedule(complaint, source=source, now=now)
    warn(complaint, warnings)
    return complaint


def _on_enter(
    complaint: Complaint, *, action: Action, actor: Actor, reason: str, now: datetime
) -> list[str]:
    """What entering the new state sets in motion (called by the gate only)."""
    to = complaint.state
    warnings: list[str] = []
    if to == S.ACKNOWLEDGED:
        clocks.promise(complaint, respond=True)  # the reply time the customer is told
        notify_customer(
            complaint, kind=Outbox.Kind.ACKNOWLEDGEMENT, dedupe_key=f"ack:{complaint.pk}"
        )
    elif to == S.INVESTIGATING:
        if action.name == "accept":
            # First-contact ownership ends here: the assignee accepted the hand-off.
            assert complaint.assignee is not None  # "accept" needs an assignee
            complaint.owner = complaint.assignee
        elif action.name == "reopen":
            complaint.reopen_count += 1
            complaint.closed_at = None
            complaint.retention_until = None
            warnings += clocks.restart_resolution(complaint, now=now)
            Revisit.objects.filter(complaint=complaint, done_at__isnull=True).delete()
    elif to in (S.INVALID, S.REMEDY_PROPOSED) and complaint.stage == "assess":
        warnings += clocks.enter_stage(complaint, "plan", now=now)
    elif to == S.APPROVED:
        warnings += clocks.enter_stage(complaint, "execute", now=now)
    elif to == S.REMEDY_EXECUTED:
        warnings += clocks.enter_stage(complaint, "follow_up", now=now)
    elif to == S.EXPLAINED:
        warnings += clocks.enter_stage(complaint, "", now=now)
        notify_customer(complaint, kind=Outbox.Kind.EXPLANATION, text=reason)
    elif to == S.FEEDBACK_GIVEN:
        warnings += clocks.enter_stage(complaint, "", now=now)
        notify_customer(complaint, kind=Outbox.Kind.FEEDBACK, text=reason)
    if to in TERMINAL_STATES:
        complaint.closed_at = now
        complaint.stage, complaint.stage_due = "", None
        complaint.retention_until = retention_date(now)
        if to == S.CLOSED:
            survey_invite(complaint, now=now)
    return warnings


def complaint_transition(
    *,
    complaint: Complaint,
    to: str,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Move `complaint` to state `to` through the gate. Returns the updated complaint.

    For transitions that need more than a reason (assign, remedies, revisit, merge) call the
    dedicated service, which records the data and then passes the same gate.
    """
    if to not in S.values:
        raise InvalidInput(_("Unknown state."), code="unknown_state")
    with transaction.atomic():
        locked = lock(complaint, expected_version=expected_version)
        return gate(locked, to=to, actor=actor, reason=reason.strip())


def retention_date(moment: datetime) -> date:
    """Closed + AMENDS_RETENTION_YEARS (29 February becomes 28 February)."""
    day = moment.date()
    years = settings.AMENDS_RETENTION_YEARS
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
