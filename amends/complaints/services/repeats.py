"""Repeats, recurring causes and possible duplicates (SPEC §2).

The customer is matched through the blind indexes and the membership, never by clear text: the
same customer record, another record with the same phone or email index, or the same membership
(number) at the venue.

- A **possible duplicate**: the same matter arriving twice — the same customer's open complaint
  received within the venue's `duplicate_window_hours` (72 h by default) that is about the same
  category, or, whatever the categories (or with none yet), whose text tells the same matter
  (`triage.similarity` at least `SAME_MATTER`). It is offered for merge; the warning stays until
  someone merges or dismisses it, and a complaint someone said is not a duplicate is not flagged
  against it again.
- A **repeat**: an earlier complaint of the same customer about the same category at the same
  venue within its `repeat_window_days` (30 by default), other than the possible duplicate. The
  complaint is linked to the latest one (`repeat_of`), counts them (`repeat_count`) and is at
  least important.
- A **recurring cause**: an earlier complaint of *any* customer at the same venue about the same
  category and the same subject (`complaints.subjects`: the same staff member, the same subject
  as told or the same place — a department alone is too broad to be one cause) within the
  repeat window. The cause comes back, so the complaint is at least important; the earlier
  references are told on its timeline (`recurring_cause`), which is where it is linked to them.
  The customer's own repeats and the possible duplicate are not counted again.

Nothing here checks permissions or locks: the calling service (intake, classification, the
dismissal of a duplicate) has done both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from amends.complaints.events import (
    DuplicateSuspected,
    EventKind,
    RecurringCause,
    RepeatFound,
    record,
)
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.permissions import Actor
from amends.complaints.services.gate import save
from amends.complaints.subjects import subject_key
from amends.complaints.transitions import OPEN_STATES, State
from amends.members.models import Customer
from amends.triage import pii
from amends.triage.similarity import SAME_MATTER, similarity
from amends.workflow.taxonomy import Severity

RANK = {"": 0, Severity.GENERAL: 1, Severity.IMPORTANT: 2, Severity.URGENT: 3}
# Earlier complaints that do not show a cause coming back: merged into another (they live on
# there), found invalid (and explained), declined as abusive.
NOT_A_CAUSE = (State.MERGED, State.INVALID, State.EXPLAINED, State.DECLINED)
# The subject keys that name one cause (see the module's docstring).
CAUSE_KINDS = ("staff", "text", "place")
# What the customer said, as compared for the same matter (as triage reads it at intake).
TEXT_FIELDS = ("description", "consequence", "customer_request", "subject_text")


@dataclass(frozen=True)
class Found:
    """What detection found for one complaint."""

    repeats: list[Complaint] = field(default_factory=list)  # newest first
    duplicate: Complaint | None = None
    severity_before: str = ""
    severity_after: str = ""
    # The same cause at the venue, from any customer (newest first), and its subject key.
    recurring: list[Complaint] = field(default_factory=list)
    cause: str = ""


def same_customer(complaint: Complaint) -> Q:
    """Complaints of the same customer: the same record, the same phone or email blind index,
    or the same membership.

    The customers are a subquery of their own (`customer_id IN (…)`), read through the blind
    indexes: an OR across the join to the customers let no index choose the complaints, and at
    a million complaints each intake of a known customer read and joined every open complaint
    of the last three days (6,500 rows, 37 ms)."""
    customer = complaint.customer
    same = Q(pk=complaint.customer_id)
    if customer.phone_index:
        same |= Q(phone_index=customer.phone_index)
    if customer.email_index:
        same |= Q(email_index=customer.email_index)
    match = Q(customer_id__in=Customer.objects.filter(same).values("pk"))
    if complaint.member_id:
        match |= Q(member_id=complaint.member_id)
    return match


def _before(complaint: Complaint) -> QuerySet[Complaint]:
    """Complaints of the company received before `complaint` (merged ones excluded: they live
    on in the complaint they were merged into)."""
    at = complaint.received_at
    # Received at the same instant: the one saved first is the earlier.
    same_instant = (
        Q(received_at=at) if complaint.pk is None else Q(received_at=at, pk__lt=complaint.pk)
    )
    return (
        Complaint.objects.filter(company_id=complaint.company_id)
        .filter(Q(received_at__lt=at) | same_instant)
        .exclude(pk=complaint.pk)
        .exclude(state=State.MERGED)
    )


def text_of(complaint: Complaint) -> str:
    """What the customer said (compared for the same matter)."""
    parts = (getattr(complaint, name) or "" for name in TEXT_FIELDS)
    return "\n".join(p.strip() for p in parts if p.strip())


def cause_of(complaint: Complaint) -> str:
    """The complaint's subject key when it names one cause (staff, text or place), else "".
    The same key as `subjects.subject_key()` computes in the database, for a complaint that may
    not be saved yet."""
    if complaint.subject_staff_id is not None:
        return f"staff:{complaint.subject_staff_id}"
    if complaint.subject_department_id is not None:
        return ""  # the department is the key: too broad to be one cause
    if complaint.subject_text.strip():
        return f"text:{complaint.subject_text.strip().lower()}"
    if complaint.location.strip():
        return f"place:{complaint.location.strip().lower()}"
    return ""


def _dismissed(complaint: Complaint) -> set[str]:
    """The references someone said `complaint` is not a duplicate of."""
    if complaint.pk is None:
        return set()
    told = ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.NOT_DUPLICATE)
    return {str(data.get("of", "")) for data in told.values_list("data", flat=True)}


# What is read of the customer's earlier complaints to find the duplicate and the repeats.
MINE_COLUMNS = ("pk", "reference", "received_at", "state", "venue_id", "category_id", *TEXT_FIELDS)


def _customer_since(complaint: Complaint, since: datetime) -> list[Complaint]:
    """The same customer's complaints received before `complaint` and since `since`, newest
    first: one read serves both the possible duplicate and the repeats."""
    return list(
        _before(complaint)
        .filter(same_customer(complaint))
        .filter(received_at__gte=since)
        .only(*MINE_COLUMNS)
        .order_by("-received_at", "-pk")
    )


def _duplicate(complaint: Complaint, mine: list[Complaint]) -> Complaint | None:
    """Among the customer's earlier complaints (newest first), the open one within the
    duplicate window about the same category, else the one whose text is most like this one's
    (at least SAME_MATTER, among the latest 20)."""
    since = complaint.received_at - timedelta(hours=complaint.venue.duplicate_window_hours)
    dismissed = _dismissed(complaint)
    candidates = [
        other
        for other in mine
        if other.state in OPEN_STATES
        and other.received_at >= since
        and other.reference not in dismissed
    ]
    if complaint.category_id is not None:
        for other in candidates:
            if other.category_id == complaint.category_id:
                return other
    text = text_of(complaint)
    if not text:
        return None
    best, score = None, SAME_MATTER
    for other in candidates[:20]:
        alike = similarity(text, text_of(other))
        if alike >= score and (best is None or alike > score):
            best, score = other, alike
    return best


def recurring_of(complaint: Complaint, cause: str) -> QuerySet[Complaint]:
    """Earlier complaints of any customer at the venue about the same category and cause
    within the repeat window."""
    if complaint.category_id is None:
        return Complaint.objects.none()
    since = complaint.received_at - timedelta(days=complaint.venue.repeat_window_days)
    return (
        _before(complaint)
        .filter(
            venue_id=complaint.venue_id,
            category_id=complaint.category_id,
            received_at__gte=since,
        )
        .exclude(state__in=NOT_A_CAUSE)
        .annotate(subject_key=subject_key())
        .filter(subject_key=cause)
    )


def detect(
    complaint: Complaint, *, duplicates: bool = True, first_of_customer: bool = False
) -> Found:
    """Repeats, the recurring cause and the possible duplicate of `complaint` (built or saved),
    measured from its receipt. `duplicates=False`: a complaint someone said is not a duplicate
    counts as a repeat. A complaint already flagged keeps its flag (no second one is looked
    for, and the flagged complaint is not counted as a repeat). `first_of_customer`: the
    caller knows the customer has no other complaint (a record created by this intake, with no
    membership): only the venue's recurring cause is looked for."""
    venue = complaint.venue
    flagged = complaint.possible_duplicate_of_id
    look_for_duplicate = duplicates and flagged is None and not first_of_customer
    look_for_repeats = complaint.category_id is not None and not first_of_customer
    repeat_since = complaint.received_at - timedelta(days=venue.repeat_window_days)
    windows = [repeat_since] if look_for_repeats else []
    if look_for_duplicate:
        windows.append(complaint.received_at - timedelta(hours=venue.duplicate_window_hours))
    mine = _customer_since(complaint, min(windows)) if windows else []
    duplicate = _duplicate(complaint, mine) if look_for_duplicate else None
    if complaint.category_id is None:
        return Found([], duplicate, complaint.severity, complaint.severity)
    skip = {pk for pk in (flagged, duplicate.pk if duplicate else None) if pk is not None}
    # Repeats: the customer's earlier complaints about the same category at this venue.
    found = [
        other
        for other in mine
        if other.category_id == complaint.category_id
        and other.venue_id == venue.pk
        and other.received_at >= repeat_since
        and other.pk not in skip
    ]
    cause = cause_of(complaint)
    recurring: list[Complaint] = []
    if cause:
        skip |= {c.pk for c in found}
        recurring = list(
            recurring_of(complaint, cause).exclude(pk__in=skip).order_by("-received_at", "-pk")
        )
    after = complaint.severity
    if (found or recurring) and RANK.get(after, 0) < RANK[Severity.IMPORTANT]:
        after = Severity.IMPORTANT
    return Found(found, duplicate, complaint.severity, after, recurring, cause if recurring else "")


def apply(complaint: Complaint, found: Found, *, severity: bool = True) -> None:
    """Set the links on `complaint` in memory (the caller saves it); with `severity`, raise it to
    at least important when it is a repeat or its cause recurs."""
    complaint.repeat_of = found.repeats[0] if found.repeats else None
    complaint.repeat_count = len(found.repeats)
    if found.duplicate is not None:
        complaint.possible_duplicate_of = found.duplicate
    if severity:
        complaint.severity = found.severity_after


def tell(complaint: Complaint, actor: Actor | None, found: Found, *, raised: bool = True) -> None:
    """Record what was found on the timeline (after the complaint is saved). `raised`: the
    severity change is told here (at intake), not by a classification event of its own. The
    severity is told as raised once: by the repeat when there is one, else by the recurring
    cause."""
    if found.duplicate is not None:
        record(
            complaint,
            actor,
            DuplicateSuspected(
                of=found.duplicate.reference, window_hours=complaint.venue.duplicate_window_hours
            ),
        )
    after = found.severity_after if raised else found.severity_before
    if found.repeats:
        record(
            complaint,
            actor,
            RepeatFound(
                earlier=[c.reference for c in found.repeats],
                window_days=complaint.venue.repeat_window_days,
                severity_before=found.severity_before,
                severity_after=after,
            ),
        )
    if found.recurring:
        kind, _, subject = found.cause.partition(":")
        record(
            complaint,
            actor,
            RecurringCause(
                earlier=[c.reference for c in found.recurring],
                window_days=complaint.venue.repeat_window_days,
                subject_kind=kind,
                subject="" if kind == "staff" else pii.mask(subject),
                subject_staff=int(subject) if kind == "staff" else None,
                severity_before=found.severity_before,
                severity_after=found.severity_before if found.repeats else after,
            ),
        )


def recheck(complaint: Complaint, *, actor: Actor, duplicates: bool = True) -> str:
    """After the category was set or changed (or a duplicate dismissed), on a locked complaint:
    link it to its earlier complaints and record what was found. Returns the severity it must be
    raised to ("" when none): the caller raises it through the classification, so the clocks
    follow the new severity and the change is told once."""
    found = detect(complaint, duplicates=duplicates)
    if not (found.repeats or found.duplicate or found.recurring or complaint.repeat_of_id):
        return ""
    apply(complaint, found, severity=False)
    save(complaint)
    tell(complaint, actor, found, raised=False)
    return found.severity_after if found.severity_after != complaint.severity else ""
