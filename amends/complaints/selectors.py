"""Every read of complaints goes through here: `complaints_for_actor` is the one place that
decides what a person may see (DESIGN invariant 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Case, DateTimeField, F, Q, QuerySet, When
from django.utils import timezone

from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Evidence,
    RemedyProposal,
    Revisit,
    Survey,
)
from amends.complaints.permissions import actions_available
from amends.complaints.transitions import OPEN_STATES, WAITING_ON_CUSTOMER_STATES, Action, State
from amends.core import clock, pii
from amends.core.errors import NotFound
from amends.members.selectors import ContactCard, contact_card
from amends.members.services import phone_index
from amends.orgs.models import User, Venue
from amends.orgs.selectors import scope_of


def visibility(actor: User) -> Q:
    """The filter of complaints `actor` may see.

    - Company-wide holders of a venue-wide role (director, auditor … without a venue): all of
      the company's complaints.
    - Venue-wide roles (front desk, specialist, manager …) at a venue: all of that venue's.
    - Everyone: complaints routed to a department they are granted, and complaints they received,
      own, are assigned, have been escalated to, or must revisit.
    """
    scope = scope_of(actor)
    if scope.company_id is None or not actor.is_active:
        return Q(pk__in=[])
    company = Q(company_id=scope.company_id)
    if scope.spans_company:
        return company
    personal = (
        Q(received_by_id=actor.pk)
        | Q(owner_id=actor.pk)
        | Q(assignee_id=actor.pk)
        | Q(escalated_to_id=actor.pk)
        | Q(pk__in=Revisit.objects.filter(assignee_id=actor.pk).values("complaint_id"))
    )
    reach = personal
    if scope.wide_venue_ids():
        reach |= Q(venue_id__in=scope.wide_venue_ids())
    if scope.department_ids:
        reach |= Q(department_id__in=scope.department_ids)
    return company & reach


def complaints_for_actor(*, actor: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(visibility(actor))


def complaint_get_for_actor(
    *, actor: User, pk: int | None = None, reference: str | None = None
) -> Complaint:
    """One complaint the actor may see, else NotFound (never reveals that it exists)."""
    complaints = complaints_for_actor(actor=actor).select_related(
        "venue", "customer", "category", "department"
    )
    found = (
        complaints.filter(pk=pk).first()
        if pk is not None
        else complaints.filter(reference=reference).first()
    )
    if found is None:
        raise NotFound("complaint not found", code="complaint_not_found")
    return found


def complaint_contact_masked(*, actor: User, complaint: Complaint) -> ContactCard:
    """The customer as shown by default: masked. Unmasking is a service (it is audited)."""
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return contact_card(complaint.customer, unmasked=False)


def complaints_by_phone(*, actor: User, phone: str) -> QuerySet[Complaint]:
    """Every complaint the actor may see from this phone number, via the blind index."""
    e164 = pii.normalize_phone(phone)
    return complaints_for_actor(actor=actor).filter(customer__phone_index=phone_index(e164))


def open_duplicates_for_phone(*, actor: User, phone: str, days: int = 30) -> QuerySet[Complaint]:
    """Open complaints from this phone received in the last `days` days (the intake warning)."""
    since = clock.now() - timedelta(days=days)
    return complaints_by_phone(actor=actor, phone=phone).filter(
        state__in=list(OPEN_STATES), received_at__gte=since
    )


def timeline_for_actor(*, actor: User, complaint: Complaint) -> QuerySet[ComplaintEvent]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return (
        ComplaintEvent.objects.filter(complaint=complaint).select_related("actor").order_by("seq")
    )


def actions_for_actor(*, actor: User, complaint: Complaint) -> list[Action]:
    """The actions this viewer may take now (what the console offers)."""
    return actions_available(complaint, actor)


# --- work queues and figures (the console) --------------------------------------------------

DUE_SOON = timedelta(hours=4)
QUEUES = (
    "mine",
    "team",
    "unassigned",
    "due_soon",
    "overdue",
    "approvals",
    "waiting_customer",
    "revisits",
)


def with_due(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate `due`: the deadline now running (response, else stage, else resolution)."""
    return complaints.annotate(
        due=Case(
            When(responded_at__isnull=True, then=F("respond_due")),
            When(stage_due__isnull=False, then=F("stage_due")),
            When(resolved_at__isnull=True, then=F("resolve_due")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def _queue_filter(actor: User, name: str, now: datetime) -> Q:
    scope = scope_of(actor)
    running = Q(state__in=list(OPEN_STATES), paused_at__isnull=True)
    if name == "mine":
        return Q(state__in=list(OPEN_STATES)) & (
            Q(owner_id=actor.pk) | Q(assignee_id=actor.pk) | Q(escalated_to_id=actor.pk)
        )
    if name == "team":
        return Q(state__in=list(OPEN_STATES), department_id__in=scope.department_ids)
    if name == "unassigned":
        return Q(state__in=list(OPEN_STATES), assignee__isnull=True)
    if name == "due_soon":
        return running & Q(due__gt=now, due__lte=now + DUE_SOON)
    if name == "overdue":
        return running & Q(due__lte=now)
    if name == "approvals":
        return Q(state=State.APPROVAL_PENDING, approval_role__in=list(scope.all_roles))
    if name == "waiting_customer":
        return Q(state__in=list(WAITING_ON_CUSTOMER_STATES))
    if name == "revisits":
        return Q(
            state=State.FEEDBACK_GIVEN,
            pk__in=Revisit.objects.filter(assignee_id=actor.pk, done_at__isnull=True).values(
                "complaint_id"
            ),
        )
    raise ValueError(f"unknown queue {name!r}")


def queue_for_actor(*, actor: User, name: str, venue_id: int | None = None) -> QuerySet[Complaint]:
    """One work queue of `actor`, scoped by `complaints_for_actor`, with `due` annotated and the
    related rows a list shows fetched in the same query."""
    complaints = with_due(complaints_for_actor(actor=actor))
    if venue_id is not None:
        complaints = complaints.filter(venue_id=venue_id)
    return complaints.filter(_queue_filter(actor, name, clock.now())).select_related(
        "venue", "category", "assignee", "owner", "department"
    )


def queue_counts(*, actor: User, venue_id: int | None = None) -> dict[str, int]:
    """How many complaints each queue holds (one query per queue)."""
    return {
        name: queue_for_actor(actor=actor, name=name, venue_id=venue_id).count() for name in QUEUES
    }


def search(complaints: QuerySet[Complaint], text: str) -> QuerySet[Complaint]:
    """Keyword search over the reference and the free-text fields.

    A plain substring match, so a two-character Chinese word such as 教练 matches without
    segmentation, on SQLite and PostgreSQL alike. Every word must match somewhere."""
    words = [word for word in text.split() if word][:5]
    for word in words:
        complaints = complaints.filter(
            Q(reference__icontains=word)
            | Q(description__icontains=word)
            | Q(location__icontains=word)
            | Q(subject_text__icontains=word)
            | Q(customer_request__icontains=word)
            | Q(people_involved__icontains=word)
            | Q(investigation_report__icontains=word)
        )
    return complaints


@dataclass(frozen=True)
class VenueFigures:
    """Today's figures for a dashboard (SPEC §10 targets shown live)."""

    new_today: int
    open: int
    due_soon: int
    overdue: int
    avg_first_response_hours: float | None
    resolution_rate: float | None
    satisfaction: float | None
    surveys_answered: int


def figures_for_actor(
    *, actor: User, venue: Venue | None, now: datetime | None = None
) -> VenueFigures:
    """The dashboard of `venue` (or of every venue the actor sees), for the current month in the
    venue's time zone."""
    moment = now or clock.now()
    tz = ZoneInfo(venue.timezone) if venue is not None else timezone.get_current_timezone()
    local_now = moment.astimezone(tz)
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    seen = complaints_for_actor(actor=actor)
    if venue is not None:
        seen = seen.filter(venue=venue)
    open_now = with_due(seen.filter(state__in=list(OPEN_STATES)))
    running = open_now.filter(paused_at__isnull=True)
    month = seen.filter(received_at__gte=month_start).exclude(state=State.MERGED)
    waits = [
        (responded - received).total_seconds() / 3600
        for received, responded in month.filter(responded_at__isnull=False).values_list(
            "received_at", "responded_at"
        )
        if responded is not None
    ]
    received = month.count()
    resolved = month.filter(resolved_at__isnull=False).count()
    answered = Survey.objects.filter(complaint__in=seen, answered_at__gte=month_start)
    score = answered.aggregate(avg=Avg("satisfaction"))["avg"]
    return VenueFigures(
        new_today=seen.filter(received_at__gte=day_start).count(),
        open=open_now.count(),
        due_soon=running.filter(Q(due__gt=moment) & Q(due__lte=moment + DUE_SOON)).count(),
        overdue=running.filter(Q(due__lte=moment)).count(),
        avg_first_response_hours=round(sum(waits) / len(waits), 1) if waits else None,
        resolution_rate=round(100 * resolved / received, 1) if received else None,
        satisfaction=round(float(score), 2) if score is not None else None,
        surveys_answered=answered.count(),
    )


def revisits_for_actor(*, actor: User) -> QuerySet[Revisit]:
    """Open revisits the actor must make, soonest first."""
    return (
        Revisit.objects.filter(
            assignee_id=actor.pk,
            done_at__isnull=True,
            complaint__in=complaints_for_actor(actor=actor),
        )
        .select_related("complaint", "complaint__venue")
        .order_by("due_at")
    )


def remedies_of(*, actor: User, complaint: Complaint) -> QuerySet[RemedyProposal]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return RemedyProposal.objects.filter(complaint=complaint).select_related(
        "proposed_by", "decided_by"
    )


def evidence_of(*, actor: User, complaint: Complaint) -> QuerySet[Evidence]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return Evidence.objects.filter(complaint=complaint).select_related("uploaded_by")


def evidence_get_for_actor(*, actor: User, pk: int) -> Evidence:
    """One evidence file, only if the actor may see its complaint."""
    evidence = (
        Evidence.objects.filter(pk=pk, complaint__in=complaints_for_actor(actor=actor))
        .select_related("complaint")
        .first()
    )
    if evidence is None:
        raise NotFound("evidence not found", code="evidence_not_found")
    return evidence


def decidable_proposal_ids(*, actor: User, complaint: Complaint) -> set[int]:
    """Pending proposals of `complaint` that `actor` may approve or reject: the approve action
    is theirs and their authority covers the amount (what the console offers as buttons)."""
    from amends.complaints.permissions import may
    from amends.complaints.transitions import ACTIONS
    from amends.workflow.rules import covers
    from amends.workflow.selectors import authority_for

    if complaint.state != State.APPROVAL_PENDING or not may(complaint, actor, ACTIONS["approve"]):
        return set()
    authority = authority_for(user=actor, venue_id=complaint.venue_id)
    pending = RemedyProposal.objects.filter(
        complaint=complaint, status=RemedyProposal.Status.PENDING
    )
    return {p.pk for p in pending if covers(authority, p.amount)}


def revisits_of(*, actor: User, complaint: Complaint) -> QuerySet[Revisit]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return Revisit.objects.filter(complaint=complaint).select_related("assignee")
