"""What an API key may read. A key reaches its company's complaints (one venue's, for a venue
key); a key without a reading scope (only complaints:write) reads the complaints it recorded.
A complaint out of reach is answered as if it did not exist (404)."""

from __future__ import annotations

import re

from django.db.models import OuterRef, QuerySet, Subquery

from amends.api.auth import READ_SCOPES, company_of
from amends.complaints.models import Complaint, ComplaintEvent
from amends.core.errors import NotFound
from amends.core.principals import Principal
from amends.orgs.models import Department, Venue

REFERENCE = re.compile(r"[A-Z0-9-]{1,40}")
VENUE_CODE = re.compile(r"[A-Z0-9-]{1,12}")


def complaints_for_key(*, principal: Principal) -> QuerySet[Complaint]:
    complaints = Complaint.objects.filter(company_id=company_of(principal))
    if principal.venue_id is not None:
        complaints = complaints.filter(venue_id=principal.venue_id)
    if not principal.scopes & READ_SCOPES:
        complaints = complaints.filter(api_key_id=principal.ref)
    return complaints


def with_updated_at(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate `updated_at`: when the last event of each complaint was written (one indexed
    subquery per row, on the (complaint, seq) unique index)."""
    last = ComplaintEvent.objects.filter(complaint_id=OuterRef("pk")).order_by("-seq")
    return complaints.annotate(updated_at=Subquery(last.values("at")[:1]))


def complaint_for_key(*, principal: Principal, reference: str) -> Complaint:
    """One complaint the key may read, else NotFound (never says it exists)."""
    found = None
    if REFERENCE.fullmatch(reference):
        found = (
            complaints_for_key(principal=principal)
            .select_related("venue", "customer", "category")
            .filter(reference=reference)
            .first()
        )
    if found is None:
        raise NotFound(code="complaint_not_found")
    return found


def venues_for_key(*, principal: Principal) -> QuerySet[Venue]:
    venues = Venue.objects.filter(company_id=company_of(principal))
    if principal.venue_id is not None:
        venues = venues.filter(pk=principal.venue_id)
    return venues.order_by("code")


def venue_for_key(*, principal: Principal, code: str) -> Venue:
    found = None
    if VENUE_CODE.fullmatch(code):
        found = venues_for_key(principal=principal).filter(code=code).first()
    if found is None:
        raise NotFound(code="venue_not_found")
    return found


def departments_of(*, venue: Venue) -> QuerySet[Department]:
    return Department.objects.filter(venue=venue).order_by("code")
