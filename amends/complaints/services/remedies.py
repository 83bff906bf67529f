"""Remedies: proposal, approval within authority, the customer's consent, execution;
consequences for staff."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from amends.complaints import remedy_kinds
from amends.complaints.events import (
    ConsequenceRecorded,
    RemedyApproved,
    RemedyProposed,
    RemedyRejected,
    record,
)
from amends.complaints.messages import notify_customer, notify_staff
from amends.complaints.models import (
    Complaint,
    Consequence,
    CustomerConsent,
    RemedyProposal,
)
from amends.complaints.permissions import Actor
from amends.complaints.services.gate import (
    authorize,
    authorize_action,
    check_needs,
    gate,
    lock,
    save,
    staff_of,
    user_of,
)
from amends.complaints.transitions import (
    ACTIONS,
    State,
)
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from amends.core.input_guard import check_text
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.orgs.roles import APPROVAL_LADDER, Role
from amends.orgs.selectors import scope_of, users_with_role
from amends.workflow.rules import approver_role, covers
from amends.workflow.selectors import authority_for, authority_limits

S = State


# --- remedies -------------------------------------------------------------------------------


def _amount(value: Decimal | str | int) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("The amount must be a number."), code="invalid_amount") from None
    if amount < 0 or amount > Decimal("9999999999.99"):
        raise InvalidInput(
            _("The amount must be between 0 and 9,999,999,999.99."), code="invalid_amount"
        )
    return amount


@transaction.atomic
def remedy_propose(
    *,
    complaint: Complaint,
    actor: Actor,
    kind: str,
    description: str,
    amount: Decimal | str | int = 0,
    expected_version: int | None = None,
) -> RemedyProposal:
    """Add a remedy proposal (CNY amount); the complaint moves to “remedy proposed”. Only a
    kind the complaint's venue offers (`remedy_kinds`): no room upgrade at a gym."""
    if kind not in RemedyProposal.Kind.values:
        raise InvalidInput(_("Unknown kind of remedy."), code="invalid_remedy_kind")
    if not remedy_kinds.fits(kind, complaint.venue.kind):
        raise InvalidInput(
            _("This venue does not offer this remedy: %(kind)s.")
            % {"kind": RemedyProposal.Kind(kind).label},
            code="remedy_not_offered_here",
        )
    if not description.strip():
        raise InvalidInput(_("Describe the remedy."), code="empty_remedy")
    value = _amount(amount)
    locked = lock(complaint, expected_version=expected_version)
    authorize(locked, actor, ACTIONS["propose_remedy"])
    proposal = RemedyProposal.objects.create(
        complaint=locked,
        kind=kind,
        description=description.strip(),
        amount=value,
        proposed_by=staff_of(actor),
        proposed_at=clock.now(),
    )
    record(
        locked,
        actor,
        RemedyProposed(
            proposal=proposal.pk, kind=kind, amount=value, description=proposal.description
        ),
    )
    if locked.state == S.REMEDY_PROPOSED:
        save(locked)
    else:
        gate(locked, to=S.REMEDY_PROPOSED, actor=actor)
    return proposal


def _actor_authority(
    complaint: Complaint, actor: Actor, limits: dict[str, Decimal | None] | None = None
) -> Decimal | None:
    """The actor's own limit: their personal one where set, else their roles' at this venue."""
    return authority_for(user=staff_of(actor), venue_id=complaint.venue_id, limits=limits)


def _ladder_present(complaint: Complaint, actor: Actor) -> frozenset[str]:
    """The rungs of the approval ladder somebody other than `actor` holds at the venue
    (company-wide holders included): a proposal never waits for a role nobody has."""
    others = [staff_of(actor).pk]
    return frozenset(
        role
        for role in APPROVAL_LADDER
        if users_with_role(venue=complaint.venue, roles=[role]).exclude(pk__in=others).exists()
    )


@transaction.atomic
def remedy_submit(
    *, complaint: Complaint, actor: Actor, expected_version: int | None = None
) -> Complaint:
    """Submit the draft proposals. Those within the submitter's authority (their personal limit,
    else their roles') are approved at once; the others wait for the lowest role of the approval
    ladder whose limit covers their amount and whom the venue has."""
    locked = lock(complaint, expected_version=expected_version)
    authorize(locked, actor, ACTIONS["submit_remedy"])
    if locked.state != S.REMEDY_PROPOSED:
        raise InvalidTransition(_("There is no remedy to submit."), code="action_not_available")
    check_needs(locked, actor, ACTIONS["propose_remedy"], "")
    limits = authority_limits(company=locked.company_id)
    own = _actor_authority(locked, actor, limits)
    present: frozenset[str] | None = None
    now = clock.now()
    needed: list[str] = []
    for proposal in RemedyProposal.objects.filter(
        complaint=locked, status=RemedyProposal.Status.DRAFT
    ):
        if covers(own, proposal.amount):
            proposal.status = RemedyProposal.Status.APPROVED
            proposal.decided_by, proposal.decided_at = staff_of(actor), now
            proposal.decision_comment = ""  # the event records that it was within authority
        else:
            proposal.status = RemedyProposal.Status.PENDING
            if present is None:
                present = _ladder_present(locked, actor)
            proposal.approval_role = approver_role(proposal.amount, limits, present)
            needed.append(proposal.approval_role)
        proposal.save()
    if not needed:
        return _offer(gate(locked, to=S.APPROVED, actor=actor, data={"within_authority": True}))
    locked.approval_role = max(needed, key=APPROVAL_LADDER.index)
    locked = gate(
        locked, to=S.APPROVAL_PENDING, actor=actor, data={"approval_role": locked.approval_role}
    )
    for approver in users_with_role(venue=locked.venue, roles=[locked.approval_role]):
        notify_staff(
            locked,
            user=approver,
            kind=Outbox.Kind.APPROVAL_REQUEST,
            dedupe_key=f"approval:{locked.pk}:{locked.version}:{approver.pk}",
        )
    return locked


def _offer(complaint: Complaint) -> Complaint:
    """The remedy is approved: the customer is told what it is and how to accept or decline."""
    notify_customer(
        complaint,
        kind=Outbox.Kind.REMEDY_OFFER,
        dedupe_key=f"offer:{complaint.pk}:{complaint.version}",
    )
    return complaint


def _decide(
    proposal: RemedyProposal,
    *,
    actor: Actor,
    approve: bool,
    comment: str,
    expected_version: int | None,
) -> Complaint:
    locked = lock(proposal.complaint, expected_version=expected_version)
    proposal = RemedyProposal.objects.select_for_update().get(pk=proposal.pk)
    action = ACTIONS["approve" if approve else "reject"]
    authorize(locked, actor, action)
    if locked.state != S.APPROVAL_PENDING or proposal.status != RemedyProposal.Status.PENDING:
        raise InvalidTransition(_("This proposal is not awaiting approval."), code="not_pending")
    if not approve and not comment.strip():
        raise InvalidInput(_("A reason is required."), code="needs_reason")
    if not covers(_actor_authority(locked, actor), proposal.amount):
        raise PermissionDenied(
            _("¥%(amount)s is above your authority; it needs approval by: %(role)s.")
            % {"amount": proposal.amount, "role": Role(proposal.approval_role).label},
            code="authority_exceeded",
        )
    proposal.status = RemedyProposal.Status.APPROVED if approve else RemedyProposal.Status.REJECTED
    proposal.decided_by, proposal.decided_at, proposal.decision_comment = (
        staff_of(actor),
        clock.now(),
        comment.strip(),
    )
    proposal.save()
    decision = RemedyApproved if approve else RemedyRejected
    record(
        locked,
        actor,
        decision(proposal=proposal.pk, amount=proposal.amount, comment=proposal.decision_comment),
    )
    remaining = RemedyProposal.objects.filter(
        complaint=locked, status=RemedyProposal.Status.PENDING
    )
    if remaining.exists():
        save(locked)
        return locked
    any_approved = RemedyProposal.objects.filter(
        complaint=locked, status=RemedyProposal.Status.APPROVED
    ).exists()
    locked.approval_role = ""
    if any_approved:
        return _offer(gate(locked, to=S.APPROVED, actor=actor, reason=comment.strip()))
    return gate(
        locked,
        to=S.REJECTED,
        actor=actor,
        reason=comment.strip(),
    )


@transaction.atomic
def remedy_approve(
    *,
    proposal: RemedyProposal,
    actor: Actor,
    comment: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Approve one pending proposal; the approver's authority must cover its amount. When no
    proposal is left pending, the complaint is approved (or rejected if none was approved)."""
    return _decide(
        proposal, actor=actor, approve=True, comment=comment, expected_version=expected_version
    )


@transaction.atomic
def remedy_reject(
    *,
    proposal: RemedyProposal,
    actor: Actor,
    comment: str,
    expected_version: int | None = None,
) -> Complaint:
    return _decide(
        proposal, actor=actor, approve=False, comment=comment, expected_version=expected_version
    )


@transaction.atomic
def remedy_record_consent(
    *,
    complaint: Complaint,
    actor: Actor,
    accepted: bool,
    method: str,
    note: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the customer's answer to the approved remedy and how it was given."""
    if method not in CustomerConsent.Method.values:
        raise InvalidInput(_("Say how the customer gave their answer."), code="needs_consent")
    if not accepted and not note.strip():
        raise InvalidInput(_("Note why the customer declined."), code="needs_reason")
    locked = lock(complaint, expected_version=expected_version)
    CustomerConsent.objects.create(
        complaint=locked,
        accepted=accepted,
        method=method,
        note=note.strip(),
        recorded_by=user_of(actor),
        recorded_at=clock.now(),
    )
    if accepted:
        return gate(
            locked, to=S.CUSTOMER_ACCEPTED, actor=actor, reason=method, data={"note": note.strip()}
        )
    return gate(
        locked, to=S.CUSTOMER_DECLINED, actor=actor, reason=note.strip(), data={"method": method}
    )


@transaction.atomic
def remedy_execute(
    *, complaint: Complaint, actor: Actor, note: str, expected_version: int | None = None
) -> Complaint:
    """Record that the approved remedies were carried out."""
    locked = lock(complaint, expected_version=expected_version)
    now = clock.now()
    locked = gate(locked, to=S.REMEDY_EXECUTED, actor=actor, reason=note.strip())
    RemedyProposal.objects.filter(complaint=locked, status=RemedyProposal.Status.APPROVED).update(
        status=RemedyProposal.Status.EXECUTED, executed_at=now
    )
    return locked


MAX_CONSEQUENCE_NOTE = 500


def consequence_eligible(complaint: Complaint, staff: User) -> bool:
    """Whether `staff` may be given a consequence on `complaint`: an active member of its
    company holding a role at its venue (or company-wide). The picker lists the same people
    (`consequence_candidates`)."""
    return (
        staff.is_active
        and staff.company_id == complaint.company_id
        and bool(scope_of(staff).roles_at(complaint.venue_id))
    )


def consequence_candidates(complaint: Complaint) -> QuerySet[User]:
    """The people a consequence on `complaint` may name, by name (see `consequence_eligible`)."""
    at_venue = Q(grants__venue_id=complaint.venue_id) | Q(grants__venue__isnull=True)
    return (
        User.objects.filter(at_venue, company_id=complaint.company_id, is_active=True)
        .distinct()
        .order_by("display_name", "username")
    )


@transaction.atomic
def consequence_record(
    *,
    complaint: Complaint,
    actor: Actor,
    staff: User,
    kind: str,
    note: str = "",
    expected_version: int | None = None,
) -> Consequence:
    """Record a consequence (training, warning …) for a staff member found responsible."""
    if kind not in Consequence.Kind.values:
        raise InvalidInput(_("Unknown value."), code="invalid_consequence")
    check_text(note.strip(), limit=MAX_CONSEQUENCE_NOTE, field="note", label=_("The note"))
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "record_consequence")
    if not consequence_eligible(locked, staff):
        raise InvalidInput(
            _("This person does not work at this complaint's venue."),
            code="foreign_staff",
            fields={"staff": [_("Choose someone who works at this venue.")]},
        )
    consequence = Consequence.objects.create(
        complaint=locked,
        staff=staff,
        kind=kind,
        note=note.strip(),
        recorded_by=staff_of(actor),
        recorded_at=clock.now(),
    )
    record(
        locked,
        actor,
        ConsequenceRecorded(
            consequence=consequence.pk, staff=staff.pk, kind=kind, note=consequence.note
        ),
    )
    save(locked)
    return consequence
