"""Repeats and possible duplicates (SPEC §2): the same customer again about the same category.

The customer is matched through the blind indexes and the membership, never by clear text: the
same customer record, another record with the same phone or email index, or the same membership
(number) at the venue.

- A **possible duplicate**: the same customer's open complaint about the same category received
  within the venue's `duplicate_window_hours` (72 h by default) — the same matter arriving
  twice. It is offered for merge; the warning stays until someone merges or dismisses it.
- A **repeat**: an earlier complaint of the same customer about the same category at the same
  venue within its `repeat_window_days` (30 by default), other than the possible duplicate. The
  complaint is linked to the latest one (`repeat_of`), counts them (`repeat_count`) and is at
  least important.

Nothing here checks permissions or locks: the calling service (intake, classification, the
dismissal of a duplicate) has done both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q, QuerySet

from amends.complaints.events import DuplicateSuspected, RepeatFound, record
from amends.complaints.models import Complaint
from amends.complaints.permissions import Actor
from amends.complaints.services.gate import save
from amends.complaints.transitions import OPEN_STATES, State
from amends.workflow.taxonomy import Severity

RANK = {"": 0, Severity.GENERAL: 1, Severity.IMPORTANT: 2, Severity.URGENT: 3}


@dataclass(frozen=True)
class Found:
    """What detection found for one complaint."""

    repeats: list[Complaint] = field(default_factory=list)  # newest first
    duplicate: Complaint | None = None
    severity_before: str = ""
    severity_after: str = ""


def same_customer(complaint: Complaint) -> Q:
    """Complaints of the same customer: the same record, the same phone or email blind index,
    or the same membership."""
    customer = complaint.customer
    match = Q(customer_id=complaint.customer_id)
    if customer.phone_index:
        match |= Q(customer__phone_index=customer.phone_index)
    if customer.email_index:
        match |= Q(customer__email_index=customer.email_index)
    if complaint.member_id:
        match |= Q(member_id=complaint.member_id)
    return match


def earlier_of(complaint: Complaint) -> QuerySet[Complaint]:
    """Earlier complaints of the same customer about the same category (merged ones excluded:
    they live on in the complaint they were merged into)."""
    if complaint.category_id is None:
        return Complaint.objects.none()
    at = complaint.received_at
    # Received at the same instant: the one saved first is the earlier.
    same_instant = (
        Q(received_at=at) if complaint.pk is None else Q(received_at=at, pk__lt=complaint.pk)
    )
    return (
        Complaint.objects.filter(company_id=complaint.company_id, category_id=complaint.category_id)
        .filter(same_customer(complaint))
        .filter(Q(received_at__lt=at) | same_instant)
        .exclude(pk=complaint.pk)
        .exclude(state=State.MERGED)
    )


def detect(complaint: Complaint, *, duplicates: bool = True) -> Found:
    """Repeats and the possible duplicate of `complaint` (built or saved), measured from its
    receipt. `duplicates=False`: a complaint someone said is not a duplicate counts as a
    repeat."""
    if complaint.category_id is None:
        return Found(severity_before=complaint.severity, severity_after=complaint.severity)
    venue = complaint.venue
    earlier = earlier_of(complaint)
    duplicate = None
    if duplicates:
        duplicate = (
            earlier.filter(
                state__in=list(OPEN_STATES),
                received_at__gte=complaint.received_at
                - timedelta(hours=venue.duplicate_window_hours),
            )
            .order_by("-received_at", "-pk")
            .first()
        )
    repeats = earlier.filter(
        venue_id=venue.pk,
        received_at__gte=complaint.received_at - timedelta(days=venue.repeat_window_days),
    )
    if duplicate is not None:
        repeats = repeats.exclude(pk=duplicate.pk)
    found = list(repeats.order_by("-received_at", "-pk"))
    after = complaint.severity
    if found and RANK.get(after, 0) < RANK[Severity.IMPORTANT]:
        after = Severity.IMPORTANT
    return Found(found, duplicate, complaint.severity, after)


def apply(complaint: Complaint, found: Found, *, severity: bool = True) -> None:
    """Set the links on `complaint` in memory (the caller saves it); with `severity`, raise it to
    at least important when it is a repeat."""
    complaint.repeat_of = found.repeats[0] if found.repeats else None
    complaint.repeat_count = len(found.repeats)
    if found.duplicate is not None:
        complaint.possible_duplicate_of = found.duplicate
    if severity:
        complaint.severity = found.severity_after


def tell(complaint: Complaint, actor: Actor | None, found: Found, *, raised: bool = True) -> None:
    """Record what was found on the timeline (after the complaint is saved). `raised`: the
    severity change is told here (at intake), not by a classification event of its own."""
    if found.duplicate is not None:
        record(
            complaint,
            actor,
            DuplicateSuspected(
                of=found.duplicate.reference, window_hours=complaint.venue.duplicate_window_hours
            ),
        )
    if found.repeats:
        record(
            complaint,
            actor,
            RepeatFound(
                earlier=[c.reference for c in found.repeats],
                window_days=complaint.venue.repeat_window_days,
                severity_before=found.severity_before,
                severity_after=found.severity_after if raised else found.severity_before,
            ),
        )


def recheck(complaint: Complaint, *, actor: Actor, duplicates: bool = True) -> str:
    """After the category was set or changed (or a duplicate dismissed), on a locked complaint:
    link it to its earlier complaints and record what was found. Returns the severity it must be
    raised to ("" when none): the caller raises it through the classification, so the clocks
    follow the new severity and the change is told once."""
    found = detect(complaint, duplicates=duplicates)
    if not (found.repeats or found.duplicate or complaint.repeat_of_id):
        return ""
    apply(complaint, found, severity=False)
    save(complaint)
    tell(complaint, actor, found, raised=False)
    return found.severity_after if found.severity_after != complaint.severity else ""
