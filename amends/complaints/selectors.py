"""Every read of complaints goes through here: `complaints_for_actor` is the one place that
decides what a person may see (DESIGN invariant 6)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet

from amends.complaints.models import Complaint, ComplaintEvent, Revisit
from amends.complaints.permissions import actions_available
from amends.complaints.transitions import OPEN_STATES, Action
from amends.core import clock, pii
from amends.core.errors import NotFound
from amends.members.selectors import ContactCard, contact_card
from amends.members.services import phone_index
from amends.orgs.models import User
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
