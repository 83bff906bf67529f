"""Exceptional paths: decline, merge, escalation, deadline extension, legal hold."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints import clocks, routing, timeline
from amends.complaints.events import DeadlineExtended, Escalated, LegalHold, MergedFrom, record
from amends.complaints.messages import notify_customer, notify_staff
from amends.complaints.models import (
    Complaint,
)
from amends.complaints.permissions import Actor
from amends.complaints.services.gate import (
    authorize,
    authorize_action,
    gate,
    lock,
    save,
    save_recording,
    staff_of,
)
from amends.complaints.transitions import (
    ACTIONS,
    OPEN_STATES,
    State,
)
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from amends.notifications.models import Outbox
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

S = State


# --- exceptional paths ---------------------------------------------------------------------


@transaction.atomic
def complaint_decline(
    *, complaint: Complaint, actor: Actor, reason: str, expected_version: int | None = None
) -> Complaint:
    """Decline a malicious or abusive complaint; the reason is required and kept."""
    locked = lock(complaint, expected_version=expected_version)
    return gate(locked, to=S.DECLINED, actor=actor, reason=reason.strip())


@transaction.atomic
def complaint_merge(
    *,
    duplicate: Complaint,
    into: Complaint,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> Complaint:
    """Merge `duplicate` into `into`: the survivor carries on, the duplicate is closed as merged,
    and both timelines stay whole, each naming the other."""
    if duplicate.pk == into.pk:
        raise InvalidInput(_("A complaint cannot be merged into itself."), code="merge_self")
    # Lock both rows in a fixed order so two opposite merges cannot deadlock.
    first, second = sorted([duplicate, into], key=lambda c: c.pk)
    locked = {
        c.pk: lock(c, expected_version=expected_version if c.pk == duplicate.pk else None)
        for c in (first, second)
    }
    dup, survivor = locked[duplicate.pk], locked[into.pk]
    if survivor.company_id != dup.company_id:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if survivor.state not in OPEN_STATES:
        raise InvalidTransition(
            _("Merge into a complaint that is still open."), code="merge_target_closed"
        )
    authorize(survivor, actor, ACTIONS["merge"])
    dup.merged_into = survivor
    gate(dup, to=S.MERGED, actor=actor, reason=reason.strip(), data={"into": survivor.reference})
    if survivor.possible_duplicate_of_id == dup.pk:
        survivor.possible_duplicate_of = None  # decided: it was one
    # The survivor's timeline tells what came in with the merged complaint.
    record(
        survivor,
        actor,
        MergedFrom(
            duplicate=dup.reference,
            reason=reason.strip(),
            description=dup.description,
            customer_request=dup.customer_request or None,
            evidence=dup.evidence.count(),
        ),
    )
    save(survivor)
    return survivor


def escalate(
    complaint: Complaint,
    *,
    actor: Actor | None,
    reason: str,
    now: datetime,
    overdue_since: datetime | None = None,
) -> bool:
    """Move one step up the ladder (owner → each role of `ESCALATION_LADDER`). False at the top.

    1. The step goes to the next rung someone holds (`routing.escalation_rung`): a rung nobody
       at the venue or company-wide holds is skipped, and the level becomes the rung reached.
    2. The person it goes to joins the complaint's handlers and is notified.
    3. With nobody on any rung above, the event says so and the company's directors and
       administrators are notified instead; the ladder is then at its top.
    4. The next step is one escalation step later, at a working time of the venue's clock.
    """
    from amends.orgs.roles import ESCALATION_LADDER

    if complaint.escalation_level >= len(ESCALATION_LADDER):
        return False
    rung = routing.escalation_rung(complaint, complaint.escalation_level + 1)
    target = rung.user
    complaint.escalation_level = rung.level
    complaint.escalated_to = target if target is not None else complaint.escalated_to
    complaint.next_escalation_at = (
        clocks.next_escalation(complaint, now=now) if rung.level < len(ESCALATION_LADDER) else None
    )
    if target is not None:
        timeline.add_handler(complaint, target)
    save_recording(
        complaint,
        actor,
        Escalated(
            level=rung.level,
            role=rung.role,
            to=target.pk if target else None,
            reason=reason,
            automatic=actor is None,
            overdue_since=overdue_since,
            skipped=list(rung.skipped) or None,
        ),
    )
    told = [target] if target is not None else list(routing.company_overseers(complaint))
    for person in told:
        notify_staff(
            complaint,
            user=person,
            kind=Outbox.Kind.ESCALATION,
            text=reason,
            dedupe_key=f"escalate:{complaint.pk}:{rung.level}:{complaint.reopen_count}:{person.pk}",
        )
    return True


@transaction.atomic
def complaint_escalate(
    *, complaint: Complaint, actor: Actor, reason: str, expected_version: int | None = None
) -> Complaint:
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "escalate", reason.strip())
    if not escalate(locked, actor=actor, reason=reason.strip(), now=clock.now()):
        raise InvalidTransition(
            _("This complaint is already at the top of the ladder."), code="ladder_top"
        )
    return locked


@transaction.atomic
def complaint_extend_deadline(
    *,
    complaint: Complaint,
    actor: Actor,
    until: datetime,
    reason: str,
    expected_version: int | None = None,
) -> Complaint:
    """Move the running deadline later. A reason is required and the customer is told."""
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "extend_deadline", reason.strip())
    current = clocks.active_due(locked)
    now = clock.now()
    if current is None:
        raise InvalidTransition(_("No deadline is running."), code="no_deadline")
    if until <= current or until <= now:
        raise InvalidInput(
            _("The new deadline must be later than the current one."), code="deadline_not_later"
        )
    if locked.responded_at is None:
        field = "respond_due"
    elif locked.stage_due is not None:
        field = "stage_due"
    else:
        field = "resolve_due"
    setattr(locked, field, until)
    if field == "stage_due" and locked.resolve_due is not None and locked.resolve_due < until:
        locked.resolve_due = until
    locked.extension_count += 1
    clocks.arm(locked, now=now)
    clocks.promise(locked, resolve=True)  # the time the message below tells the customer
    save(locked)
    record(
        locked,
        actor,
        DeadlineExtended(deadline=field, before=current, after=until, reason=reason.strip()),
    )
    notify_customer(
        locked,
        kind=Outbox.Kind.DEADLINE_EXTENDED,
        text=reason.strip(),
        dedupe_key=f"extend:{locked.pk}:{locked.extension_count}",
    )
    return locked


@transaction.atomic
def complaint_set_legal_hold(
    *, complaint: Complaint, actor: Actor, hold: bool, reason: str
) -> Complaint:
    """Put a complaint under legal hold (it is never purged) or release it."""
    scope = scope_of(staff_of(actor))
    locked = lock(complaint)
    if scope.company_id != locked.company_id or not scope.has_role(
        locked.venue_id, Role.AUDITOR, Role.DIRECTOR, Role.ADMIN
    ):
        raise PermissionDenied(
            _("You may not change the legal hold."), code="legal_hold_not_allowed"
        )
    if not reason.strip():
        raise InvalidInput(_("A reason is required."), code="needs_reason")
    if locked.legal_hold != hold:
        locked.legal_hold = hold
        save(locked)
        record(locked, actor, LegalHold(hold=hold, reason=reason.strip()))
    return locked
